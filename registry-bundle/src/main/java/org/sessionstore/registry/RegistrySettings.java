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
 * @param cleanInterval how often the registry cleans the active store ({@code clean_interval}, 0 = never)
 * @param stateMaxAge the age past which housekeeping removes states ({@code state_max_age})
 */
public record RegistrySettings(String type, Duration swapTimeout, Map<String, Object> backendConfig, Duration cleanInterval,
        Duration stateMaxAge) {

    static final List<String> OWN_KEYS = List.of("type", "swap_timeout", "clean_interval", "state_max_age");

    /** The registry's own keys besides {@code type}: never passed to a backend. */
    public static final List<String> REGISTRY_KEYS = OWN_KEYS.subList(1, OWN_KEYS.size());
    static final Duration DEFAULT_SWAP_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEFAULT_CLEAN_INTERVAL = Duration.ofMinutes(1);
    static final Duration DEFAULT_STATE_MAX_AGE = Duration.ofMinutes(10);

    static RegistrySettings defaults() {
        return new RegistrySettings(StoreRegistry.DEFAULT_TYPE, DEFAULT_SWAP_TIMEOUT, Map.of(), DEFAULT_CLEAN_INTERVAL,
                DEFAULT_STATE_MAX_AGE);
    }

    /** Whether {@code other} builds the same backend (same type and backend keys). */
    boolean sameBackend(RegistrySettings other) {
        return other != null && type.equals(other.type) && backendConfig.equals(other.backendConfig);
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
        Duration clean = c.duration("clean_interval", DEFAULT_CLEAN_INTERVAL, Duration.ZERO, Duration.ofDays(1));
        Duration stateAge = c.duration("state_max_age", DEFAULT_STATE_MAX_AGE, Duration.ofSeconds(1), Duration.ofDays(1));
        return new RegistrySettings(type, swap, Map.copyOf(backend), clean, stateAge);
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
        all.put("clean_interval", Durations.format(cleanInterval));
        all.put("state_max_age", Durations.format(stateMaxAge));
        return all;
    }
}
