package org.sessionstore.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import javax.sql.DataSource;

import org.postgresql.osgi.PGDataSourceFactory;

/**
 * The real PostgreSQL the tests use: {@code 127.0.0.1:5432}, database {@code test}, user
 * {@code postgres} (or {@code -Dsessionstore.pg.url}/{@code .user}/{@code .password}). Each test
 * class gets a schema of its own, dropped at the end; a server that does not answer fails the test
 * with how to start one.
 */
final class Postgres implements AutoCloseable {

    static final String URL = System.getProperty("sessionstore.pg.url", "jdbc:postgresql://127.0.0.1:5432/test");
    static final String USER = System.getProperty("sessionstore.pg.user", "postgres");
    static final String PASSWORD = System.getProperty("sessionstore.pg.password", "");

    final String schema = "sstest_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);

    Postgres() {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + URL + " (user " + USER + ") does not answer: " + e.getMessage()
                    + ". The jdbc tests need a running PostgreSQL: on Debian, apt-get install postgresql and"
                    + " pg_ctlcluster 15 main start (.ci/run starts it), or give -Dsessionstore.pg.url/.user/.password", e);
        }
    }

    /** The store's url: this schema only. */
    String url() {
        return URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    Map<String, Object> config(String... keyValues) {
        Map<String, Object> m = new HashMap<>(Map.of("url", url(), "user", USER));
        if (!PASSWORD.isEmpty()) {
            m.put("password", PASSWORD);
        }
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    /** The data source the bundle would get: the driver's own OSGi DataSourceFactory. */
    static DataSource dataSource(JdbcConfig c) {
        return JdbcStoreFactory.dataSource(new PGDataSourceFactory(), c);
    }

    Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(url(), USER, PASSWORD);
        return c;
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
