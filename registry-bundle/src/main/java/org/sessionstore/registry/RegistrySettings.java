package org.sessionstore.registry;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreRegistry;
import org.sessionstore.api.config.Durations;
import org.sessionstore.api.config.StoreConfig;

/**
 * The configuration under PID {@value StoreRegistry#PID}, split into the registry's own keys
 * ({@code type}, {@code swap_timeout}) and the backend's keys. Framework keys
 * ({@code service.pid}, {@code felix.fileinstall.filename}, {@code component.*}, …) are dropped, so
 * a backend sees only what the user wrote for it.
 *
 * @param type the backend type, lower case
 * @param swapTimeout how long a call waits for a backend of that type
 * @param backendConfig the backend's keys
 */
record RegistrySettings(String type, Duration swapTimeout, Map<String, Object> backendConfig) {

    static final List<String> OWN_KEYS = List.of("type", "swap_timeout");
    static final Duration DEFAULT_SWAP_TIMEOUT = Duration.ofSeconds(10);

    static RegistrySettings defaults() {
        return new RegistrySettings(StoreRegistry.DEFAULT_TYPE, DEFAULT_SWAP_TIMEOUT, Map.of());
    }

    static RegistrySettings from(Map<String, ?> properties) {
        Map<String, Object> backend = new LinkedHashMap<>();
        Map<String, Object> own = new LinkedHashMap<>();
        properties.forEach((k, v) -> {
            if (isFrameworkKey(k)) {
                return;
            }
            (OWN_KEYS.contains(k) ? own : backend).put(k, v);
        });
        StoreConfig c = StoreConfig.of("registry", own, OWN_KEYS);
        String type = c.string("type", StoreRegistry.DEFAULT_TYPE);
        if (!type.matches("[a-z][a-z0-9_-]*")) {
            throw new StoreConfigException("type", "bad value '" + type
                    + "' for key 'type': a store type name such as memory or redis (lower case letters, digits, - and _)");
        }
        Duration swap = c.duration("swap_timeout", DEFAULT_SWAP_TIMEOUT, Duration.ZERO, Duration.ofMinutes(10));
        return new RegistrySettings(type, swap, Map.copyOf(backend));
    }

    /** Keys set by the framework, ConfigAdmin, DS or FileInstall rather than by the user. */
    static boolean isFrameworkKey(String key) {
        return key.startsWith(".") || key.startsWith("service.") || key.startsWith("component.")
                || key.startsWith("felix.") || key.startsWith("osgi.");
    }

    /** Every key the user set, as it may be shown (used by status). */
    Map<String, Object> allSettings() {
        Map<String, Object> all = new LinkedHashMap<>(backendConfig);
        all.put("swap_timeout", Durations.format(swapTimeout));
        return all;
    }
}
