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
import org.sessionstore.api.crypto.TokenKeys;

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
 * @param encryption the keys tokens are encrypted with ({@code encryption_key},
 *        {@code encryption_keys_old}), or null when tokens are stored as they are
 * @param nearCache the near cache in front of a shared backend ({@code near_cache_size},
 *        {@code near_cache_max_age}), or null when off
 */
public record RegistrySettings(String type, Duration swapTimeout, Duration cleanInterval, Map<String, Object> backendConfig,
        TokenKeys encryption, NearCacheSettings nearCache) {

    /** The near cache's keys: entries at most, and how long an entry may be served. */
    public record NearCacheSettings(int size, Duration maxAge) {
    }

    static final Duration DEFAULT_NEAR_CACHE_MAX_AGE = Duration.ofSeconds(5);

    /** The registry's own keys besides {@code type}: never passed to a backend. */
    public static final List<String> REGISTRY_KEYS = org.sessionstore.api.StoreRegistry.OWN_KEYS;

    /** A placeholder of the ConfigAdmin interpolation plugin, left as it was: nothing resolved it. */
    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\$\\[(env|secret|prop):[^\\]]*\\]");
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
            if (v instanceof String text) {
                java.util.regex.Matcher m = PLACEHOLDER.matcher(text);
                if (m.find()) {
                    throw new StoreConfigException(k, "the placeholder " + Redaction.printable(m.group())
                            + " in key '" + Redaction.printable(k) + "' was not resolved: no " + switch (m.group(1)) {
                                case "secret" -> "such file in the secrets directory (etc/secrets/ in the distribution)";
                                case "env" -> "such environment variable";
                                default -> "such framework or system property";
                            } + ", or no interpolation plugin (org.apache.felix.configadmin.plugin.interpolation) runs");
                }
            }
            (k.equals("type") || REGISTRY_KEYS.contains(k) ? own : backend).put(k, v);
        });
        StoreConfig c = StoreConfig.of("registry", own, List.of("type", "swap_timeout", "clean_interval", TokenKeys.KEY,
                TokenKeys.OLD_KEYS, "near_cache_size", "near_cache_max_age"));
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
        String key = c.string(TokenKeys.KEY, null);
        String old = c.string(TokenKeys.OLD_KEYS, null);
        long nearSize = c.number("near_cache_size", 0, 0, 10_000_000);
        Duration nearAge = c.duration("near_cache_max_age", DEFAULT_NEAR_CACHE_MAX_AGE, Duration.ofMillis(10), Duration.ofHours(1));
        if (nearSize == 0 && own.containsKey("near_cache_max_age")) {
            throw new StoreConfigException("near_cache_max_age", "near_cache_max_age without near_cache_size does nothing:"
                    + " set near_cache_size (entries, such as 100000) to turn the near cache on, or remove near_cache_max_age");
        }
        // no current key but old ones: decrypt-only (the way to turn encryption off without losing a session)
        return new RegistrySettings(type, swap, clean, Map.copyOf(backend),
                key == null && old == null ? null : TokenKeys.of(key, old),
                nearSize == 0 ? null : new NearCacheSettings((int) nearSize, nearAge));
    }

    /** Keys set by the framework, ConfigAdmin, DS or FileInstall rather than by the user. */
    static boolean isFrameworkKey(String key) {
        return key.startsWith(".") || key.startsWith("service.") || key.startsWith("component.")
                || key.startsWith("felix.") || key.startsWith("osgi.") || key.equals(ConfigDoor.REQUEST_KEY);
    }

    /**
     * A configuration as written (placeholders kept), with the registry keys {@code given} does
     * not set taken from {@code current}, also as written.
     */
    static Map<String, Object> inheritRegistryKeys(Map<String, ?> given, Map<String, ?> current) {
        Map<String, Object> merged = new LinkedHashMap<>(given);
        if (current != null) {
            for (String k : REGISTRY_KEYS) {
                if (!given.containsKey(k) && current.containsKey(k)) {
                    merged.put(k, current.get(k));
                }
            }
        }
        return merged;
    }

    /** The keys a user wrote: without the framework's. */
    static Map<String, Object> written(Map<String, ?> properties) {
        Map<String, Object> m = new TreeMap<>();
        if (properties != null) {
            properties.forEach((k, v) -> {
                if (!isFrameworkKey(k)) {
                    m.put(k, v);
                }
            });
        }
        return m;
    }

    /** Whether {@code other} builds the same backend (same type, backend keys and encryption). */
    boolean sameBackend(RegistrySettings other) {
        return other != null && type.equals(other.type) && backendConfig.equals(other.backendConfig)
                && java.util.Objects.equals(encryption, other.encryption) && java.util.Objects.equals(nearCache, other.nearCache);
    }

    /** Every key, as it may be shown (secrets masked; the encryption keys by their ids). */
    Map<String, String> shown() {
        Map<String, Object> all = new LinkedHashMap<>(backendConfig);
        all.put("swap_timeout", Durations.format(swapTimeout));
        all.put("clean_interval", Durations.format(cleanInterval));
        if (nearCache != null) {
            all.put("near_cache_size", nearCache.size());
            all.put("near_cache_max_age", Durations.format(nearCache.maxAge()));
        }
        if (encryption != null) {
            all.put("encryption", encryption.currentId() == null
                    ? "off for new values; decrypting with key ids " + encryption.ids()
                    : "AES-256-GCM, key id " + encryption.currentId() + (encryption.ids().size() > 1
                            ? ", older key ids " + encryption.ids().subList(1, encryption.ids().size()) : ""));
        }
        Map<String, String> shown = new TreeMap<>();
        Redaction.redact(all).forEach((k, v) -> shown.put(k, Redaction.printable(v)));
        return shown;
    }

    /** The type a configuration names, if it is a type name at all ("memory" otherwise): for a refusal's status. */
    static String rawType(Map<String, ?> props) {
        Object t = props.get("type");
        return t instanceof String s && s.matches("[a-z][a-z0-9_-]{0,63}") ? s : "memory";
    }

    @Override
    public String toString() {
        return "RegistrySettings[type=" + type + ", " + shown() + "]";
    }
}
