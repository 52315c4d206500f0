package org.sessionstore.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.sessionstore.api.Ids;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.api.TransferableStore;

/**
 * Sessions and states in PostgreSQL: a table of sessions (indexed by expiry and by subject) and a
 * table of states (indexed by creation), created or upgraded at start ({@link Schema}).
 *
 * <ul>
 * <li>An add is one {@code INSERT … ON CONFLICT (id) DO UPDATE}; an expired session is not kept
 * and removes the one it replaces.</li>
 * <li>A read never returns an expired row ({@code expires_at > now} in every query), cleaned or not.</li>
 * <li>{@code validateAndRemoveState} is one {@code DELETE … RETURNING}: of any number of callers on
 * any number of nodes sharing the database, exactly one gets the row.</li>
 * <li>{@code count} and {@code cleanExpired} go through the expiry index ({@code count} forbids
 * the planner a sequential scan for its one statement), {@code deleteSessionsBySubject} through
 * the subject index.</li>
 * </ul>
 *
 * <p>Every call holds one pooled connection (at most {@code pool_size}, waited for no longer than
 * {@code timeout}); each connection runs with {@code statement_timeout = timeout}, so a slow or
 * locked statement is cancelled by the server. A connection that failed is dropped, and the next
 * call makes a new one: the store recovers by itself when the database returns.
 */
final class JdbcSessionStore implements SessionStore, TransferableStore {

    private final JdbcConfig config;
    private final Clock clock;
    private final Schema schema;
    private final GenericObjectPool<Connection> pool;
    private volatile boolean ready;
    private final java.util.concurrent.locks.ReentrantLock schemaLock = new java.util.concurrent.locks.ReentrantLock();
    private volatile boolean closed;

