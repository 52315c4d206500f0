package org.sessionstore.registry.near;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.sessionstore.redis.RedisStoreFactory;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.redis.RedisExtension;

/**
 * The conformance suite through the near cache over a real redis-server (its channel pub/sub),
 * each store with key prefixes of its own.
 */
class NearCacheConformanceTest extends NearCacheContract {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final AtomicInteger STORES = new AtomicInteger();

    @Override
    protected Map<String, String> ownKeys() {
        int n = STORES.incrementAndGet();
        return Map.of("addr", REDIS.server().addr(), "session_prefix", "n" + n + ":session:", "state_prefix",
                "n" + n + ":state:");
    }

    @Override
    protected NearCache open(Map<String, String> keys, MutableClock clock, Duration idle, Duration touchAfter) {
        return NearCache.over(new RedisStoreFactory().create(keys, clock), "redis", 10_000, Duration.ofSeconds(30), idle,
                touchAfter, clock);
    }
}
