package org.sessionstore.memory;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.sessionstore.api.config.Durations;
import org.sessionstore.api.config.StoreConfig;

/**
 * The memory store's keys. The bounds keep a misconfigured or attacked proxy from eating the
 * heap: a full store refuses new sessions instead, and drops its oldest states for new ones.
 *
 * <p>The defaults ({@code 0}: fit to the heap) fit the heap the store runs in ({@code -Xmx}): a session with its tokens takes
 * 2–4 KiB, so {@code max_sessions} defaults to a session per {@value #HEAP_PER_SESSION} bytes of
 * the heap (at most 1,000,000; 32,768 in a 256 MB heap), and {@code max_states} to a state per
 * {@value #HEAP_PER_STATE} bytes (at most 100,000), so a flood is refused with
 * {@link org.sessionstore.api.StoreFullException} long before the heap runs out.
 *
 * @param maxSessions {@code max_sessions}: the most sessions held
 * @param maxStates {@code max_states}: the most pending states held
 * @param maxStatesPerClient {@code max_states_per_client}: the most pending states of one client (0: no limit)
 * @param stateTtl {@code state_ttl}: how long a state can be validated (default 10m)
 * @param subjectLimit {@code max_sessions_per_subject} and {@code on_subject_limit}
 * @param idle {@code idle_timeout} and {@code touch_after}
 */
record MemoryConfig(long maxSessions, long maxStates, long maxStatesPerClient, Duration stateTtl,
        org.sessionstore.api.config.SubjectLimit subjectLimit, org.sessionstore.api.config.IdleTimeout idle) {

    static final List<String> KEYS = List.of("max_sessions", "max_states", "max_states_per_client", "state_ttl",
            "max_sessions_per_subject", "on_subject_limit", "idle_timeout", "touch_after");

    static final long MAX_DEFAULT_SESSIONS = 1_000_000;
    static final long MAX_DEFAULT_STATES = 100_000;
    static final long HEAP_PER_SESSION = 8 * 1024;
    static final long HEAP_PER_STATE = 32 * 1024;
    static final long DEFAULT_MAX_STATES_PER_CLIENT = 1_000;
    static final String DEFAULT_STATE_TTL_TEXT = "10m";
    static final Duration DEFAULT_STATE_TTL = Durations.parse(DEFAULT_STATE_TTL_TEXT);

    /** The default {@code max_sessions} for this JVM's heap. */
    static long defaultMaxSessions() {
        return Math.max(1_000, Math.min(MAX_DEFAULT_SESSIONS, Runtime.getRuntime().maxMemory() / HEAP_PER_SESSION));
    }

    /** The default {@code max_states} for this JVM's heap. */
    static long defaultMaxStates() {
        return Math.max(1_000, Math.min(MAX_DEFAULT_STATES, Runtime.getRuntime().maxMemory() / HEAP_PER_STATE));
    }

    /** Without a subject limit (the constructor before API 1.6). */
    MemoryConfig(long maxSessions, long maxStates, long maxStatesPerClient, Duration stateTtl) {
        this(maxSessions, maxStates, maxStatesPerClient, stateTtl, org.sessionstore.api.config.SubjectLimit.NONE,
                org.sessionstore.api.config.IdleTimeout.OFF);
    }

    static MemoryConfig defaults() {
        return new MemoryConfig(defaultMaxSessions(), defaultMaxStates(), DEFAULT_MAX_STATES_PER_CLIENT, DEFAULT_STATE_TTL,
                org.sessionstore.api.config.SubjectLimit.NONE, org.sessionstore.api.config.IdleTimeout.OFF);
    }

    static MemoryConfig from(Map<String, ?> config) {
        StoreConfig c = StoreConfig.of("memory", config, KEYS);
        long sessions = c.number("max_sessions", 0, 0, 100_000_000);
        long states = c.number("max_states", 0, 0, 100_000_000);
        return new MemoryConfig(
                sessions == 0 ? defaultMaxSessions() : sessions, // 0 (the default): fit to the heap
                states == 0 ? defaultMaxStates() : states,
                c.number("max_states_per_client", DEFAULT_MAX_STATES_PER_CLIENT, 0, 100_000_000),
                c.duration("state_ttl", DEFAULT_STATE_TTL, Duration.ofSeconds(1), Duration.ofDays(1)),
                org.sessionstore.api.config.SubjectLimit.from(c), org.sessionstore.api.config.IdleTimeout.from(c));
    }

    /** A sentence if the bounds may not fit this heap (a session needs 2–4 KiB), or null. */
    String heapWarning() {
        long heap = Runtime.getRuntime().maxMemory();
        long need = maxSessions * 2048 + maxStates * 1024;
        if (need <= heap * 3 / 4) {
            return null;
        }
        return "max_sessions=" + maxSessions + " and max_states=" + maxStates + " may not fit this heap (" + heap / (1024 * 1024)
                + " MB, -Xmx): a session with its tokens takes 2-4 KiB, so a flood could run the process out of memory"
                + " before the store refuses it; lower them, or raise -Xmx";
    }
}