    JdbcSessionStore(JdbcConfig config, DataSource dataSource, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.schema = new Schema(config.tablePrefix());
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

    /** A unit of work on one connection. */
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** The deadline (System.nanoTime) of the call running on this thread, for a connection made for it. */
    private static final ThreadLocal<Long> CALL_DEADLINE = new ThreadLocal<>();

    /**
     * Runs one call: one deadline, {@code timeout} from now, bounds all of it (waiting for the
     * tables, for a pooled connection, connecting and logging in, the statement, and the one retry
     * on a new connection), as in the redis store.
     */
    private <T> T sql(String what, Work<T> work) {
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

    // --- sessions ---------------------------------------------------------------------------

    @Override
    public void addSession(Session session) {
        Ids.requireNonNull(session, "session");
        long now = clock.millis();
        long expires = session.expiresAt().toEpochMilli();
        if (expires <= now) {
            sql("removing an expired session", c -> {
                try (PreparedStatement p = c.prepareStatement(schema.deleteSession)) {
                    p.setString(1, session.id());
                    p.executeUpdate();
                }
                return null;
            });
            return;
        }
        // the row lives until the session's end, capped by ttl
        long keepUntil = Math.min(expires, now + config.ttl().toMillis());
        sql("adding a session", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.upsertSession)) {
                p.setString(1, session.id());
                text(p, 2, session.username());
                text(p, 3, session.sub());
                if (session.issuedAt() == null) {
                    p.setNull(4, Types.BIGINT);
                } else {
                    p.setLong(4, session.issuedAt().toEpochMilli());
                }
                p.setLong(5, expires);
                p.setLong(6, keepUntil);
                text(p, 7, session.accessToken());
                text(p, 8, session.idToken());
                text(p, 9, session.codeVerifier());
                p.executeUpdate();
            }
            return null;
        });
    }

    private static void text(PreparedStatement p, int i, String v) throws SQLException {
        if (v == null) {
            p.setNull(i, Types.VARCHAR);
        } else {
            p.setString(i, v);
        }
    }

    @Override
    public Optional<Session> getSession(String id) {
        Ids.require(id, "session id");
        long now = clock.millis();
        return sql("reading a session", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.selectSession)) {
                p.setString(1, id);
                p.setLong(2, now);
                try (ResultSet r = p.executeQuery()) {
                    return r.next() ? Optional.ofNullable(readable(r, now)) : Optional.<Session>empty();
                }
            }
        });
    }

    /**
     * The session of a row, or null if it has ended or cannot be read: a row whose {@code keep_until}
     * lies after its {@code expires_at} (this store never writes one) or whose id is not a valid
     * session id is reported once by its id and counted, never returned.
     */
    private Session readable(ResultSet r, long now) throws SQLException {
        String id = r.getString("id");
        long expires = r.getLong("expires_at");
        if (r.getLong("keep_until") > expires) {
            return unreadable("session", id, "its keep_until lies after its expires_at, which this store never writes");
        }
        if (expires <= now) {
            return null;
        }
        long issued = r.getLong("issued_at");
        Instant issuedAt = r.wasNull() ? null : Instant.ofEpochMilli(issued);
        try {
            return new Session(id, r.getString("username"), r.getString("sub"), issuedAt, Instant.ofEpochMilli(expires),
                    r.getString("access_token"), r.getString("id_token"), r.getString("code_verifier"));
        } catch (IllegalArgumentException e) {
            return unreadable("session", id, "its id is not a valid session id");
        }
    }

    /** Rows already reported (bounded), so a bad row is logged once, not on every read. */
    private final java.util.Set<String> reported = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.LongAdder unreadable = new java.util.concurrent.atomic.LongAdder();

    /** Reports a row that cannot be read (once, by its key, never its content), counts it; it is treated as absent. */
    private <T> T unreadable(String what, String key, String why) {
        unreadable.increment();
        String shown = org.sessionstore.api.Redaction.printable(String.valueOf(key));
        if (reported.add(what + shown)) {
            if (reported.size() > 10_000) {
                reported.clear();
            }
            System.getLogger("org.sessionstore.jdbc").log(System.Logger.Level.WARNING, "the " + what + " row '" + shown
                    + "' in " + config.tablePrefix() + what + "s at " + config.where() + " cannot be read (" + why
                    + "); it is treated as absent: delete the row, or fix it");
        }
        return null;
    }

    @Override
    public long unreadableRecords() {
        return unreadable.sum();
    }

    @Override
    public boolean deleteSession(String id) {
        Ids.require(id, "session id");
        long now = clock.millis();
        return sql("deleting a session", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.deleteSessionReturning)) {
                p.setString(1, id);
                try (ResultSet r = p.executeQuery()) {
                    return r.next() && r.getLong(1) > now;
                }
            }
        });
    }

    @Override
    public int deleteSessionsBySubject(String sub) {
        Ids.requireSubject(sub);
        long now = clock.millis();
        return sql("revoking the sessions of a subject", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.deleteBySubject)) {
                p.setString(1, sub);
                p.setLong(2, now);
                try (ResultSet r = p.executeQuery()) {
                    r.next();
                    return r.getInt(1);
                }
            }
        });
    }

    @Override
    public int cleanExpired() {
        long now = clock.millis();
        return sql("cleaning expired sessions", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.cleanSessions)) {
                p.setLong(1, now);
                return p.executeUpdate();
            }
        });
    }

    @Override
    public Optional<String> getField(String id, String field) {
        Session.requireField(field);
        return getSession(id).flatMap(s -> s.field(field));
    }

    @Override
    public long getSessionCount() {
        long now = clock.millis();
        return sql("counting sessions", c -> {
            // the planner may not pick a sequential scan for this one statement: the count reads the expiry index
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL enable_seqscan = off");
                try (ResultSet r = s.executeQuery(schema.countSessions(now))) {
                    r.next();
                    long n = r.getLong(1);
                    c.commit();
                    return n;
                }
            } finally {
                c.setAutoCommit(true);
            }
        });
    }

    @Override
    public boolean sessionExists(String id) {
        Ids.require(id, "session id");
        long now = clock.millis();
        return sql("reading a session", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.existsSession)) {
                p.setString(1, id);
                p.setLong(2, now);
                try (ResultSet r = p.executeQuery()) {
                    if (!r.next()) {
                        return false;
                    }
                    long expires = r.getLong("expires_at");
                    if (r.getLong("keep_until") > expires) {
                        return unreadable("session", id, "its keep_until lies after its expires_at, which this store"
                                + " never writes") != null;
                    }
                    return expires > now;
                }
            }
        });
    }

    // --- states -----------------------------------------------------------------------------

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        importState(new StateEntry(state, Instant.ofEpochMilli(clock.millis()), userAgent, requestUrl, upstreamUrl,
                codeVerifier));
    }

    /** The state, and in the same statement the client's oldest beyond {@code max_states_per_client}. */
    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier,
            String client) {
        if (client != null) {
            Ids.require(client, "client");
        }
        if (!ready) {
            ensureSchema(System.nanoTime() + config.timeout().toNanos());
        }
        if (client == null || config.maxStatesPerClient() == 0 || !schema.clientColumn) {
            addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier);
            return;
        }
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        Ids.require(client, "client");
        long now = clock.millis();
        sql("adding a state", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.upsertClientState)) {
                p.setString(1, state);
                p.setLong(2, now);
                p.setString(3, userAgent);
                text(p, 4, requestUrl);
                text(p, 5, upstreamUrl);
                text(p, 6, codeVerifier);
                p.setString(7, client);
                p.setString(8, client);
                p.setLong(9, config.maxStatesPerClient() - 1);
                p.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void importState(StateEntry e) {
        Ids.requireNonNull(e, "entry");
        sql("adding a state", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.upsertState)) {
                p.setString(1, e.state());
                p.setLong(2, e.createdAt().toEpochMilli());
                p.setString(3, e.userAgent());
                text(p, 4, e.requestUrl());
                text(p, 5, e.upstreamUrl());
                text(p, 6, e.codeVerifier());
                p.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
        return validateAndRemoveState(state, userAgent, () -> { });
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent, Runnable onMismatch) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        Ids.requireNonNull(onMismatch, "onMismatch");
        long now = clock.millis();
        Optional<StateEntry> taken = sql("consuming a state", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.consumeState)) {
                p.setString(1, state);
                try (ResultSet r = p.executeQuery()) {
                    return r.next() ? Optional.ofNullable(readableState(r)) : Optional.<StateEntry>empty();
                }
            }
        });
        // consumed whatever the outcome: too old, or another browser, it is gone all the same
        if (taken.isEmpty() || taken.get().createdAt().toEpochMilli() + config.stateTtl().toMillis() < now) {
            return Optional.empty();
        }
        if (!taken.get().userAgent().equals(userAgent)) {
            onMismatch.run();
            return Optional.empty();
        }
        return taken;
    }

    /** The state of a row, or null (reported, counted) if its state is not a valid one. */
    private StateEntry readableState(ResultSet r) throws SQLException {
        String state = r.getString("state");
        try {
            return new StateEntry(state, Instant.ofEpochMilli(r.getLong("created_at")), r.getString("user_agent"),
                    r.getString("request_url"), r.getString("upstream_url"), r.getString("code_verifier"));
        } catch (IllegalArgumentException e) {
            return unreadable("state", state, "its state is not a valid state");
        }
    }

    @Override
    public int cleanExpiredStates(Duration maxAge) {
        Ids.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative: " + maxAge);
        }
        long cutoff = clock.millis() - Math.min(maxAge.toMillis(), config.stateTtl().toMillis());
        return sql("cleaning old states", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.cleanStates)) {
                p.setLong(1, cutoff);
                return p.executeUpdate();
            }
        });
    }

    @Override
    public Optional<Duration> stateTtl() {
        return Optional.of(config.stateTtl());
    }

    // --- transfer ---------------------------------------------------------------------------

    @Override
    public Stream<Session> liveSessions() {
        long now = clock.millis();
        return rows("listing sessions", schema.liveSessions, now, r -> readable(r, now));
    }

    @Override
    public Stream<StateEntry> liveStates() {
        return rows("listing states", schema.liveStates, clock.millis() - config.stateTtl().toMillis(),
                this::readableState);
    }

    /** Reads one row into a value. */
    private interface Row<T> {
        T read(ResultSet r) throws SQLException;
    }

    /** Every row of {@code query}, whose one parameter is {@code bound}, read into a list first (the connection goes back at once). */
    private <T> Stream<T> rows(String what, String query, long bound, Row<T> row) {
        List<T> all = sql(what, c -> {
            List<T> out = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement(query)) {
                p.setLong(1, bound);
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        T t = row.read(r);
                        if (t != null) { // null: ended, or unreadable (reported)
                            out.add(t);
                        }
                    }
                }
            }
            return out;
        });
        return all.stream();
    }

    /** The rows live in the database, which a successor of the same type reaches too. */
    @Override
    public boolean handOffOnUpgrade() {
        return false;
    }

    @Override
    public Map<String, String> details() {
        return Map.of("postgresql", config.where() + ", tables " + config.tablePrefix() + "sessions and "
                + config.tablePrefix() + "states (schema version " + Schema.VERSION + "), " + pool.getNumActive()
                + " of " + config.poolSize() + " connections in use");
    }

    @Override
    public void close() {
        closed = true;
        pool.close();
    }

    @Override
    public String toString() {
        return "JdbcSessionStore[" + config + (closed ? ", closed" : "") + "]";
    }
}
