package org.sessionstore.redis;

import java.util.Map;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.sessionstore.testkit.redis.RedisExtension;

/**
 * The redis store passes the conformance suite against a real redis-server; the one-time race
 * runs across two store instances on that server, as two proxy nodes would.
 */
class RedisStoreConformanceTest extends RedisContractSupport {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @Override
    protected Map<String, String> where() {
        return Map.of("addr", REDIS.server().addr());
    }
}
