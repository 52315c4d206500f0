package org.sessionstore.redis;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.sessionstore.api.SessionStore;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.RedisSentinels;
import org.sessionstore.testkit.SessionStoreContract;

/**
 * The conformance suite on a real sentinel-managed primary (a replica, three sentinels), found
 * through {@code sentinels} and {@code master_name}, with {@code min_replicas_ack=1}: every
 * write of the suite also waits for the replica.
 */
class RedisSentinelConformanceTest extends SessionStoreContract {

    private static RedisSentinels sentinels;
    private static final AtomicInteger STORES = new AtomicInteger();
    private final Map<SessionStore, RedisConfig> configs = new ConcurrentHashMap<>();

    @BeforeAll
    static void startSentinels() throws Exception {
        sentinels = new RedisSentinels();
    }

    @AfterAll
    static void stopSentinels() throws Exception {
        sentinels.close();
    }

    @Override
    protected SessionStore newStore(MutableClock clock) {
        int n = STORES.incrementAndGet();
        RedisConfig config = RedisConfig.from(Map.of("sentinels", sentinels.sentinelAddrs(),
                "master_name", RedisSentinels.MASTER_NAME, "min_replicas_ack", "1",
                "session_prefix", "s" + n + ":session:", "state_prefix", "s" + n + ":state:"));
        SessionStore store = new RedisSessionStore(config, clock);
        configs.put(store, config);
        return store;
    }

    @Override
    protected SessionStore newPeerStore(SessionStore first, MutableClock clock) {
        return new RedisSessionStore(configs.get(first), clock);
    }
}
