package org.sessionstore.redis;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.sessionstore.testkit.redis.RedisCluster;

/**
 * The conformance suite on a real 3-primary Redis Cluster (no replicas: the suite tests the
 * layout and the routing; {@link RedisTopologyFailoverTest} tests failover), reached through
 * {@code cluster_nodes} (one seed: the store learns the rest); the one-time race runs across two
 * stores, as two proxy nodes would.
 */
class RedisClusterConformanceTest extends RedisContractSupport {

    private static RedisCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new RedisCluster(3, 0);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Override
    protected Map<String, String> where() {
        return Map.of("cluster_nodes", cluster.nodes().get(0).addr());
    }
}
