package org.sessionstore.redis;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.sessionstore.testkit.redis.RedisSentinels;

/**
 * The conformance suite on a real sentinel-managed primary (a replica, three sentinels), found
 * through {@code sentinels} and {@code master_name}, with {@code min_replicas_ack=1}: every
 * write of the suite also waits for the replica.
 */
class RedisSentinelConformanceTest extends RedisContractSupport {

    private static RedisSentinels sentinels;

    @BeforeAll
    static void startSentinels() throws Exception {
        sentinels = new RedisSentinels();
    }

    @AfterAll
    static void stopSentinels() throws Exception {
        sentinels.close();
    }

    @Override
    protected Map<String, String> where() {
        return Map.of("sentinels", sentinels.sentinelAddrs(), "master_name", RedisSentinels.MASTER_NAME,
                "min_replicas_ack", "1");
    }
}
