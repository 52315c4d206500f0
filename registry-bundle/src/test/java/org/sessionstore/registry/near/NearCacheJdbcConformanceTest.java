package org.sessionstore.registry.near;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.sessionstore.jdbc.JdbcStores;
import org.sessionstore.testkit.MutableClock;

/**
 * The conformance suite through the near cache over the real PostgreSQL (the jdbc store, its
 * channel {@code LISTEN}/{@code NOTIFY}), each store with tables of its own prefix; a peer is a
 * second node (a pool and a listener of its own) on the same tables.
 */
class NearCacheJdbcConformanceTest extends NearCacheContract {

    private static JdbcStores pg;
    private static final AtomicInteger STORES = new AtomicInteger();

    @BeforeAll
    static void start() {
        pg = new JdbcStores();
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    @Override
    protected Map<String, String> ownKeys() {
        return Map.of("table_prefix", "nc" + STORES.incrementAndGet() + "_", "pool_size", "4");
    }

    @Override
    protected NearCache open(Map<String, String> keys, MutableClock clock, Duration idle, Duration touchAfter) {
        return NearCache.over(JdbcStores.create(pg.url(), keys, clock), "jdbc", 10_000, Duration.ofSeconds(30), idle,
                touchAfter, clock);
    }
}
