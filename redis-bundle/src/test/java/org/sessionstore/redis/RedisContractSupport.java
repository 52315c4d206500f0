package org.sessionstore.redis;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.sessionstore.api.SessionStore;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.SessionStoreContract;

/**
 * The conformance suite on a redis topology: each store gets prefixes of its own on the shared
 * servers, and its peer (the second proxy node of the one-time race) the same configuration.
 */
abstract class RedisContractSupport extends SessionStoreContract {

    private static final AtomicInteger STORES = new AtomicInteger();
    private final Map<SessionStore, RedisConfig> configs = new ConcurrentHashMap<>();

    /** The keys that say where Redis is (addr, sentinels, cluster_nodes, …). */
    protected abstract Map<String, String> where();

    @Override
    protected SessionStore newStore(MutableClock clock) {
        int n = STORES.incrementAndGet();
        Map<String, Object> keys = new HashMap<>(where());
        keys.put("session_prefix", "t" + n + ":session:");
        keys.put("state_prefix", "t" + n + ":state:");
        keys.put("max_states_per_client", "50");
        RedisConfig config = RedisConfig.from(keys);
        SessionStore store = new RedisSessionStore(config, clock);
        configs.put(store, config);
        return store;
    }

    @Override
    protected int maxStatesPerClient() {
        return 50;
    }

    @Override
    protected SessionStore newPeerStore(SessionStore first, MutableClock clock) {
        return new RedisSessionStore(configs.get(first), clock);
    }

    @Override
    protected SessionStore[] subjectLimitedStores(MutableClock clock, long max, boolean evictOldest) {
        int n = STORES.incrementAndGet();
        Map<String, Object> keys = new HashMap<>(where());
        keys.put("session_prefix", "t" + n + ":session:");
        keys.put("state_prefix", "t" + n + ":state:");
        keys.put("max_sessions_per_subject", Long.toString(max));
        keys.put("on_subject_limit", evictOldest ? "evict_oldest" : "refuse");
        RedisConfig config = RedisConfig.from(keys);
        return new SessionStore[] {new RedisSessionStore(config, clock), new RedisSessionStore(config, clock)};
    }

    @Override
    protected SessionStore idleStore(MutableClock clock, java.time.Duration idle, java.time.Duration touchAfter) {
        int n = STORES.incrementAndGet();
        Map<String, Object> keys = new HashMap<>(where());
        keys.put("session_prefix", "t" + n + ":session:");
        keys.put("state_prefix", "t" + n + ":state:");
        keys.put("idle_timeout", org.sessionstore.api.config.Durations.format(idle));
        keys.put("touch_after", org.sessionstore.api.config.Durations.format(touchAfter));
        return new RedisSessionStore(RedisConfig.from(keys), clock);
    }
}
