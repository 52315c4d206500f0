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
import java.util.Optional;
import java.util.stream.Stream;

import javax.sql.DataSource;

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
    /** How a call runs: one deadline, a pooled connection, the tables made once, failures translated. */
    private final JdbcCalls calls;
    /** A subject's and a sid's sessions, the per-subject limit, idle touches. */
    private final JdbcPeople people;
    private final UnreadableRows unreadable;
    /** States: adding within their bounds, consuming, cleaning. */
    private final JdbcStates states;

    JdbcSessionStore(JdbcConfig config, DataSource dataSource, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.schema = new Schema(config.tablePrefix());
        this.unreadable = new UnreadableRows(config);
        this.calls = new JdbcCalls(config, dataSource, schema);
        this.states = new JdbcStates(config, clock, schema, calls, unreadable);
        this.people = new JdbcPeople(config, clock, schema, calls, this::upsert,
                id -> unreadable.report("session", id, "its id is not a valid session id"));
    }

    // --- sessions ---------------------------------------------------------------------------

    @Override
    public void addSession(Session session) {
        addSession(session, n -> { });
    }

    /**
     * One upsert; with a per-subject limit, one transaction under an advisory lock of the subject
     * (adders of one subject on every node queue on it): the subject's other live sessions are read,
     * and at the limit the new one is refused or the ones that end first are deleted, then the
     * upsert; all committed together.
     */
    @Override
    public void addSession(Session session, java.util.function.IntConsumer onEvicted) {
        Ids.requireNonNull(session, "session");
        Ids.requireNonNull(onEvicted, "onEvicted");
        long now = clock.millis();
        long expires = session.expiresAt().toEpochMilli();
        if (expires <= now) {
            calls.sql("removing an expired session", c -> {
                try (PreparedStatement p = c.prepareStatement(schema.deleteSession)) {
                    p.setString(1, session.id());
                    p.executeUpdate();
                }
                return null;
            });
            return;
        }
        // the row lives until the session's end, capped by ttl, or with idle_timeout until its idle deadline
        long end = JdbcPeople.even(Math.min(expires, now + config.ttl().toMillis()));
        long keepUntil = JdbcPeople.marked(config.idle().deadline(now, end), end);
        org.sessionstore.api.config.SubjectLimit limit = config.subjectLimit();
        if (!limit.limits() || session.sub() == null) {
            calls.sql("adding a session", c -> {
                upsert(c, session, expires, keepUntil);
                return null;
            });
            return;
        }
        int evicted = people.addLimited(session, now, expires, keepUntil, limit);
        if (evicted < 0) {
            throw limit.refusal(session.sub());
        }
        if (evicted > 0) {
            onEvicted.accept(evicted);
        }
    }

    private void upsert(java.sql.Connection c, Session session, long expires, long keepUntil) throws SQLException {
        boolean sid = schema.sidColumn;
        try (PreparedStatement p = c.prepareStatement(sid ? schema.upsertSessionSid : schema.upsertSession)) {
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
            if (sid) {
                text(p, 10, session.sid());
            }
            p.executeUpdate();
        }
    }

    static void text(PreparedStatement p, int i, String v) throws SQLException {
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
        return calls.sql("reading a session", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.sidColumn ? schema.selectSessionSid : schema.selectSession)) {
                p.setString(1, id);
                p.setLong(2, now);
                Session found;
                long keepUntil;
                try (ResultSet r = p.executeQuery()) {
                    if (!r.next()) {
                        return Optional.<Session>empty();
                    }
                    found = readable(r, now);
                    keepUntil = r.getLong("keep_until");
                }
                if (found != null) {
                    people.touchIfDue(c, found, now, keepUntil);
                }
                return Optional.ofNullable(found);
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
            return unreadable.report("session", id, "its keep_until lies after its expires_at, which this store never writes");
        }
        if (expires <= now) {
            return null;
        }
        long issued = r.getLong("issued_at");
        Instant issuedAt = r.wasNull() ? null : Instant.ofEpochMilli(issued);
        try {
            return new Session(id, r.getString("username"), r.getString("sub"), issuedAt, Instant.ofEpochMilli(expires),
                    r.getString("access_token"), r.getString("id_token"), r.getString("code_verifier"),
                    schema.sidColumn ? r.getString("sid") : null);
        } catch (IllegalArgumentException e) {
            return unreadable.report("session", id, "its id is not a valid session id");
        }
    }

    @Override
    public long unreadableRecords() {
        return unreadable.count();
    }

    @Override
    public boolean deleteSession(String id) {
        Ids.require(id, "session id");
        long now = clock.millis();
        return calls.sql("deleting a session", c -> {
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
        return deleteSessionsBySubject(sub, null);
    }

    @Override
    public int deleteSessionsBySubject(String sub, String exceptId) {
        return people.deleteBySubject(sub, exceptId);
    }

    @Override
    public int deleteSessionsBySid(String sid) {
        return people.deleteBySid(sid);
    }

    @Override
    public List<org.sessionstore.api.SessionInfo> sessionsOf(String sub, int offset, int limit) {
        return people.sessionsOf(sub, offset, limit);
    }

    @Override
    public List<String> subjects(String prefix, int limit) {
        return people.subjects(prefix, limit);
    }

    @Override
    public int cleanExpired() {
        return cleanExpired(n -> { });
    }

    @Override
    public int cleanExpired(java.util.function.IntConsumer idleEnded) {
        Ids.requireNonNull(idleEnded, "idleEnded");
        long now = clock.millis();
        long[] counts = calls.sql("cleaning expired sessions", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.cleanSessions)) {
                p.setLong(1, now);
                try (ResultSet r = p.executeQuery()) {
                    r.next();
                    return new long[] {r.getLong(1), r.getLong(2)};
                }
            }
        });
        if (counts[1] > 0) {
            idleEnded.accept((int) counts[1]);
        }
        return (int) counts[0];
    }

    @Override
    public Optional<String> getField(String id, String field) {
        Session.requireField(field);
        return getSession(id).flatMap(s -> s.field(field));
    }

    @Override
    public long getSessionCount() {
        return count("counting sessions", schema.countSessions(clock.millis()));
    }

    @Override
    public long getStateCount() {
        return count("counting states", schema.countStates(clock.millis() - config.stateTtl().toMillis()));
    }

    private long count(String what, String query) {
        return calls.sql(what, c -> {
            // the planner may not pick a sequential scan for this one statement: the count reads the index
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL enable_seqscan = off");
                try (ResultSet r = s.executeQuery(query)) {
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
        return calls.sql("reading a session", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.existsSession)) {
                p.setString(1, id);
                p.setLong(2, now);
                try (ResultSet r = p.executeQuery()) {
                    if (!r.next()) {
                        return false;
                    }
                    long expires = r.getLong("expires_at");
                    if (r.getLong("keep_until") > expires) {
                        return unreadable.report("session", id, "its keep_until lies after its expires_at, which this store"
                                + " never writes") != null;
                    }
                    return expires > now;
                }
            }
        });
    }

    // --- states: JdbcStates -----------------------------------------------------------------

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier) {
        states.add(state, userAgent, requestUrl, upstreamUrl, codeVerifier, null);
    }

    /** The state, and in the same statement the client's oldest beyond {@code max_states_per_client}. */
    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier,
            String client) {
        states.add(state, userAgent, requestUrl, upstreamUrl, codeVerifier, client);
    }

    @Override
    public void importState(StateEntry e) {
        states.importState(e);
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
        return validateAndRemoveState(state, userAgent, () -> { });
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent, Runnable onMismatch) {
        return states.consume(state, userAgent, onMismatch);
    }

    @Override
    public int cleanExpiredStates(Duration maxAge) {
        return states.clean(maxAge);
    }

    @Override
    public Optional<Duration> stateTtl() {
        return Optional.of(config.stateTtl());
    }

    // --- transfer ---------------------------------------------------------------------------

    @Override
    public Stream<Session> liveSessions() {
        long now = clock.millis();
        return rows("listing sessions", schema.sidColumn ? schema.liveSessionsSid : schema.liveSessions, now,
                r -> readable(r, now));
    }

    @Override
    public Stream<StateEntry> liveStates() {
        return rows("listing states", schema.liveStates, clock.millis() - config.stateTtl().toMillis(),
                states::readable);
    }

    /** Reads one row into a value. */
    private interface Row<T> {
        T read(ResultSet r) throws SQLException;
    }

    /** Every row of {@code query}, whose one parameter is {@code bound}, read into a list first (the connection goes back at once). */
    private <T> Stream<T> rows(String what, String query, long bound, Row<T> row) {
        List<T> all = calls.sql(what, c -> {
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
        Map<String, String> rows = new java.util.LinkedHashMap<>();
        rows.put("postgresql", config.where() + ", tables " + config.tablePrefix() + "sessions and "
                + config.tablePrefix() + "states (schema version " + Schema.VERSION + "), " + calls.active()
                + " of " + config.poolSize() + " connections in use");
        rows.put("subject limit", config.subjectLimit().describe());
        rows.put("idle timeout", config.idle().describe());
        return rows;
    }

    /** LISTEN/NOTIFY between the nodes, for the registry's near cache ({@link JdbcBroadcast}). */
    @Override
    public Optional<org.sessionstore.api.Broadcast> broadcast() {
        return Optional.of(new JdbcBroadcast(config, calls));
    }

    @Override
    public void close() {
        calls.close();
    }

    @Override
    public String toString() {
        return "JdbcSessionStore[" + config + "]";
    }
}
