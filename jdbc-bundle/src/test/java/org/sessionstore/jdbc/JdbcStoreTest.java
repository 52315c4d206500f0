package org.sessionstore.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.testkit.MutableClock;

/** The jdbc store against the real PostgreSQL: its schema, its plans, its errors. */
class JdbcStoreTest {

    private static Postgres pg;
    private final MutableClock clock = new MutableClock(Instant.now());

    @BeforeAll
    static void start() {
        pg = new Postgres();
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    private JdbcSessionStore store(String... keyValues) {
        JdbcConfig c = JdbcConfig.from(pg.config(keyValues));
        return new JdbcSessionStore(c, Postgres.dataSource(c), clock);
    }

    private Session session(String id, String sub, Duration ttl) {
        Instant now = clock.instant();
        return new Session(id, "user-" + id, sub, now, now.plus(ttl), "at-" + id, "it-" + id, null);
    }

    /**
     * Cleaning tells idle ends from the others by the parity of keep_until, whatever the rows hold
     * (review: a cleaning that added issued_at to ttl overflowed on one row and stopped for good, and
     * read sessions capped by ttl, or without issued_at, as idle with idle_timeout off).
     */
    @Test
    void cleaningTellsIdleEndsByTheRowAloneAndNoRowStopsIt() {
        try (JdbcSessionStore off = store("table_prefix", "parity_", "ttl", "1h");
                JdbcSessionStore on = store("table_prefix", "parity_", "ttl", "1h", "idle_timeout", "10m")) {
            off.cleanExpired();
            Instant now = clock.instant();
            off.addSession(new Session("poison", "u", "a", Instant.ofEpochMilli(Long.MAX_VALUE - 1), now.plusSeconds(60), "at",
                    null, null));
            off.addSession(new Session("no-issue", "u", "a", null, now.plusSeconds(7200), null, null, null)); // capped by ttl
            off.addSession(new Session("later", "u", "a", now.plusSeconds(1), now.plusSeconds(7200), null, null, null));
            on.addSession(new Session("idler", "u", "b", now, now.plusSeconds(7200), null, null, null));
            on.addSession(new Session("short", "u", "b", now, now.plusSeconds(300), null, null, null));
            clock.advance(Duration.ofMinutes(65));
            int[] idle = {0};
            assertEquals(5, off.cleanExpired(n -> idle[0] += n));
            assertEquals(1, idle[0], "only 'idler' ended idle");
        }
    }

    @Test
    void badKeysNameTheKeyAndNeverRepeatASecret() {
        StoreConfigException e = assertThrows(StoreConfigException.class,
                () -> JdbcConfig.from(Map.of("url", "jdbc:postgresql://h/db?user=u&password=Pg-Secret-1")));
        assertEquals("url", e.key());
        assertFalse(e.getMessage().contains("Pg-Secret-1"), e.getMessage());
        assertEquals("url", assertThrows(StoreConfigException.class,
                () -> JdbcConfig.from(Map.of("url", "jdbc:mysql://h/db"))).key());
        assertEquals("table_prefix", assertThrows(StoreConfigException.class,
                () -> JdbcConfig.from(Map.of("table_prefix", "x; DROP TABLE y"))).key());
        assertEquals("pool_size", assertThrows(StoreConfigException.class,
                () -> JdbcConfig.from(Map.of("pool_size", "0"))).key());
        StoreConfigException userInfo = assertThrows(StoreConfigException.class,
                () -> JdbcConfig.from(Map.of("url", "jdbc:postgresql://bob:Pg-Secret-4@h:5432/db")));
        assertEquals("url", userInfo.key());
        assertFalse(userInfo.getMessage().contains("Pg-Secret-4"), userInfo.getMessage());
        JdbcConfig c = JdbcConfig.from(Map.of("password", "Pg-Secret-2", "url", "jdbc:postgresql://h:5432/db?ssl=true"));
        assertFalse(c.toString().contains("Pg-Secret-2"), c.toString());
        assertEquals("jdbc:postgresql://h:5432/db", c.where());
    }

    /**
     * Found in review: the client column came as a layout 2, which stores of the release before
     * refused. It is an addition to layout 1 now: tables of the release before (with live rows) get
     * it in place and stay layout 1, and a user who may not alter the tables still starts, with
     * states not limited per client.
     */
    @Test
    void tablesOfTheReleaseBeforeGetTheClientColumnInPlaceAndStayLayoutOne() throws Exception {
        long fut = clock.millis() + 3_600_000;
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            // the tables as the release before made them
            s.execute("CREATE TABLE old_schema_version (version integer NOT NULL)");
            s.execute("INSERT INTO old_schema_version VALUES (1)");
            s.execute("CREATE TABLE old_sessions (id text PRIMARY KEY, username text, sub text, issued_at bigint,"
                    + " expires_at bigint NOT NULL, keep_until bigint NOT NULL, access_token text, id_token text,"
                    + " code_verifier text)");
            s.execute("CREATE TABLE old_states (state text PRIMARY KEY, created_at bigint NOT NULL, user_agent text NOT NULL,"
                    + " request_url text, upstream_url text, code_verifier text)");
            s.execute("INSERT INTO old_sessions (id, username, sub, expires_at, keep_until) VALUES ('kept', 'u', 'u', " + fut
                    + ", " + fut + ")");
            s.execute("INSERT INTO old_states VALUES ('st', " + clock.millis() + ", 'ua', 'r', 'u', 'v')");
            // a user who may read and write the rows, not alter the tables
            s.execute("DROP ROLE IF EXISTS sstest_rows");
            s.execute("CREATE ROLE sstest_rows LOGIN");
            s.execute("GRANT USAGE ON SCHEMA " + pg.schema + " TO sstest_rows");
            s.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + pg.schema + " TO sstest_rows");
        }
        try {
            try (JdbcSessionStore rowsOnly = store("table_prefix", "old_", "user", "sstest_rows", "max_states_per_client", "2")) {
                assertTrue(rowsOnly.getSession("kept").isPresent(), "a user who may not alter the tables starts");
                for (int i = 0; i < 4; i++) {
                    rowsOnly.addStateEntry("c" + i, "ua", "r", "u", "v", "10.0.0.1");
                }
                assertTrue(rowsOnly.validateAndRemoveState("c0", "ua").isPresent(), "not limited per client without the column");
            }
            try (JdbcSessionStore owner = store("table_prefix", "old_", "max_states_per_client", "2")) {
                assertTrue(owner.getSession("kept").isPresent());
                assertTrue(owner.validateAndRemoveState("st", "ua").isPresent());
                for (int i = 0; i < 4; i++) {
                    owner.addStateEntry("d" + i, "ua", "r", "u", "v", "10.0.0.1");
                }
                assertFalse(owner.validateAndRemoveState("d0", "ua").isPresent(), "limited per client with the column");
                assertTrue(owner.validateAndRemoveState("d3", "ua").isPresent());
            }
            try (Connection c = pg.connect(); Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT version FROM old_schema_version")) {
                assertTrue(r.next());
                assertEquals(1, r.getInt(1), "still layout 1: a store of the release before goes on using the tables");
            }
        } finally {
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                s.execute("REVOKE ALL ON ALL TABLES IN SCHEMA " + pg.schema + " FROM sstest_rows");
                s.execute("REVOKE USAGE ON SCHEMA " + pg.schema + " FROM sstest_rows");
                s.execute("DROP ROLE sstest_rows");
            }
        }
    }

    @Test
    void tablesOfANewerLayoutAreRefusedAndLeftAlone() throws Exception {
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE newer_schema_version (version integer NOT NULL)");
            s.execute("INSERT INTO newer_schema_version VALUES (7)");
        }
        try (JdbcSessionStore store = store("table_prefix", "newer_")) {
            StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> store.getSession("x"));
            assertTrue(e.getMessage().contains("layout version 7, newer than the 1 this jdbc backend knows"), e.getMessage());
        }
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_schema = '"
                        + pg.schema + "' AND table_name LIKE 'newer_%'")) {
            r.next();
            assertEquals(1, r.getInt(1), "nothing was created beside the newer version table");
        }
    }

    @Test
    void twoNodesStartingAtOnceCreateTheTablesOnce() throws Exception {
        ConcurrentLinkedQueue<Throwable> failed = new ConcurrentLinkedQueue<>();
        List<Thread> nodes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> {
                try (JdbcSessionStore s = store("table_prefix", "race_")) {
                    s.addSession(session("r" + Thread.currentThread().getId(), "sub", Duration.ofHours(1)));
                } catch (Throwable e) {
                    failed.add(e);
                }
            });
            nodes.add(t);
            t.start();
        }
        for (Thread t : nodes) {
            t.join();
        }
        assertTrue(failed.isEmpty(), "a node failed to start: " + failed);
        try (JdbcSessionStore s = store("table_prefix", "race_")) {
            assertEquals(4, s.getSessionCount());
        }
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM race_schema_version")) {
            r.next();
            assertEquals(1, r.getInt(1));
        }
    }

    /** count and clean read the expiry index, revoke the subject index: never a sequential scan of the table. */
    @Test
    void countCleanAndRevokeUseTheirIndexes() throws Exception {
        try (JdbcSessionStore store = store("table_prefix", "plan_")) {
            for (int i = 0; i < 2_000; i++) {
                store.addSession(session("p" + i, "sub" + (i % 100), Duration.ofHours(1 + i % 3)));
            }
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                s.execute("ANALYZE plan_sessions");
                long now = clock.millis();
                String count = plan(c, "SET LOCAL enable_seqscan = off; EXPLAIN SELECT count(*) FROM plan_sessions WHERE keep_until > " + now);
                String clean = plan(c, "EXPLAIN DELETE FROM plan_sessions WHERE keep_until <= " + now);
                String revoke = plan(c, "EXPLAIN DELETE FROM plan_sessions WHERE sub = 'sub7'");
                System.out.println("EXPLAIN count:\n" + count + "EXPLAIN clean:\n" + clean + "EXPLAIN revoke:\n" + revoke);
                assertTrue(count.contains("plan_sessions_keep_until"), count); // an index-only scan once VACUUM has set the visibility map
                assertTrue(clean.contains("plan_sessions_keep_until"), clean);
                assertTrue(revoke.contains("plan_sessions_sub"), revoke);
                assertFalse((count + clean + revoke).contains("Seq Scan"));
            }
            assertEquals(2_000, store.getSessionCount());
            assertEquals(20, store.deleteSessionsBySubject("sub7"));
            clock.advance(Duration.ofMinutes(61));
            assertEquals(661, store.cleanExpired()); // the 667 one-hour ones, less the 6 of sub7
        }
    }

    private static String plan(Connection c, String sql) throws Exception {
        StringBuilder b = new StringBuilder();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            boolean rs = s.execute(sql);
            while (!rs && s.getUpdateCount() != -1) {
                rs = s.getMoreResults();
            }
            try (ResultSet r = s.getResultSet()) {
                while (r.next()) {
                    b.append(r.getString(1)).append('\n');
                }
            }
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
        return b.toString();
    }

    @Test
    void aDatabaseThatIsNotThereFailsCallsFastAndClearlyAndTheStoreIsMadeAnyway() {
        Map<String, Object> config = pg.config("table_prefix", "down_", "timeout", "1s", "password", "Pg-Secret-3");
        config.put("url", "jdbc:postgresql://127.0.0.1:1/test");
        JdbcConfig c = JdbcConfig.from(config);
        try (JdbcSessionStore store = new JdbcSessionStore(c, Postgres.dataSource(c), clock)) {
            long started = System.nanoTime();
            StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> store.getSession("x"));
            long ms = (System.nanoTime() - started) / 1_000_000;
            assertTrue(e.getMessage().startsWith("postgresql at jdbc:postgresql://127.0.0.1:1/test is unavailable"),
                    e.getMessage());
            assertFalse(e.getMessage().contains("Pg-Secret-3") || e.getMessage().contains("\n"), e.getMessage());
            assertTrue(ms < 3_000, "refused connection took " + ms + " ms");
            assertFalse(store.toString().contains("Pg-Secret-3"));
        }
    }

    /** Found in review: PostgreSQL cannot store U+0000 in text (it was reported as an outage), nor a long subject in a b-tree. */
    @Test
    void aNulIsABadArgumentAndASubjectOfAnyLengthIsRevocable() {
        try (JdbcSessionStore store = store("table_prefix", "odd_")) {
            Instant now = clock.instant();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.addSession(
                    new Session("nul", "u", "sub", now, now.plusSeconds(60), "tok\u0000en", null, null)));
            assertTrue(e.getMessage().contains("NUL character"), e.getMessage());
            String longSub = "s".repeat(100_000);
            store.addSession(session("long1", longSub, Duration.ofHours(1)));
            store.addSession(session("long2", longSub, Duration.ofHours(1)));
            assertEquals(2, store.deleteSessionsBySubject(longSub));
        }
    }

    /** Found in review: after a database restart every idle pooled connection failed one call. */
    @Test
    void connectionsEndedByTheServerFailNoCall() throws Exception {
        try (JdbcSessionStore store = store("table_prefix", "restart_", "pool_size", "8")) {
            List<Thread> fill = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int n = i;
                Thread t = new Thread(() -> store.addSession(session("r" + n, "sub", Duration.ofHours(1))));
                fill.add(t);
                t.start();
            }
            for (Thread t : fill) {
                t.join();
            }
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sessionstore'"
                        + " AND pid <> pg_backend_pid()");
            }
            for (int i = 0; i < 20; i++) {
                assertTrue(store.sessionExists("r" + (i % 8)), "call " + i + " after the connections were ended");
            }
        }
    }

    /** Found in review: against a server that accepts but never answers, callers queued one connect timeout after another. */
    @Test
    void aDatabaseThatNeverAnswersFailsEveryCallWithinAboutItsTimeout() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // accepted, never answered
                    }
                } catch (java.io.IOException closed) {
                    // done
                }
            });
            acceptor.start();
            Map<String, Object> config = pg.config("table_prefix", "silent_", "timeout", "1s");
            config.put("url", "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/test");
            JdbcConfig c = JdbcConfig.from(config);
            ConcurrentLinkedQueue<Long> took = new ConcurrentLinkedQueue<>();
            try (JdbcSessionStore store = new JdbcSessionStore(c, Postgres.dataSource(c), clock)) {
                List<Thread> callers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    Thread t = new Thread(() -> {
                        long started = System.nanoTime();
                        try {
                            store.getSession("x");
                        } catch (StoreUnavailableException expected) {
                            // what we measure is how long it took to say so
                        }
                        took.add((System.nanoTime() - started) / 1_000_000);
                    });
                    callers.add(t);
                    t.start();
                }
                for (Thread t : callers) {
                    t.join();
                }
            } finally {
                silent.close();
                for (java.net.Socket s : held) {
                    s.close();
                }
            }
            long longest = took.stream().mapToLong(Long::longValue).max().orElseThrow();
            System.out.println("a database that never answers, 8 callers, timeout 1s: longest call " + longest + " ms");
            // one deadline bounds the whole call (pool, connect, login, statement, retry): the timeout and
            // the scheduling of 8 threads on 2 cores, never a second connect timeout after the first
            assertTrue(longest < 1_500, "a call took " + longest + " ms with timeout=1s");
        }
    }

    @Test
    void aStatementOverItsTimeoutIsCancelledByTheServer() throws Exception {
        try (JdbcSessionStore store = store("table_prefix", "lock_", "timeout", "300ms");
                Connection c = pg.connect()) {
            store.addSession(session("locked", "sub", Duration.ofHours(1)));
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("LOCK TABLE lock_sessions IN ACCESS EXCLUSIVE MODE");
                long started = System.nanoTime();
                StoreUnavailableException e = assertThrows(StoreUnavailableException.class,
                        () -> store.getSession("locked"));
                long ms = (System.nanoTime() - started) / 1_000_000;
                System.out.println("a locked table, timeout 300ms: the call failed after " + ms + " ms: " + e.getMessage());
                assertTrue(e.getMessage().contains("no answer within the timeout"), e.getMessage());
            } finally {
                c.rollback();
            }
            assertTrue(store.getSession("locked").isPresent(), "the store goes on once the lock is gone");
        }
    }
}
