package org.sessionstore.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.crypto.EncryptedStore;

/**
 * A store that wraps another must override every default method of {@link SessionStore}: a default
 * it inherits runs the API's fallback for old backends instead of the wrapped store's own (the idle
 * count of {@code cleanExpired(IntConsumer)} was lost that way in EncryptedStore until this test).
 */
class DelegationTest {

    @Test
    void theFrontAndTheEncryptingStoreOverrideEveryDefaultMethod() {
        for (Class<?> wrapper : List.of(StoreFront.class, EncryptedStore.class,
                org.sessionstore.registry.metrics.MeteredStore.class, org.sessionstore.registry.near.NearCache.class)) {
            List<String> inherited = new ArrayList<>();
            for (Method m : SessionStore.class.getMethods()) {
                if (m.isDefault() && !Modifier.isStatic(m.getModifiers())) {
                    try {
                        wrapper.getDeclaredMethod(m.getName(), m.getParameterTypes());
                    } catch (NoSuchMethodException e) {
                        inherited.add(m.getName() + List.of(m.getParameterTypes()));
                    }
                }
            }
            assertEquals(List.of(), inherited, wrapper.getSimpleName() + " inherits defaults it must delegate");
        }
    }
}
