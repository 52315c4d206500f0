package org.sessionstore.registry.near;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.sessionstore.api.SessionStore;
import org.sessionstore.api.config.Durations;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.SessionStoreContract;

/**
 * The conformance suite through the near cache over a shared backend: each store subscribed (so
 * reads are served from memory) before the suite uses it; the peer of the one-time race and of the
 * subject limit is a second node with a near cache of its own on the same keys. A backend's test
 * says how to open a store on some keys, and which keys give it a place of its own.
 */
abstract class NearCacheContract extends SessionStoreContract {

    private final Map<SessionStore, Map<String, String>> configs = new ConcurrentHashMap<>();

    /** Keys for a new store whose data no other store of the suite shares ({@code max_states_per_client=50} added). */
    protected abstract Map<String, String> ownKeys();

    /** A near cache over the backend's store on {@code keys}. */
    protected abstract NearCache open(Map<String, String> keys, MutableClock clock, Duration idle, Duration touchAfter);

    private Map<String, String> keys() {
        Map<String, String> keys = new HashMap<>(ownKeys());
        keys.put("max_states_per_client", "50");
        return keys;
    }

    private NearCache cached(Map<String, String> keys, MutableClock clock, Duration idle, Duration touchAfter) {
        return subscribed(open(keys, clock, idle, touchAfter));
    }

    /** {@code c} once its channel is up (so it serves from memory); closed and failed after 10 s. */
    static NearCache subscribed(NearCache c) {
        long until = System.currentTimeMillis() + 10_000;
        while (!c.trusted()) {
            if (System.currentTimeMillis() > until) {
                c.close();
                throw new AssertionError("the near cache's channel never came up");
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        return c;
    }

    @Override
    protected SessionStore newStore(MutableClock clock) {
        Map<String, String> keys = keys();
        SessionStore s = cached(keys, clock, Duration.ZERO, Duration.ZERO);
        configs.put(s, keys);
        return s;
    }

    @Override
    protected int maxStatesPerClient() {
        return 50;
    }

    @Override
    protected SessionStore newPeerStore(SessionStore first, MutableClock clock) {
        return cached(configs.get(first), clock, Duration.ZERO, Duration.ZERO);
    }

    @Override
    protected SessionStore[] subjectLimitedStores(MutableClock clock, long max, boolean evictOldest) {
        Map<String, String> keys = keys();
        keys.put("max_sessions_per_subject", Long.toString(max));
        keys.put("on_subject_limit", evictOldest ? "evict_oldest" : "refuse");
        return new SessionStore[] {cached(keys, clock, Duration.ZERO, Duration.ZERO), cached(keys, clock, Duration.ZERO,
                Duration.ZERO)};
    }

    @Override
    protected SessionStore idleStore(MutableClock clock, Duration idle, Duration touchAfter) {
        Map<String, String> keys = keys();
        keys.put("idle_timeout", Durations.format(idle));
        keys.put("touch_after", Durations.format(touchAfter));
        return cached(keys, clock, idle, touchAfter);
    }
}
