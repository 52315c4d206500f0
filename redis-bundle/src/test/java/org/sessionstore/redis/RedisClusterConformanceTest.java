package org.sessionstore.redis;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.sessionstore.api.SessionStore;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.RedisCluster;
import org.sessionstore.testkit.SessionStoreContract;

/**
 * The conformance suite on a real 3-primary Redis Cluster (no replicas: the suite tests the
 * layout and the routing; {@link RedisTopologyFailoverTest} tests failover), reached through
 * {@code cluster_nodes}; the one-time race runs across two stores, as two proxy nodes would.
 */
class RedisClusterConformanceTest extends SessionStoreContract {

    private static RedisCluster cluster;
    private static final AtomicInteger STORES = new AtomicInteger();
    private final Map<SessionStore, RedisConfig> configs = new ConcurrentHashMap<>();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new RedisCluster(3, 0);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Override
    protected SessionStore newStore(MutableClock clock) {
        int n = STORES.incrementAndGet();
        RedisConfig config = RedisConfig.from(Map.of("cluster_nodes", cluster.nodes().get(n % 3).addr(),
                "session_prefix", "c" + n + ":session:", "state_prefix", "c" + n + ":state:"));
        SessionStore store = new RedisSessionStore(config, clock);
        configs.put(store, config);
        return store;
    }

    @Override
    protected SessionStore newPeerStore(SessionStore first, MutableClock clock) {
        return new RedisSessionStore(configs.get(first), clock);
    }
}
