package org.sessionstore.jdbc;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.config.Durations;
import org.sessionstore.api.config.StoreConfig;

/**
 * The jdbc store's keys: {@code url} (a PostgreSQL JDBC URL), {@code user}, {@code password}
 * (secret: shown as {@code ***}), {@code table_prefix}, {@code pool_size}, {@code timeout},
 * {@code ttl}, {@code state_ttl}.
 */
record JdbcConfig(String url, String user, String password, String tablePrefix, int poolSize, Duration timeout,
        Duration ttl, Duration stateTtl, long maxStatesPerClient, org.sessionstore.api.config.SubjectLimit subjectLimit,
        org.sessionstore.api.config.IdleTimeout idle) {

    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/sessionstore";
    static final String DEFAULT_TABLE_PREFIX = "sessionstore_";
    static final int DEFAULT_POOL_SIZE = 16;
    static final String DEFAULT_TIMEOUT = "2s";
    static final String DEFAULT_TTL = "24h";
    static final String DEFAULT_STATE_TTL = "10m";
    static final long DEFAULT_MAX_STATES_PER_CLIENT = 1_000;

    static final List<String> KEYS = List.of("url", "user", "password", "table_prefix", "pool_size", "timeout", "ttl",
            "state_ttl", "max_states_per_client", "max_sessions_per_subject", "on_subject_limit",
            "idle_timeout", "touch_after");

    /** A table prefix is part of SQL identifiers: lower-case letters, digits and underscores only. */
    private static final Pattern PREFIX = Pattern.compile("[a-z_][a-z0-9_]{0,39}");

    static JdbcConfig from(Map<String, ?> config) {
        StoreConfig c = StoreConfig.of("jdbc", config, KEYS);
        String url = c.string("url", DEFAULT_URL).trim();
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new StoreConfigException("url", "bad value for jdbc store key 'url': it must be a PostgreSQL JDBC URL,"
                    + " such as jdbc:postgresql://db.example.com:5432/sessions");
        }
        int hostStart = url.indexOf("//");
        String authority = hostStart < 0 ? "" : url.substring(hostStart + 2).split("[/?]", 2)[0];
        if (authority.contains("@")) {
            throw new StoreConfigException("url", "jdbc store key 'url' holds a user name or password before '@';"
                    + " give them as the keys 'user' and 'password' (by reference: $[secret:NAME]) and keep the URL"
                    + " as jdbc:postgresql://host:port/database");
        }
        if (url.toLowerCase(java.util.Locale.ROOT).contains("password=")) {
            // the URL is shown by info and in messages: it must never carry the secret
            throw new StoreConfigException("url", "jdbc store key 'url' holds a password; give it as the key 'password'"
                    + " (by reference: $[secret:NAME]) and keep the URL without it");
        }
        String prefix = c.string("table_prefix", DEFAULT_TABLE_PREFIX);
        if (!PREFIX.matcher(prefix).matches()) {
            throw new StoreConfigException("table_prefix", "bad value for jdbc store key 'table_prefix': lower-case"
                    + " letters, digits and underscores only, starting with a letter or underscore, at most 40 (such as"
                    + " sessionstore_)");
        }
        String user = c.string("user", null);
        String password = c.string("password", null);
        return new JdbcConfig(url, user == null || user.isEmpty() ? null : user,
                password == null || password.isEmpty() ? null : password, prefix,
                (int) c.number("pool_size", DEFAULT_POOL_SIZE, 1, 1_024),
                c.duration("timeout", Durations.parse(DEFAULT_TIMEOUT), Duration.ofMillis(100), Duration.ofMinutes(5)),
                c.duration("ttl", Durations.parse(DEFAULT_TTL), Duration.ofSeconds(1), Duration.ofDays(3650)),
                c.duration("state_ttl", Durations.parse(DEFAULT_STATE_TTL), Duration.ofSeconds(1), Duration.ofDays(1)),
                c.number("max_states_per_client", DEFAULT_MAX_STATES_PER_CLIENT, 0, 100_000_000),
                org.sessionstore.api.config.SubjectLimit.from(c), org.sessionstore.api.config.IdleTimeout.from(c));
    }

    /** The URL without its query (the part after {@code ?}), for messages. */
    String where() {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    @Override
    public String toString() {
        return "JdbcConfig[url=" + where() + ", user=" + user + ", password=" + (password == null ? "none" : "***")
                + ", table_prefix=" + tablePrefix + ", pool_size=" + poolSize + ", timeout=" + Durations.format(timeout)
                + ", ttl=" + Durations.format(ttl) + ", state_ttl=" + Durations.format(stateTtl)
                + ", max_states_per_client=" + maxStatesPerClient + ", max_sessions_per_subject=" + subjectLimit.max() + "]";
    }
}
