package org.sessionstore.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.NoSuchElementException;

import javax.sql.DataSource;

import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.sessionstore.api.StoreUnavailableException;

/**
 * How a call of the jdbc store runs, apart from what it does: one deadline ({@code timeout}) bounds
 * it all (waiting for the tables, for one of at most {@code pool_size} pooled connections,
 * connecting and logging in on a thread of its own ({@link Connect}), the statement, whose socket
 * reads are cut to what is left, and one retry on a new connection); the tables are made or
 * checked once ({@link Schema}); a connection the server ended is dropped with the idle ones; and
 * a failure becomes the API's exception, in one line.
 */
final class JdbcCalls implements AutoCloseable {

    private final JdbcConfig config;
    private final Schema schema;
    private final DataSource dataSource;
    private final GenericObjectPool<Connection> pool;
    private volatile boolean ready;
    private final java.util.concurrent.locks.ReentrantLock schemaLock = new java.util.concurrent.locks.ReentrantLock();
    private volatile boolean closed;

    JdbcCalls(JdbcConfig config, DataSource dataSource, Schema schema) {
        this.config = config;
        this.schema = schema;
        this.dataSource = dataSource;
        GenericObjectPoolConfig<Connection> pc = new GenericObjectPoolConfig<>();
        pc.setMaxTotal(config.poolSize());
        pc.setMaxIdle(config.poolSize());
        pc.setMinIdle(0);
        pc.setBlockWhenExhausted(true);
        pc.setJmxEnabled(false);
        pc.setTimeBetweenEvictionRuns(Duration.ofMillis(-1));
        this.pool = new GenericObjectPool<>(new BasePooledObjectFactory<>() {
            @Override
            public Connection create() throws SQLException {
                // within the deadline of the call that needs it (a connect or a login that hangs is given up)
                return Connect.within(dataSource, config.timeout().toMillis(), CALL_DEADLINE.get());
            }

            @Override
            public PooledObject<Connection> wrap(Connection c) {
                return new DefaultPooledObject<>(c);
            }

            @Override
            public void destroyObject(PooledObject<Connection> p) throws SQLException {
                p.getObject().close();
            }
        }, pc);
        try {
            ensureSchema(System.nanoTime() + config.timeout().toNanos());
        } catch (StoreUnavailableException down) {
            // the database is down at start: the store is made anyway and the first call that
            // reaches it creates the tables (as the redis store is made while Redis is down)
        }
    }

    /** Makes sure the tables were made or checked (a call that needs to know what they hold asks first). */
    void ready() {
        if (!ready) {
            ensureSchema(System.nanoTime() + config.timeout().toNanos());
        }
    }

    /** Connections in use now, for {@code info}. */
    int active() {
        return pool.getNumActive();
    }

    @Override
    public void close() {
        closed = true;
        pool.close();
    }

    /** A unit of work on one connection. */
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** The deadline (System.nanoTime) of the call running on this thread, for a connection made for it. */
    private static final ThreadLocal<Long> CALL_DEADLINE = new ThreadLocal<>();

    /** A connection of its own (not pooled), made within the timeout: for a LISTEN, held as long as it lasts. */
    Connection dedicated() throws SQLException {
        if (closed) {
            throw new StoreUnavailableException("the jdbc session store is closed; use the store the registry publishes");
        }
        return Connect.within(dataSource, config.timeout().toMillis(), null);
    }

    /**
     * Runs one call: one deadline, {@code timeout} from now, bounds all of it (waiting for the
     * tables, for a pooled connection, connecting and logging in, the statement, and the one retry
     * on a new connection), as in the redis store.
     */
    <T> T sql(String what, Work<T> work) {
        if (closed) {
            throw new StoreUnavailableException("the jdbc session store is closed; use the store the registry publishes");
        }
        long deadline = System.nanoTime() + config.timeout().toNanos();
        if (!ready) {
            ensureSchema(deadline);
        }
        return onConnection(what, work, deadline);
    }

    /**
     * Runs {@code work} on a pooled connection. A connection found dead (the server restarted,
     * failed over, or ended it) is dropped with every idle one, and the work is tried once more on
     * a new connection if half the timeout is left: after a database restart the pool's old
     * connections fail no call.
     */
    private <T> T onConnection(String what, Work<T> work, long deadline) {
        try {
            return onConnectionOnce(what, work, deadline);
        } catch (ConnectionLost lost) {
            pool.clear(); // the other idle connections are most likely dead too
            if (deadline - System.nanoTime() < config.timeout().toNanos() / 4) {
                throw lost.failure; // too little time left for a new connection and the statement
            }
            try {
                return onConnectionOnce(what, work, deadline);
            } catch (ConnectionLost again) {
                throw again.failure;
            }
        }
    }

    /** A pooled connection turned out dead: the call may be tried again on a new one. */
    private static final class ConnectionLost extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final StoreUnavailableException failure;

