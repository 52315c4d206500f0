package org.sessionstore.registry;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.sessionstore.api.Redaction;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreRegistry;
import org.sessionstore.api.config.Durations;
import org.sessionstore.api.config.StoreConfig;

/**
 * The one door for configuration. Whatever brings it (ConfigAdmin and so {@code etc/*.cfg},
 * {@code sessionstore:use}, the seed's YAML), a configuration of PID {@value StoreRegistry#PID}
 * becomes registry settings through {@link #from}: framework keys ({@code service.pid},
 * {@code felix.fileinstall.filename}, {@code component.*}, …) are dropped, the registry's own keys
 * are read and checked, and the rest are the backend's keys, which the backend checks when the
 * registry builds it.
 *
 * @param type the backend type, lower case
 * @param swapTimeout how long a call waits for a backend of that type
 * @param cleanInterval how often the registry cleans the active store ({@code clean_interval}, 0 = never)
 * @param backendConfig the backend's keys
 */
public record RegistrySettings(String type, Duration swapTimeout, Duration cleanInterval, Map<String, Object> backendConfig) {

    /** The registry's own keys besides {@code type}: never passed to a backend. */
    public static final List<String> REGISTRY_KEYS = List.of("swap_timeout", "clean_interval");
    static final Duration DEFAULT_SWAP_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEFAULT_CLEAN_INTERVAL = Duration.ofMinutes(1);

    /** Keys that were the registry's once and are refused now, with what replaced them. */
    private static final Map<String, String> RETIRED_KEYS = Map.of("state_max_age",
            "no longer read: a state lives as long as the backend's 'state_ttl' says, and housekeeping removes states"
                    + " past it; remove the key (set the backend's state_ttl instead)");

    /**
     * Reads a configuration.
     *
     * @param properties a configuration as ConfigAdmin, the shell or the YAML give it
     * @return the settings
     * @throws StoreConfigException naming the key, for a bad value of the registry's own keys
     */
    public static RegistrySettings from(Map<String, ?> properties) {
        Map<String, Object> backend = new TreeMap<>();
        Map<String, Object> own = new LinkedHashMap<>();
        properties.forEach((k, v) -> {
            if (isFrameworkKey(k)) {
                return;
            }
            if (RETIRED_KEYS.containsKey(k)) {
                throw new StoreConfigException(k, RETIRED_KEYS.get(k));
            }
            (k.equals("type") || REGISTRY_KEYS.contains(k) ? own : backend).put(k, v);
        });
        StoreConfig c = StoreConfig.of("registry", own, List.of("type", "swap_timeout", "clean_interval"));
        String type = c.string("type", StoreRegistry.DEFAULT_TYPE);
        if (!type.matches("[a-z][a-z0-9_-]{0,63}")) {
            throw new StoreConfigException("type", "bad value '" + Redaction.printable(type)
                    + "' for key 'type': a store type name such as memory or redis (lower case letters, digits, - and _)");
        }
        Duration swap = c.duration("swap_timeout", DEFAULT_SWAP_TIMEOUT, Duration.ZERO, Duration.ofMinutes(10));
        Duration clean = c.duration("clean_interval", DEFAULT_CLEAN_INTERVAL, Duration.ZERO, Duration.ofDays(1));
        if (!clean.isZero() && clean.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new StoreConfigException("clean_interval", "bad value for key 'clean_interval': 0 (off) or from 1s to"
                    + " 1d; cleaning reads the whole index of a shared store, so not more often than every second");
        }
        for (String key : backend.keySet()) {
            if (!key.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new StoreConfigException(key, "bad key '" + Redaction.printable(key)
                        + "': keys are letters, digits, '_', '.' and '-' (at most 64)");
            }
        }
        return new RegistrySettings(type, swap, clean, Map.copyOf(backend));
    }

    /** Keys set by the framework, ConfigAdmin, DS or FileInstall rather than by the user. */
    static boolean isFrameworkKey(String key) {
        return key.startsWith(".") || key.startsWith("service.") || key.startsWith("component.")
                || key.startsWith("felix.") || key.startsWith("osgi.");
    }

    /** The same settings with the registry keys {@code given} does not set taken from {@code current}. */
    static Map<String, Object> inheritRegistryKeys(Map<String, ?> given, RegistrySettings current) {
        Map<String, Object> merged = new LinkedHashMap<>(given);
        if (current != null) {
            merged.putIfAbsent("swap_timeout", Durations.format(current.swapTimeout()));
            merged.putIfAbsent("clean_interval", Durations.format(current.cleanInterval()));
        }
        return merged;
    }

    /** Whether {@code other} builds the same backend (same type and backend keys). */
    boolean sameBackend(RegistrySettings other) {
        return other != null && type.equals(other.type) && backendConfig.equals(other.backendConfig);
    }

    /** The configuration to persist under PID sessionstore: type, the registry's keys, the backend's keys. */
    Map<String, Object> asProperties() {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("type", type);
        all.put("swap_timeout", Durations.format(swapTimeout));
        all.put("clean_interval", Durations.format(cleanInterval));
        all.putAll(backendConfig);
        return all;
    }

    /** Every key, as it may be shown (secrets masked). */
    Map<String, String> shown() {
        Map<String, Object> all = new LinkedHashMap<>(backendConfig);
        all.put("swap_timeout", Durations.format(swapTimeout));
        all.put("clean_interval", Durations.format(cleanInterval));
        Map<String, String> shown = new TreeMap<>();
        Redaction.redact(all).forEach((k, v) -> shown.put(k, Redaction.printable(v)));
        return shown;
    }

    @Override
    public String toString() {
        return "RegistrySettings[type=" + type + ", " + shown() + "]";
    }
}
