package org.sessionstore.redis;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.sessionstore.testkit.RedisServer;

/**
 * The redis store passes the conformance suite against a real redis-server; the one-time race
 * runs across two store instances on that server, as two proxy nodes would.
 */
class RedisStoreConformanceTest extends RedisContractSupport {

    private static RedisServer server;

    @BeforeAll
    static void startRedis() throws Exception {
        server = new RedisServer();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        server.close();
    }

    @Override
    protected Map<String, String> where() {
        return Map.of("addr", server.addr());
    }
}