        ConnectionLost(StoreUnavailableException failure) {
            super(null, null, false, false);
            this.failure = failure;
        }
    }

    private <T> T onConnectionOnce(String what, Work<T> work, long deadline) {
        Connection c;
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new StoreUnavailableException("postgresql at " + config.where() + " is unavailable for " + what
                    + ": no answer within the timeout (" + org.sessionstore.api.config.Durations.format(config.timeout()) + ")");
        }
        CALL_DEADLINE.set(deadline);
        try {
            c = pool.borrowObject(Duration.ofNanos(left));
        } catch (NoSuchElementException busy) {
            throw new StoreUnavailableException("postgresql at " + config.where() + " is unavailable for " + what
                    + ": all " + config.poolSize() + " connections (pool_size) stayed busy for the whole timeout ("
                    + org.sessionstore.api.config.Durations.format(config.timeout()) + ")");
        } catch (Exception e) {
            throw unavailable(what, e);
        } finally {
            CALL_DEADLINE.remove();
        }
        boolean broken = false;
        try {
            // a hard bound on every read of the socket in this call; the server's statement_timeout
            // cancels a slow statement before it, keeping the connection
            long ms = Math.max(1, (deadline - System.nanoTime()) / 1_000_000) + 100;
            c.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, ms));
            return work.run(c);
        } catch (SQLException e) {
            broken = connectionLost(e);
            if ("22021".equals(e.getSQLState())) {
                throw new IllegalArgumentException(what + ": a value holds a NUL character (U+0000), which PostgreSQL"
                        + " cannot store in text; the jdbc store refuses it");
            }
            if (broken) {
                throw new ConnectionLost(unavailable(what, e));
            }
            if (!broken) {
                try {
                    if (!c.getAutoCommit()) {
                        c.rollback();
                        c.setAutoCommit(true);
                    }
                } catch (SQLException rollbackFailed) {
                    broken = true;
                }
            }
            throw unavailable(what, e);
        } finally {
            try {
                if (broken) {
                    pool.invalidateObject(c);
                } else {
                    pool.returnObject(c);
                }
            } catch (Exception closedMeanwhile) {
                // the pool is closed, or the connection could not be closed: nothing more to do
            }
        }
    }

    /**
     * Creates or checks the tables, once. One call does it at a time; the others wait for it no
     * longer than {@code timeout} (a database that accepts connections but never answers must not
     * make callers queue one connect timeout after another).
     */
    private void ensureSchema(long deadline) {
        try {
            if (!schemaLock.tryLock(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                throw new StoreUnavailableException("postgresql at " + config.where() + " is unavailable: another call"
                        + " is still creating or checking the tables (timeout "
                        + org.sessionstore.api.config.Durations.format(config.timeout()) + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while waiting for the jdbc store's tables");
        }
        try {
            if (ready) {
                return;
            }
            onConnection("creating its tables", c -> {
                schema.ensure(c);
                return null;
            }, deadline);
            ready = true;
            if (schema.noClientColumn != null && config.maxStatesPerClient() > 0) {
                System.getLogger("org.sessionstore.jdbc").log(System.Logger.Level.WARNING, "postgresql at "
                        + config.where() + ": " + schema.noClientColumn);
            }
        } finally {
            schemaLock.unlock();
        }
    }

    /** SQLSTATE class 08 (connection exception) and 57P (server shutting down): the connection is gone. */
    private static boolean connectionLost(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57P")
                || e instanceof java.sql.SQLRecoverableException || e instanceof java.sql.SQLNonTransientConnectionException;
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private StoreUnavailableException unavailable(String what, Exception e) {
        if (e instanceof Schema.SchemaException s) {
            return new StoreUnavailableException("postgresql at " + config.where() + ": " + s.getMessage());
        }
        String state = e instanceof SQLException s ? s.getSQLState() : null;
        String reason;
        if (timedOut(e)) {
            reason = "no answer within the timeout";
        } else if ("57014".equals(state)) {
            reason = "no answer within the timeout (statement_timeout "
                    + org.sessionstore.api.config.Durations.format(config.timeout()) + ")";
        } else if ("28P01".equals(state) || "28000".equals(state)) {
            reason = "the login was refused; check the jdbc store keys 'user' and 'password'";
        } else if ("3D000".equals(state)) {
            reason = "the database in 'url' does not exist; create it, or name another";
        } else {
            String m = String.valueOf(e.getMessage());
            int nl = m.indexOf('\n');
            reason = (nl < 0 ? m : m.substring(0, nl)) + (state == null ? "" : " (SQLSTATE " + state + ")");
        }
        return new StoreUnavailableException("postgresql at " + config.where() + " is unavailable for " + what + " (timeout "
                + org.sessionstore.api.config.Durations.format(config.timeout()) + "): " + reason);
    }
}
