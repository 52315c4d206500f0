package org.sessionstore.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.config.Durations;
import org.sessionstore.api.config.StoreConfig;

/**
 * The redis store's keys: those of the Go original ({@code addr}, {@code password}, {@code db},
 * {@code session_prefix}, {@code state_prefix}, {@code ttl}) and what production needs
 * ({@code username}, {@code state_ttl}, {@code timeout}, {@code pool_size}, {@code tls}).
 * {@link #toString()} shows the password as {@code ***}.
 */
record RedisConfig(String host, int port, String username, String password, int db, String sessionPrefix,
        String statePrefix, Duration ttl, Duration stateTtl, Duration timeout, int poolSize, boolean tls) {

    // the defaults, also shown by the Metatype of RedisStoreConfiguration
    static final String DEFAULT_ADDR = "127.0.0.1:6379";
    static final String DEFAULT_SESSION_PREFIX = "session:";
    static final String DEFAULT_STATE_PREFIX = "state:";
    static final String DEFAULT_TTL = "24h";
    static final String DEFAULT_STATE_TTL = "10m";
    static final String DEFAULT_TIMEOUT = "2s";
    static final int DEFAULT_POOL_SIZE = 16;

    static final List<String> KEYS = List.of("addr", "password", "username", "db", "session_prefix", "state_prefix",
            "ttl", "state_ttl", "timeout", "pool_size", "tls");

    static RedisConfig from(Map<String, ?> config) {
        StoreConfig c = StoreConfig.of("redis", config, KEYS);
        String addr = c.string("addr", DEFAULT_ADDR);
        int colon = addr.lastIndexOf(':');
        String host = colon > 0 ? addr.substring(0, colon) : "";
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = -1;
        try {
            port = colon > 0 ? Integer.parseInt(addr.substring(colon + 1)) : -1;
        } catch (NumberFormatException e) {
            // reported below
        }
        if (host.isBlank() || port < 1 || port > 65535) {
            throw new StoreConfigException("addr", "bad value '" + addr
                    + "' for redis store key 'addr': host:port, such as 127.0.0.1:6379 or [::1]:6379");
        }
        String sessionPrefix = c.string("session_prefix", DEFAULT_SESSION_PREFIX);
        String statePrefix = c.string("state_prefix", DEFAULT_STATE_PREFIX);
        if (sessionPrefix.startsWith(statePrefix) || statePrefix.startsWith(sessionPrefix)) {
            throw new StoreConfigException("state_prefix", "redis store keys 'session_prefix' ('" + sessionPrefix
                    + "') and 'state_prefix' ('" + statePrefix + "') must differ and neither may start with the other");
        }
        return new RedisConfig(host, port, emptyToNull(c.string("username", null)), emptyToNull(c.string("password", null)),
                (int) c.number("db", 0, 0, 65_535), sessionPrefix, statePrefix,
                c.duration("ttl", Durations.parse(DEFAULT_TTL), Duration.ofSeconds(1), Duration.ofDays(3650)),
                c.duration("state_ttl", Durations.parse(DEFAULT_STATE_TTL), Duration.ofSeconds(1), Duration.ofDays(1)),
                c.duration("timeout", Durations.parse(DEFAULT_TIMEOUT), Duration.ofMillis(10), Duration.ofMinutes(5)),
                (int) c.number("pool_size", DEFAULT_POOL_SIZE, 1, 1_024), c.bool("tls", false));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    String addr() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The key that indexes sessions by expiry: exactly the prefix, which no session key can be (ids are never empty). */
    String sessionIndexKey() {
        return sessionPrefix;
    }

    /** The key that indexes states by creation time: exactly the state prefix. */
    String stateIndexKey() {
        return statePrefix;
    }

    @Override
    public String toString() {
        return "RedisConfig[addr=" + addr() + ", username=" + username + ", password=" + (password == null ? null : "***")
                + ", db=" + db + ", session_prefix=" + sessionPrefix + ", state_prefix=" + statePrefix + ", ttl="
                + Durations.format(ttl) + ", state_ttl=" + Durations.format(stateTtl) + ", timeout="
                + Durations.format(timeout) + ", pool_size=" + poolSize + ", tls=" + tls + "]";
    }
}
