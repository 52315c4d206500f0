package org.sessionstore.memory;

import org.sessionstore.api.SessionStore;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.SessionStoreContract;

/** The memory store passes the conformance suite every backend runs. */
class MemoryStoreConformanceTest extends SessionStoreContract {

    @Override
    protected SessionStore newStore(MutableClock clock) {
        return new MemorySessionStore(MemoryConfig.from(java.util.Map.of("max_states_per_client", 50)), clock);
    }

    @Override
    protected int maxStatesPerClient() {
        return 50;
    }

    @Override
    protected SessionStore[] subjectLimitedStores(MutableClock clock, long max, boolean evictOldest) {
        SessionStore s = new MemorySessionStore(MemoryConfig.from(java.util.Map.of("max_sessions_per_subject", max, "on_subject_limit",
                evictOldest ? "evict_oldest" : "refuse")), clock);
        return new SessionStore[] {s, s}; // in-process: both nodes are one store
    }

    @Override
    protected SessionStore idleStore(MutableClock clock, java.time.Duration idle, java.time.Duration touchAfter) {
        return new MemorySessionStore(MemoryConfig.from(java.util.Map.of("idle_timeout",
                org.sessionstore.api.config.Durations.format(idle), "touch_after",
                org.sessionstore.api.config.Durations.format(touchAfter))), clock);
    }
}
