package org.sessionstore.redis;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.sessionstore.api.SessionStore;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.RedisServer;
import org.sessionstore.testkit.SessionStoreContract;

/**
 * The redis store passes the conformance suite against a real redis-server; the one-time race
 * runs across two store instances on that server, as two proxy nodes would.
 */
class RedisStoreConformanceTest extends SessionStoreContract {

    private static RedisServer server;
    private static final AtomicInteger STORES = new AtomicInteger();
    private final Map<SessionStore, RedisConfig> configs = new ConcurrentHashMap<>();

    @BeforeAll
    static void startRedis() throws Exception {
        server = new RedisServer();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        server.close();
    }

    @Override
    protected SessionStore newStore(MutableClock clock) {
        int n = STORES.incrementAndGet();
        RedisConfig config = RedisConfig.from(Map.of("addr", server.addr(), "session_prefix", "t" + n + ":session:",
                "state_prefix", "t" + n + ":state:"));
        SessionStore store = new RedisSessionStore(config, clock);
        configs.put(store, config);
        return store;
    }

    @Override
    protected SessionStore newPeerStore(SessionStore first, MutableClock clock) {
        return new RedisSessionStore(configs.get(first), clock);
    }

}
