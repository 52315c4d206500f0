package org.sessionstore.registry.near;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.sessionstore.api.SessionStore;
import org.sessionstore.redis.RedisStoreFactory;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.SessionStoreContract;
import org.sessionstore.testkit.redis.RedisExtension;

/**
 * The conformance suite through the near cache over a real redis-server, each store subscribed
 * (so reads are served from memory) before the suite uses it; the peer of the one-time race and of
 * the subject limit is a second node with a near cache of its own on the same keys.
 */
class NearCacheConformanceTest extends SessionStoreContract {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final AtomicInteger STORES = new AtomicInteger();
    private final Map<SessionStore, Map<String, Object>> configs = new ConcurrentHashMap<>();

    static NearCache cached(Map<String, Object> keys, MutableClock clock, Duration idle, Duration touchAfter) {
        return subscribed(NearCache.over(new RedisStoreFactory().create(keys, clock), "redis", 10_000, Duration.ofSeconds(30),
                idle, touchAfter, clock));
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

    private Map<String, Object> keys() {
        int n = STORES.incrementAndGet();
        Map<String, Object> keys = new HashMap<>();
        keys.put("addr", REDIS.server().addr());
        keys.put("session_prefix", "n" + n + ":session:");
        keys.put("state_prefix", "n" + n + ":state:");
        keys.put("max_states_per_client", "50");
        return keys;
    }

    @Override
    protected SessionStore newStore(MutableClock clock) {
        Map<String, Object> keys = keys();
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
        Map<String, Object> keys = keys();
        keys.put("max_sessions_per_subject", Long.toString(max));
        keys.put("on_subject_limit", evictOldest ? "evict_oldest" : "refuse");
        return new SessionStore[] {cached(keys, clock, Duration.ZERO, Duration.ZERO), cached(keys, clock, Duration.ZERO,
                Duration.ZERO)};
    }

    @Override
    protected SessionStore idleStore(MutableClock clock, Duration idle, Duration touchAfter) {
        Map<String, Object> keys = keys();
        keys.put("idle_timeout", org.sessionstore.api.config.Durations.format(idle));
        keys.put("touch_after", org.sessionstore.api.config.Durations.format(touchAfter));
        return cached(keys, clock, idle, touchAfter);
    }
}
