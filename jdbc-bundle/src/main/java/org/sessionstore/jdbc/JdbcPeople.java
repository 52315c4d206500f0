package org.sessionstore.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.sessionstore.api.Ids;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;

/**
 * People's sessions in PostgreSQL (API 1.6): revoking by subject (but one) and by sid, a subject's
 * page of sessions, the per-subject limit (one transaction under an advisory lock of the subject),
 * and the touches of {@code idle_timeout} (a guarded UPDATE of {@code keep_until}).
 */
final class JdbcPeople {

    /** Writes a session's row within the caller's transaction. */
    interface Upsert {
        void run(Connection c, Session session, long expires, long keepUntil) throws SQLException;
    }

    private final JdbcConfig config;
    private final Clock clock;
    private final Schema schema;
    private final JdbcCalls calls;
    private final Upsert upsert;
    /** Reports a row whose id is not a valid session id (once, by its id). */
    private final java.util.function.Consumer<String> unreadable;

    JdbcPeople(JdbcConfig config, Clock clock, Schema schema, JdbcCalls calls, Upsert upsert,
            java.util.function.Consumer<String> unreadable) {
        this.config = config;
        this.clock = clock;
        this.schema = schema;
        this.calls = calls;
        this.upsert = upsert;
        this.unreadable = unreadable;
    }

