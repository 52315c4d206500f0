package org.sessionstore.memory;

import java.util.Base64;

import org.sessionstore.api.SessionStore;
import org.sessionstore.api.crypto.EncryptedStore;
import org.sessionstore.api.crypto.TokenKeys;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.SessionStoreContract;

/** The memory store behind token encryption (as the registry builds it with encryption_key) still passes the suite. */
class EncryptedMemoryConformanceTest extends SessionStoreContract {

    static final TokenKeys KEYS = TokenKeys.of(Base64.getEncoder().encodeToString(new byte[32]), null);

    @Override
    protected SessionStore newStore(MutableClock clock) {
        return EncryptedStore.of(new MemorySessionStore(MemoryConfig.from(java.util.Map.of("max_states_per_client", 50)),
                clock), KEYS);
    }

    @Override
    protected int maxStatesPerClient() {
        return 50;
    }

    @Override
    protected SessionStore[] subjectLimitedStores(MutableClock clock, long max, boolean evictOldest) {
        SessionStore s = EncryptedStore.of(new MemorySessionStore(MemoryConfig.from(java.util.Map.of("max_sessions_per_subject", max, "on_subject_limit",
                evictOldest ? "evict_oldest" : "refuse")), clock), KEYS);
        return new SessionStore[] {s, s}; // in-process: both nodes are one store
    }

    @Override
    protected SessionStore idleStore(MutableClock clock, java.time.Duration idle, java.time.Duration touchAfter) {
        return EncryptedStore.of(new MemorySessionStore(MemoryConfig.from(java.util.Map.of("idle_timeout",
                org.sessionstore.api.config.Durations.format(idle), "touch_after",
                org.sessionstore.api.config.Durations.format(touchAfter))), clock), KEYS);
    }
}
