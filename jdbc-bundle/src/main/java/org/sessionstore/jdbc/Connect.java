package org.sessionstore.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

/**
 * Makes one connection for the pool within the deadline of the call that needs it. The driver's
 * own connect and login timeouts are whole seconds; a call's deadline is not. The connect runs on
 * a thread of its own and the caller waits no longer than its deadline; a connection that arrives
 * after that is closed.
 */
final class Connect {

    private Connect() {
    }

    /**
     * @param dataSource the driver's data source
     * @param statementTimeoutMillis the server-side {@code statement_timeout} of the connection
     * @param deadline the calling thread's deadline ({@link System#nanoTime()}), or null: the timeout from now
     */
    static Connection within(DataSource dataSource, long statementTimeoutMillis, Long deadline) throws SQLException {
        long until = deadline != null ? deadline : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(statementTimeoutMillis);
        CompletableFuture<Connection> made = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                made.complete(open(dataSource, statementTimeoutMillis));
            } catch (Throwable e) {
                made.completeExceptionally(e);
            }
        }, "sessionstore-jdbc-connect");
        t.setDaemon(true);
        t.start();
        try {
            return made.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            made.thenAccept(Connect::closeQuietly); // too late for this call; nobody else asked for it
            throw new SQLTransientConnectionException("no answer within the timeout while connecting", "08001", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            made.thenAccept(Connect::closeQuietly);
            throw new SQLTransientConnectionException("interrupted while connecting", "08001", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException s) {
                throw s;
            }
            throw new SQLException(String.valueOf(e.getCause().getMessage()), "08001", e.getCause());
        }
    }

    private static Connection open(DataSource dataSource, long statementTimeoutMillis) throws SQLException {
        Connection c = dataSource.getConnection();
        try (Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute("SET statement_timeout = " + statementTimeoutMillis);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException e) {
            // gone anyway
        }
    }
}
