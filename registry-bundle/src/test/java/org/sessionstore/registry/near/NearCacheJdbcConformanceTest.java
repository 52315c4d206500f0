package org.sessionstore.registry.near;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.config.Durations;
import org.sessionstore.jdbc.JdbcStores;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.SessionStoreContract;

/**
 * The conformance suite through the near cache over the real PostgreSQL (the jdbc store, its
 * channel {@code LISTEN}/{@code NOTIFY}), each store subscribed before the suite uses it; the peer
 * of the one-time race and of the subject limit is a second node (a pool and a listener of its own)
 * with a near cache of its own on the same tables.
 */
class NearCacheJdbcConformanceTest extends SessionStoreContract {

    private static JdbcStores pg;
    private static final AtomicInteger STORES = new AtomicInteger();
    private final Map<SessionStore, Map<String, String>> configs = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        pg = new JdbcStores();
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    private static NearCache cached(Map<String, String> keys, MutableClock clock, Duration idle, Duration touchAfter) {
        return NearCacheConformanceTest.subscribed(NearCache.over(JdbcStores.create(pg.url(), keys, clock), "jdbc", 10_000,
                Duration.ofSeconds(30), idle, touchAfter, clock));
    }

    private static Map<String, String> keys() {
        Map<String, String> keys = new HashMap<>();
        keys.put("table_prefix", "nc" + STORES.incrementAndGet() + "_");
        keys.put("max_states_per_client", "50");
        keys.put("pool_size", "4");
        return keys;
    }

    @Override
    protected SessionStore newStore(MutableClock clock) {
        Map<String, String> keys = keys();
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
        Map<String, String> keys = keys();
        keys.put("max_sessions_per_subject", Long.toString(max));
        keys.put("on_subject_limit", evictOldest ? "evict_oldest" : "refuse");
        return new SessionStore[] {cached(keys, clock, Duration.ZERO, Duration.ZERO), cached(keys, clock, Duration.ZERO,
                Duration.ZERO)};
    }

    @Override
    protected SessionStore idleStore(MutableClock clock, Duration idle, Duration touchAfter) {
        Map<String, String> keys = keys();
        keys.put("idle_timeout", Durations.format(idle));
        keys.put("touch_after", Durations.format(touchAfter));
        return cached(keys, clock, idle, touchAfter);
    }
}
