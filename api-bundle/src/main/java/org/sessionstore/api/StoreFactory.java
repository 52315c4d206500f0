package org.sessionstore.api;

import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Builds the stores of one backend [Go: {@code RegisterStore}'s factory function]. A backend
 * bundle publishes one as an OSGi service with the service property {@link #STORE_TYPE}; set it
 * with the {@link StoreType} component property annotation:
 *
 * <pre>
 * &#64;Component
 * &#64;StoreType("mystore")
 * public class MyStoreFactory implements StoreFactory { ... }
 * </pre>
 */
@ConsumerType
public interface StoreFactory {

    /** The service property that names the backend, for example {@code memory} or {@code redis}. */
    String STORE_TYPE = "store.type";

    /**
     * Builds a store.
     *
     * @param config the backend's own keys (the registry never passes its own or framework keys);
     *        values are usually strings as written in a {@code .cfg} file or the YAML
     * @return a new open store, owned by the caller, who closes it
     * @throws StoreConfigException naming the key and what is accepted, for a bad or unknown key
     */
    SessionStore create(Map<String, ?> config);
}
