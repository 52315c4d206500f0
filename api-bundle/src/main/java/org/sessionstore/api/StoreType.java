package org.sessionstore.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Sets the {@value StoreFactory#STORE_TYPE} service property of a {@link StoreFactory}
 * component: {@code @StoreType("redis")}.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface StoreType {

    /**
     * The type name users configure, lower case.
     *
     * @return the type name
     */
    String value();
}
