package org.sessionstore.memory;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.sessionstore.api.config.Durations;
import org.sessionstore.api.config.StoreConfig;

/**
 * The memory store's keys. The bounds keep a misconfigured or attacked proxy from eating the
 * heap: a full store refuses new entries instead.
 *
 * @param maxSessions {@code max_sessions}: the most sessions held (default 1,000,000)
 * @param maxStates {@code max_states}: the most pending states held (default 100,000)
 * @param stateTtl {@code state_ttl}: how long a state can be validated (default 10m)
 */
record MemoryConfig(long maxSessions, long maxStates, Duration stateTtl) {

    static final List<String> KEYS = List.of("max_sessions", "max_states", "state_ttl");

    static final long DEFAULT_MAX_SESSIONS = 1_000_000;
    static final long DEFAULT_MAX_STATES = 100_000;
    static final String DEFAULT_STATE_TTL_TEXT = "10m";
    static final Duration DEFAULT_STATE_TTL = Durations.parse(DEFAULT_STATE_TTL_TEXT);

    static MemoryConfig defaults() {
        return new MemoryConfig(DEFAULT_MAX_SESSIONS, DEFAULT_MAX_STATES, DEFAULT_STATE_TTL);
    }

    static MemoryConfig from(Map<String, ?> config) {
        StoreConfig c = StoreConfig.of("memory", config, KEYS);
        return new MemoryConfig(
                c.number("max_sessions", DEFAULT_MAX_SESSIONS, 1, 100_000_000),
                c.number("max_states", DEFAULT_MAX_STATES, 1, 100_000_000),
                c.duration("state_ttl", DEFAULT_STATE_TTL, Duration.ofSeconds(1), Duration.ofDays(1)));
    }
}
