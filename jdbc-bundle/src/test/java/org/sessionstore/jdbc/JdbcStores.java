package org.sessionstore.jdbc;

import java.sql.SQLException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import org.sessionstore.api.SessionStore;

/**
 * For harnesses outside this package (the benchmarks' NearCacheReport, in other processes too): a
 * schema of its own on the test PostgreSQL ({@code -Dsessionstore.pg.url}, as the tests), and jdbc
 * stores on it built as the bundle builds them (the driver's DataSourceFactory).
 */
public final class JdbcStores implements AutoCloseable {

    private final Postgres pg = new Postgres();

    /** The JDBC URL of this schema, for stores in other processes. */
    public String url() {
        return pg.url();
    }

    /** A jdbc store on {@code url} with these keys besides url, user and password. */
    public static SessionStore create(String url, Map<String, String> keys) {
        return create(url, keys, Clock.systemUTC());
    }

    /** A jdbc store on {@code url} with these keys besides url, user and password, on {@code clock}. */
    public static SessionStore create(String url, Map<String, String> keys, Clock clock) {
        Map<String, Object> m = new HashMap<>(keys);
        m.put("url", url);
        m.put("user", Postgres.USER);
        if (!Postgres.PASSWORD.isEmpty()) {
            m.put("password", Postgres.PASSWORD);
        }
        JdbcConfig c = JdbcConfig.from(m);
        return new JdbcSessionStore(c, Postgres.dataSource(c), clock);
    }

    /**
     * Ends every connection of the tests' database that LISTENs (as a server restart would), returns
     * how many; never another database's (review: the filter had no database).
     */
    public int terminateListeners() throws SQLException {
        try (java.sql.Connection c = pg.connect(); java.sql.Statement s = c.createStatement();
                java.sql.ResultSet r = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        + " WHERE pid <> pg_backend_pid() AND datname = current_database()"
                        + " AND (query LIKE 'LISTEN%' OR query = 'SELECT 1')")) {
            r.next();
            return r.getInt(1);
        }
    }

    @Override
    public void close() throws SQLException {
        pg.close();
    }
}
