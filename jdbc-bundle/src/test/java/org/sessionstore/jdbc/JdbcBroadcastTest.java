package org.sessionstore.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sessionstore.api.Broadcast;

/**
 * The near cache's channel on a real PostgreSQL: a message published by one node reaches another's
 * listener; when the listening connection is terminated (pg_terminate_backend) the listener hears
 * down, then up once it listens again, and messages flow again.
 */
class JdbcBroadcastTest {

    private static Postgres pg;

    @BeforeAll
    static void start() {
        pg = new Postgres();
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    private static void await(BooleanSupplier done, String what) throws InterruptedException {
        long until = System.currentTimeMillis() + 10_000;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > until) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void aMessageReachesTheOtherNodeAndAKilledListenerComesBack() throws Exception {
        JdbcConfig c = JdbcConfig.from(pg.config("table_prefix", "bc_", "timeout", "1s"));
        try (JdbcSessionStore a = new JdbcSessionStore(c, Postgres.dataSource(c), Clock.systemUTC());
                JdbcSessionStore b = new JdbcSessionStore(c, Postgres.dataSource(c), Clock.systemUTC())) {
            a.getSessionCount(); // the tables
            List<String> got = new CopyOnWriteArrayList<>();
            List<String> events = new CopyOnWriteArrayList<>();
            Broadcast channel = b.broadcast().orElseThrow();
            try (AutoCloseable sub = channel.subscribe(new Broadcast.Listener() {
                @Override
                public void received(String message) {
                    got.add(message);
                }

                @Override
                public void up() {
                    events.add("up");
                }

                @Override
                public void down(String why) {
                    events.add("down");
                }
            })) {
                await(() -> events.contains("up"), "listening");
                a.broadcast().orElseThrow().publish("n1|1|i|s1");
                await(() -> got.contains("n1|1|i|s1"), "the message at the other node");
                try (Connection admin = Postgres.dataSource(c).getConnection(); Statement s = admin.createStatement();
                        ResultSet r = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                + " WHERE query LIKE 'SELECT 1%' OR query LIKE 'LISTEN%'")) {
                    r.next();
                    assertTrue(r.getInt(1) >= 1, "the listening connection terminated");
                }
                await(() -> events.size() >= 3, "down, then up again: " + events);
                assertEquals(List.of("up", "down", "up"), events.subList(0, 3));
                a.broadcast().orElseThrow().publish("n1|2|i|s2");
                await(() -> got.contains("n1|2|i|s2"), "messages flow again");
            }
        }
    }
}