    /**
     * Adds a session of a subject under its limit: -1 if refused (nothing written), else how many
     * of the subject's sessions went to make room.
     */
    int addLimited(Session session, long now, long expires, long keepUntil, org.sessionstore.api.config.SubjectLimit limit) {
        return calls.sql("adding a session", c -> {
            boolean auto = c.getAutoCommit();
            int isolation = c.getTransactionIsolation();
            c.setAutoCommit(false);
            // the lock orders adders of the subject; each must then read what the one before committed
            // (review: under a default of REPEATABLE READ the limit let 8 of 8 through)
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            try {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                    lock.setLong(1, schema.subjectLockKey(session.sub()));
                    lock.execute();
                }
                List<String> others = new ArrayList<>();
                try (PreparedStatement p = c.prepareStatement(schema.subjectSessionsForLimit)) {
                    p.setString(1, session.sub());
                    p.setLong(2, now);
                    p.setString(3, session.id());
                    try (ResultSet r = p.executeQuery()) {
                        while (r.next()) {
                            others.add(r.getString(1));
                        }
                    }
                }
                int over = (int) Math.max(0, others.size() + 1 - limit.max());
                if (over > 0 && !limit.evictOldest()) {
                    c.rollback();
                    return -1;
                }
                if (over > 0) {
                    try (PreparedStatement p = c.prepareStatement(schema.deleteSession)) {
                        for (String gone : others.subList(0, over)) {
                            p.setString(1, gone);
                            p.addBatch();
                        }
                        p.executeBatch();
                    }
                }
                upsert.run(c, session, expires, keepUntil);
                c.commit();
                return over;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
                c.setTransactionIsolation(isolation);
            }
        });
    }

    /**
     * A read of a live session under {@code idle_timeout}: when its deadline ({@code keep_until})
     * would move by at least {@code touch_after}, one UPDATE moves it, which checks that again, so
     * reads racing on several nodes write once.
     */
    /**
     * How a row says it ends idle, for cleaning to tell (EXPIRED's reason) with no column of its own:
     * a row's end is written even ({@link #even}: at most 1 ms early) and an idle deadline before it
     * odd ({@link #marked}: at most 1 ms early), so an odd {@code keep_until} is an idle end. Rows
     * written before this rule have either parity: until they end (within ttl) about half of their
     * endings are told as idle.
     */
    static long even(long end) {
        return end & ~1L;
    }

    /** The {@code keep_until} of a deadline: odd if it lies before the (even) end, else the end. */
    static long marked(long deadline, long end) {
        return deadline < end ? (deadline - 1) | 1L : end;
    }

    void touchIfDue(java.sql.Connection c, Session s, long now, long keepUntil) throws SQLException {
        org.sessionstore.api.config.IdleTimeout idle = config.idle();
        long expires = s.expiresAt().toEpochMilli();
        // ttl caps a touched row too, counted from the session's issue (the add's time is not kept)
        long end = even(s.issuedAt() == null ? expires : Math.min(expires, s.issuedAt().toEpochMilli() + config.ttl().toMillis()));
        if (!idle.due(now, keepUntil, end)) {
            return;
        }
        long next = idle.deadline(now, end);
        try (PreparedStatement p = c.prepareStatement(schema.touchSession())) {
            p.setLong(1, marked(next, end));
            p.setString(2, s.id());
            p.setLong(3, expires); // the row read: one added again meanwhile is left as that add wrote it
            p.setLong(4, now);
            p.setLong(5, next - idle.leastMove(next, end));
            p.executeUpdate();
        }
    }

    int deleteBySubject(String sub, String exceptId) {
        Ids.requireSubject(sub);
        if (exceptId != null) {
            Ids.require(exceptId, "session id");
        }
        long now = clock.millis();
        return calls.sql("revoking the sessions of a subject", c -> {
            try (PreparedStatement p = c.prepareStatement(exceptId == null ? schema.deleteBySubject
                    : schema.deleteBySubjectExcept)) {
                int i = 1;
                p.setString(i++, sub);
                if (exceptId != null) {
                    p.setString(i++, exceptId);
                }
                p.setLong(i, now);
                try (ResultSet r = p.executeQuery()) {
                    r.next();
                    return r.getInt(1);
                }
            }
        });
    }

    int deleteBySid(String sid) {
        Ids.require(sid, "sid");
        long now = clock.millis();
        return calls.sql("revoking the sessions of a sid", c -> {
            if (!schema.sidColumn) {
                throw new org.sessionstore.api.StoreException(schema.noSidColumn);
            }
            try (PreparedStatement p = c.prepareStatement(schema.deleteBySid)) {
                p.setString(1, sid);
                p.setLong(2, now);
                try (ResultSet r = p.executeQuery()) {
                    r.next();
                    return r.getInt(1);
                }
            }
        });
    }

    List<org.sessionstore.api.SessionInfo> sessionsOf(String sub, int offset, int limit) {
        SessionStore.checkPage(sub, offset, limit);
        long now = clock.millis();
        return calls.sql("listing the sessions of a subject", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.sidColumn ? schema.sessionsOfSid : schema.sessionsOf)) {
                p.setString(1, sub);
                p.setLong(2, now);
                p.setInt(3, limit);
                p.setInt(4, offset);
                List<org.sessionstore.api.SessionInfo> out = new ArrayList<>();
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        long issued = r.getLong("issued_at");
                        Instant issuedAt = r.wasNull() ? null : Instant.ofEpochMilli(issued);
                        try {
                            long expires = r.getLong("expires_at");
                            out.add(new org.sessionstore.api.SessionInfo(r.getString("id"), issuedAt,
                                    Instant.ofEpochMilli(expires), config.idle().lastSeen(r.getLong("keep_until"), expires),
                                    r.getString("sid")));
                        } catch (IllegalArgumentException e) {
                            unreadable.accept(r.getString("id"));
                        }
                    }
                }
                return out;
            }
        });
    }

    List<String> subjects(String prefix, int limit) {
        SessionStore.checkSubjects(prefix, limit);
        if (prefix.indexOf('\u0000') >= 0) {
            return List.of(); // PostgreSQL's text holds no NUL: no subject starts with one
        }
        long now = clock.millis();
        String like = prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
        return calls.sql("listing subjects", c -> {
            try (PreparedStatement p = c.prepareStatement(schema.subjects)) {
                p.setString(1, like);
                p.setLong(2, now);
                p.setInt(3, limit);
                List<String> out = new ArrayList<>();
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        out.add(r.getString(1));
                    }
                }
                return out;
            }
        });
    }
}
