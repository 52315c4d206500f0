package org.sessionstore.api.config;

import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.sessionstore.api.Redaction;
import org.sessionstore.api.StoreConfigException;

/**
 * A backend's configuration, read key by key. Every bad value fails with a
 * {@link StoreConfigException} that names the key and what is accepted; a secret's value is
 * never repeated. Values may be strings (as written in a {@code .cfg} file or YAML) or typed.
 *
 * <pre>
 * StoreConfig c = StoreConfig.of("file", config, Set.of("dir", "ttl", "max_sessions"));
 * String dir = c.string("dir", "data/sessions");
 * Duration ttl = c.duration("ttl", Duration.ofHours(24), Duration.ofSeconds(1), Duration.ofDays(365));
 * long max = c.number("max_sessions", 100_000, 1, 10_000_000);
 * </pre>
 */
public final class StoreConfig {

    private final String type;
    private final Map<String, ?> values;

    private StoreConfig(String type, Map<String, ?> values) {
        this.type = type;
        this.values = values;
    }

    /**
     * Wraps a configuration, rejecting keys the backend does not know (a typo must not pass
     * silently).
     *
     * @param type the backend's type, for messages
     * @param config the configuration
     * @param knownKeys the keys the backend reads
     * @return the reader
     * @throws StoreConfigException naming the first unknown key and listing the known ones
     */
    public static StoreConfig of(String type, Map<String, ?> config, Collection<String> knownKeys) {
        Map<String, ?> values = config == null ? Map.of() : config;
        for (String key : new TreeSet<>(values.keySet())) {
            if (!knownKeys.contains(key)) {
                throw new StoreConfigException(key, "unknown " + type + " store key '" + Redaction.printable(key)
                        + "'; known keys: " + String.join(", ", new TreeSet<>(knownKeys)));
            }
        }
        return new StoreConfig(type, values);
    }

    /**
     * A backend's defaults from the properties of its own configuration (such as PID
     * {@code sessionstore.redis}): only its known keys, none of the framework's.
     *
     * @param properties the component's properties
     * @param knownKeys the backend's keys
     * @return the defaults
     * @since 1.1
     */
    public static Map<String, Object> defaults(Map<String, ?> properties, Collection<String> knownKeys) {
        Map<String, Object> d = new java.util.HashMap<>();
        properties.forEach((k, v) -> {
            if (knownKeys.contains(k)) {
                d.put(k, v);
            }
        });
        return Map.copyOf(d);
    }

    /**
     * A configuration over defaults: the configuration's keys win.
     *
     * @param defaults the backend's defaults
     * @param config the store's configuration
     * @return both, merged
     * @since 1.1
     */
    public static Map<String, Object> overDefaults(Map<String, ?> defaults, Map<String, ?> config) {
        Map<String, Object> merged = new java.util.HashMap<>(defaults);
        if (config != null) {
            merged.putAll(config);
        }
        return merged;
    }

    /**
     * The keys present.
     *
     * @return the keys
     */
    public Set<String> keys() {
        return values.keySet();
    }

    private String raw(String key) {
        Object v = values.get(key);
        return v == null ? null : String.valueOf(v).trim();
    }

    private StoreConfigException bad(String key, String accepted) {
        String shown = Redaction.isSecretKey(key) ? Redaction.MASK : "'" + Redaction.printable(raw(key)) + "'";
        return new StoreConfigException(key, "bad value " + shown + " for " + type + " store key '" + key
                + "': " + accepted);
    }

    /**
     * A string.
     *
     * @param key the key
     * @param fallback the default
     * @return the value, or {@code fallback} if absent or empty
     */
    public String string(String key, String fallback) {
        String v = raw(key);
        return v == null || v.isEmpty() ? fallback : v;
    }

    /**
     * A whole number within bounds.
     *
     * @param key the key
     * @param fallback the default
     * @param min the least accepted
     * @param max the greatest accepted
     * @return the value
     */
    public long number(String key, long fallback, long min, long max) {
        String v = raw(key);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v.replace("_", ""));
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(key, "a whole number from " + min + " to " + max);
    }

    /**
     * A duration within bounds, written like {@code 24h}, {@code 2h30m}, {@code 90s}, {@code 500ms}.
     *
     * @param key the key
     * @param fallback the default
     * @param min the least accepted
     * @param max the greatest accepted
     * @return the value
     */
    public Duration duration(String key, Duration fallback, Duration min, Duration max) {
        Object o = values.get(key);
        if (o instanceof Duration d) {
            if (d.compareTo(min) >= 0 && d.compareTo(max) <= 0) {
                return d;
            }
            throw bad(key, "a duration from " + Durations.format(min) + " to " + Durations.format(max));
        }
        String v = raw(key);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        try {
            Duration d = Durations.parse(v);
            if (d.compareTo(min) >= 0 && d.compareTo(max) <= 0) {
                return d;
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            // reported below
        }
        throw bad(key, "a duration from " + Durations.format(min) + " to " + Durations.format(max)
                + ", written like 24h, 2h30m, 90s or 500ms");
    }

    /**
     * A boolean: {@code true}/{@code false} (also {@code yes}/{@code no}, {@code 1}/{@code 0}).
     *
     * @param key the key
     * @param fallback the default
     * @return the value
     */
    public boolean bool(String key, boolean fallback) {
        String v = raw(key);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on":
                return true;
            case "false", "no", "0", "off":
                return false;
            default:
                throw bad(key, "true or false");
        }
    }
}
