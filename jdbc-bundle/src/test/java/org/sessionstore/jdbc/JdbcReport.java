package org.sessionstore.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.postgresql.osgi.PGDataSourceFactory;
import org.sessionstore.api.Session;

/**
 * The jdbc store beside plain JDBC sending the same statements, in one run, against the local
 * PostgreSQL ({@code 127.0.0.1:5432/test}, user {@code postgres}, or {@code -Dsessionstore.pg.url},
 * {@code .user}, {@code .password}), each in a schema of its own: 16 threads, ~512-byte sessions,
 * {@value #SESSIONS} adds, {@value #GETS} gets, {@value #STATES} state adds then as many
 * validateAndRemoveState. Plain JDBC: one connection per thread (no pool), the same prepared
 * statements ({@link Schema}), nothing else. Three rounds, each figure with its ratio.
 *
 * <p>{@code mvn -q -DskipTests install && java -cp benchmarks/target/benchmarks.jar org.sessionstore.jdbc.JdbcReport}
 */
public final class JdbcReport {

    static final int THREADS = 16;
    static final int SESSIONS = 20_000;
    static final int GETS = 40_000;
    static final int STATES = 20_000;
    static final String URL = System.getProperty("sessionstore.pg.url", "jdbc:postgresql://127.0.0.1:5432/test");
    static final String USER = System.getProperty("sessionstore.pg.user", "postgres");
    static final String PASSWORD = System.getProperty("sessionstore.pg.password", "");

    interface Op {
        void run(int thread, int i) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        System.out.println("jdbc store vs plain JDBC (same statements), PostgreSQL " + URL + ", " + THREADS + " threads, ops/s");
        for (int round = 1; round <= 3; round++) {
            String schema = "ssbench_" + round + "_" + Long.toHexString(System.nanoTime());
            exec("CREATE SCHEMA " + schema);
            try {
                String url = URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema;
                Map<String, Object> cfg = new java.util.HashMap<>(Map.of("url", url, "user", USER, "pool_size", "16",
                        "table_prefix", "store_"));
                if (!PASSWORD.isEmpty()) {
                    cfg.put("password", PASSWORD);
                }
                JdbcConfig c = JdbcConfig.from(cfg);
                double[] store;
                try (JdbcSessionStore s = new JdbcSessionStore(c, JdbcStoreFactory.dataSource(new PGDataSourceFactory(), c),
                        Clock.systemUTC())) {
                    Session[] sessions = sessions("s", SESSIONS);
                    double add = SESSIONS / run(SESSIONS, (t, i) -> s.addSession(sessions[i]));
                    double get = GETS / run(GETS, (t, i) -> s.getSession(sessions[i % SESSIONS].id()).orElseThrow());
                    double addState = STATES / run(STATES, (t, i) -> s.addStateEntry("st" + i, "ua", "https://app/r",
                            "http://up", "verifier"));
                    double validate = STATES / run(STATES, (t, i) -> s.validateAndRemoveState("st" + i, "ua").orElseThrow());
                    store = new double[] {add, get, addState, validate};
                }
                // plain JDBC: the same tables (made by a store), the same statements, a connection per thread
                Schema schemaSql = new Schema("plain_");
                try (JdbcSessionStore make = new JdbcSessionStore(JdbcConfig.from(Map.of("url", url, "user", USER,
                        "table_prefix", "plain_")), JdbcStoreFactory.dataSource(new PGDataSourceFactory(),
                                JdbcConfig.from(Map.of("url", url, "user", USER, "table_prefix", "plain_"))), Clock.systemUTC())) {
                    make.getSessionCount();
                }
                Connection[] conns = new Connection[THREADS];
                for (int t = 0; t < THREADS; t++) {
                    conns[t] = DriverManager.getConnection(url, USER, PASSWORD);
                }
                double[] plain;
                try {
                    Session[] sessions = sessions("p", SESSIONS);
                    long now = System.currentTimeMillis();
                    double add = SESSIONS / run(SESSIONS, (t, i) -> {
                        Session x = sessions[i];
                        try (PreparedStatement p = conns[t].prepareStatement(schemaSql.upsertSession)) {
                            p.setString(1, x.id());
                            p.setString(2, x.username());
                            p.setString(3, x.sub());
                            p.setLong(4, x.issuedAt().toEpochMilli());
                            p.setLong(5, x.expiresAt().toEpochMilli());
                            p.setLong(6, x.expiresAt().toEpochMilli());
                            p.setString(7, x.accessToken());
                            p.setString(8, x.idToken());
                            p.setString(9, x.codeVerifier());
                            p.executeUpdate();
                        }
                    });
                    double get = GETS / run(GETS, (t, i) -> {
                        try (PreparedStatement p = conns[t].prepareStatement(schemaSql.selectSession)) {
                            p.setString(1, sessions[i % SESSIONS].id());
                            p.setLong(2, now);
                            try (ResultSet r = p.executeQuery()) {
                                if (!r.next()) {
                                    throw new IllegalStateException("missing");
                                }
                                r.getString("access_token");
                            }
                        }
                    });
                    double addState = STATES / run(STATES, (t, i) -> {
                        try (PreparedStatement p = conns[t].prepareStatement(schemaSql.upsertState)) {
                            p.setString(1, "st" + i);
                            p.setLong(2, System.currentTimeMillis());
                            p.setString(3, "ua");
                            p.setString(4, "https://app/r");
                            p.setString(5, "http://up");
                            p.setString(6, "verifier");
                            p.executeUpdate();
                        }
                    });
                    double validate = STATES / run(STATES, (t, i) -> {
                        try (PreparedStatement p = conns[t].prepareStatement(schemaSql.consumeState)) {
                            p.setString(1, "st" + i);
                            try (ResultSet r = p.executeQuery()) {
                                if (!r.next()) {
                                    throw new IllegalStateException("missing");
                                }
                            }
                        }
                    });
                    plain = new double[] {add, get, addState, validate};
                } finally {
                    for (Connection cn : conns) {
                        cn.close();
                    }
                }
                System.out.printf("round %d: add %,.0f / %,.0f = %.2f | get %,.0f / %,.0f = %.2f | add state %,.0f / %,.0f = %.2f"
                        + " | validate %,.0f / %,.0f = %.2f  (store / plain JDBC)%n", round, store[0], plain[0],
                        store[0] / plain[0], store[1], plain[1], store[1] / plain[1], store[2], plain[2], store[2] / plain[2],
                        store[3], plain[3], store[3] / plain[3]);
            } finally {
                exec("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    private static void exec(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static Session[] sessions(String prefix, int n) {
        return org.sessionstore.testkit.bench.Samples.sessions(prefix, n);
    }

    /** {@code calls} calls over {@value #THREADS} threads; the seconds they took. */
    private static double run(int calls, Op op) throws Exception {
        return org.sessionstore.testkit.bench.Threaded.run(THREADS, calls, op::run);
    }
}
