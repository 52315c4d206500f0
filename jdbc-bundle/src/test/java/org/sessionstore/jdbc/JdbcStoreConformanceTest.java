package org.sessionstore.jdbc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.sessionstore.api.SessionStore;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.SessionStoreContract;

/**
 * The conformance suite against the real PostgreSQL, each store with tables of its own prefix in
 * this class's schema; the one-time race runs across two store instances (two pools) on the same
 * tables, as two proxy nodes would.
 */
class JdbcStoreConformanceTest extends SessionStoreContract {

    private static Postgres pg;
    private static final AtomicInteger STORES = new AtomicInteger();
    private final Map<SessionStore, JdbcConfig> configs = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        pg = new Postgres();
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    @Override
    protected SessionStore newStore(MutableClock clock) {
        JdbcConfig c = JdbcConfig.from(pg.config("table_prefix", "t" + STORES.incrementAndGet() + "_",
                "max_states_per_client", "50"));
        SessionStore s = new JdbcSessionStore(c, Postgres.dataSource(c), clock);
        configs.put(s, c);
        return s;
    }

    @Override
    protected int maxStatesPerClient() {
        return 50;
    }

    @Override
    protected SessionStore newPeerStore(SessionStore first, MutableClock clock) {
        JdbcConfig c = configs.get(first);
        return new JdbcSessionStore(c, Postgres.dataSource(c), clock);
    }

    @Override
    protected SessionStore[] subjectLimitedStores(MutableClock clock, long max, boolean evictOldest) {
        JdbcConfig c = JdbcConfig.from(pg.config("table_prefix", "t" + STORES.incrementAndGet() + "_",
                "max_sessions_per_subject", Long.toString(max), "on_subject_limit", evictOldest ? "evict_oldest" : "refuse"));
        // two nodes: two pools on the same tables
        return new SessionStore[] {new JdbcSessionStore(c, Postgres.dataSource(c), clock),
            new JdbcSessionStore(c, Postgres.dataSource(c), clock)};
    }

    @Override
    protected SessionStore idleStore(MutableClock clock, java.time.Duration idle, java.time.Duration touchAfter) {
        JdbcConfig c = JdbcConfig.from(pg.config("table_prefix", "t" + STORES.incrementAndGet() + "_",
                "idle_timeout", org.sessionstore.api.config.Durations.format(idle), "touch_after",
                org.sessionstore.api.config.Durations.format(touchAfter)));
        return new JdbcSessionStore(c, Postgres.dataSource(c), clock);
    }
}
