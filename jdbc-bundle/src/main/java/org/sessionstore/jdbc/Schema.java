package org.sessionstore.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The tables and the statements of the jdbc store, for a {@code table_prefix} P:
 *
 * <pre>
 * P schema_version (version integer)             -- the layout's version: 1
 * P sessions (id text primary key, username text, sub text, issued_at bigint, expires_at bigint,
 *             keep_until bigint, access_token text, id_token text, code_verifier text, sid text)
 *   index P sessions_keep_until (keep_until)     -- count, clean
 *   index P sessions_sub USING hash (sub)        -- revoke by subject, list, per-subject limit
 *   index P sessions_sid USING hash (sid)        -- revoke by sid (back-channel logout)
 * P states (state text primary key, created_at bigint, user_agent text, request_url text,
 *           upstream_url text, code_verifier text, client text)
 *   index P states_created_at (created_at)       -- clean
 *   index P states_client (client, created_at)   -- max_states_per_client
 * </pre>
 *
 * The {@code client} column of states, the {@code sid} column of sessions (API 1.6) and their
 * indexes are additions to layout 1, not a new layout: a store
 * of this code adds them in place to tables made before (one nullable column, under the same lock),
 * and a store of an older release goes on using the tables (it names its columns and never reads
 * this one). A database user not allowed to alter the tables (not their owner) keeps them as they
 * are: states are then not limited per client, sessions keep no sid (revoking by sid fails saying
 * so), and a warning says how to add the column.
 *
 * Instants are epoch milliseconds. {@code keep_until} is when the row stops counting: the
 * session's end, capped by {@code ttl}. The tables are created at start, inside a transaction that
 * holds an advisory lock of the prefix (two nodes starting at once do not race), and the version
 * is checked: a newer layout than this code knows is an error, never overwritten.
 */
final class Schema {

    /** The layout this code writes. */
    static final int VERSION = 1;

    /** The layout in the database is not one this code can use. */
    static final class SchemaException extends SQLException {
        private static final long serialVersionUID = 1L;

        SchemaException(String message) {
            super(message);
        }
    }

    private final String p;
    final String upsertSession;
    final String selectSession;
    final String existsSession;
    final String deleteSession;
    final String deleteSessionReturning;
    final String deleteBySubject;
    final String cleanSessions;
    final String liveSessions;
    final String upsertState;
    final String upsertClientState;
    final String consumeState;
    final String cleanStates;
    final String liveStates;
    // with the sid column (API 1.6); the statements above name no sid
    final String upsertSessionSid;
    final String selectSessionSid;
    final String liveSessionsSid;
    final String deleteBySid;
    final String deleteBySubjectExcept;
    final String sessionsOf;
    final String sessionsOfSid;
    /** The subject's live sessions, the ones that end first first, locked for the per-subject limit. */
    final String subjectSessionsForLimit;
    /** Subjects by prefix (LIKE, escaped with '!'): a walk of the table, for completion and search only. */
    final String subjects;

    Schema(String prefix) {
        this.p = prefix;
        String sessions = p + "sessions";
        String states = p + "states";
        String columns = "id, username, sub, issued_at, expires_at, keep_until, access_token, id_token, code_verifier";
        upsertSession = "INSERT INTO " + sessions + " (id, username, sub, issued_at, expires_at, keep_until, access_token,"
                + " id_token, code_verifier) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                + " username = EXCLUDED.username, sub = EXCLUDED.sub, issued_at = EXCLUDED.issued_at,"
                + " expires_at = EXCLUDED.expires_at, keep_until = EXCLUDED.keep_until,"
                + " access_token = EXCLUDED.access_token, id_token = EXCLUDED.id_token,"
                + " code_verifier = EXCLUDED.code_verifier";
        selectSession = "SELECT " + columns + " FROM " + sessions + " WHERE id = ? AND keep_until > ?";
        existsSession = "SELECT id, expires_at, keep_until FROM " + sessions + " WHERE id = ? AND keep_until > ?";
        deleteSession = "DELETE FROM " + sessions + " WHERE id = ?";
        deleteSessionReturning = "DELETE FROM " + sessions + " WHERE id = ? RETURNING keep_until";
        deleteBySubject = "WITH gone AS (DELETE FROM " + sessions + " WHERE sub = ? RETURNING keep_until)"
                + " SELECT count(*) FROM gone WHERE keep_until > ?";
        // an idle end: an odd keep_until (JdbcPeople.marked)
        cleanSessions = "WITH gone AS (DELETE FROM " + sessions + " WHERE keep_until <= ? RETURNING keep_until)"
                + " SELECT count(*), count(*) FILTER (WHERE keep_until % 2 <> 0) FROM gone";
        liveSessions = "SELECT " + columns + " FROM " + sessions + " WHERE keep_until > ?";
        upsertState = "INSERT INTO " + states + " (state, created_at, user_agent, request_url, upstream_url, code_verifier)"
                + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (state) DO UPDATE SET created_at = EXCLUDED.created_at,"
                + " user_agent = EXCLUDED.user_agent, request_url = EXCLUDED.request_url,"
                + " upstream_url = EXCLUDED.upstream_url, code_verifier = EXCLUDED.code_verifier";
        // the new state, then the client's states beyond the newest (limit - 1) that were there before
        // it (one statement: its DELETE sees the table as it was before the INSERT), so the client keeps
        // at most its limit, the oldest going first
        upsertClientState = "WITH added AS (INSERT INTO " + states + " (state, created_at, user_agent, request_url,"
                + " upstream_url, code_verifier, client) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (state) DO UPDATE SET"
                + " created_at = EXCLUDED.created_at, user_agent = EXCLUDED.user_agent, request_url = EXCLUDED.request_url,"
                + " upstream_url = EXCLUDED.upstream_url, code_verifier = EXCLUDED.code_verifier, client = EXCLUDED.client"
                + " RETURNING state) DELETE FROM " + states + " WHERE state IN (SELECT state FROM " + states
                + " WHERE client = ? AND state NOT IN (SELECT state FROM added) ORDER BY created_at DESC, state DESC"
                + " OFFSET ?)";
        consumeState = "DELETE FROM " + states + " WHERE state = ? RETURNING state, created_at, user_agent, request_url,"
                + " upstream_url, code_verifier";
        cleanStates = "DELETE FROM " + states + " WHERE created_at < ?";
        liveStates = "SELECT state, created_at, user_agent, request_url, upstream_url, code_verifier FROM " + states
                + " WHERE created_at > ?";
        upsertSessionSid = "INSERT INTO " + sessions + " (id, username, sub, issued_at, expires_at, keep_until,"
                + " access_token, id_token, code_verifier, sid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO"
                + " UPDATE SET username = EXCLUDED.username, sub = EXCLUDED.sub, issued_at = EXCLUDED.issued_at,"
                + " expires_at = EXCLUDED.expires_at, keep_until = EXCLUDED.keep_until,"
                + " access_token = EXCLUDED.access_token, id_token = EXCLUDED.id_token,"
                + " code_verifier = EXCLUDED.code_verifier, sid = EXCLUDED.sid";
        selectSessionSid = "SELECT " + columns + ", sid FROM " + sessions + " WHERE id = ? AND keep_until > ?";
        liveSessionsSid = "SELECT " + columns + ", sid FROM " + sessions + " WHERE keep_until > ?";
        deleteBySid = "WITH gone AS (DELETE FROM " + sessions + " WHERE sid = ? RETURNING keep_until)"
                + " SELECT count(*) FROM gone WHERE keep_until > ?";
        deleteBySubjectExcept = "WITH gone AS (DELETE FROM " + sessions + " WHERE sub = ? AND id <> ? RETURNING keep_until)"
                + " SELECT count(*) FROM gone WHERE keep_until > ?";
        String page = " FROM " + sessions + " WHERE sub = ? AND keep_until > ? ORDER BY issued_at DESC NULLS LAST, id"
                + " LIMIT ? OFFSET ?";
        sessionsOf = "SELECT id, issued_at, expires_at, keep_until, NULL AS sid" + page;
        sessionsOfSid = "SELECT id, issued_at, expires_at, keep_until, sid" + page;
        subjectSessionsForLimit = "SELECT id FROM " + sessions + " WHERE sub = ? AND keep_until > ? AND id <> ?"
                + " ORDER BY expires_at, id";
        subjects = "SELECT sub FROM " + sessions + " WHERE sub LIKE ? ESCAPE '!' AND keep_until > ? GROUP BY sub"
                + " ORDER BY sub COLLATE \"C\""
                + " LIMIT ?";
    }

    /** Moves an idle deadline, only when it moves by touch_after or more (racing reads write once). */
    String touchSession() {
        return "UPDATE " + p + "sessions SET keep_until = ? WHERE id = ? AND expires_at = ? AND keep_until > ?"
                + " AND keep_until <= ?";
    }

    /** The advisory lock key of a subject's per-subject limit (in this prefix's tables). */
    long subjectLockKey(String sub) {
        return ((long) ("sessionstore:" + p).hashCode() << 32) ^ (sub.hashCode() & 0xffffffffL);
    }

    /** The count of live sessions, with {@code now} inlined (a number the store computed, never input). */
    String countSessions(long now) {
        return "SELECT count(*) FROM " + p + "sessions WHERE keep_until > " + now;
    }

    /** The count of states created after {@code after} (a number the store computed), through their creation index. */
    String countStates(long after) {
        return "SELECT count(*) FROM " + p + "states WHERE created_at > " + after;
    }

    /** Creates the tables, or checks that those there are of a layout this code knows. */
    void ensure(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            // one node at a time, per prefix (the lock ends with the transaction)
            s.execute("SELECT pg_advisory_xact_lock(" + lockKey() + ")");
            // created only when missing: a user who may only read and write the rows of existing tables starts too
            if (!exists(s, p + "schema_version")) {
                s.execute("CREATE TABLE " + p + "schema_version (version integer NOT NULL)");
            }
            int found = 0;
            try (ResultSet r = s.executeQuery("SELECT coalesce(max(version), 0) FROM " + p + "schema_version")) {
                if (r.next()) {
                    found = r.getInt(1);
                }
            }
            if (found > VERSION) {
                throw new SchemaException("the tables " + p + "* are of layout version " + found + ", newer than the "
                        + VERSION + " this jdbc backend knows (written by a newer release); upgrade the jdbc backend,"
                        + " or use another table_prefix. Nothing was changed.");
            }
            if (found < 1) {
                s.execute("CREATE TABLE IF NOT EXISTS " + p + "sessions (id text PRIMARY KEY, username text,"
                        + " sub text, issued_at bigint, expires_at bigint NOT NULL, keep_until bigint NOT NULL,"
                        + " access_token text, id_token text, code_verifier text)");
                s.execute("CREATE INDEX IF NOT EXISTS " + p + "sessions_keep_until ON " + p + "sessions (keep_until)");
                // a hash index: revoke only asks for equality, and a subject of any length fits (a
                // b-tree entry is limited to about 2.7 KB)
                s.execute("CREATE INDEX IF NOT EXISTS " + p + "sessions_sub ON " + p + "sessions USING hash (sub)");
                s.execute("CREATE TABLE IF NOT EXISTS " + p + "states (state text PRIMARY KEY, created_at bigint NOT NULL,"
                        + " user_agent text NOT NULL, request_url text, upstream_url text, code_verifier text)");
                s.execute("CREATE INDEX IF NOT EXISTS " + p + "states_created_at ON " + p + "states (created_at)");
                s.execute("INSERT INTO " + p + "schema_version (version) VALUES (" + VERSION + ")");
            }
            // a later layout adds its steps here: if (found < 2) { … ; UPDATE … SET version = 2 }
            clientColumn = addClientColumn(c, s);
            sidColumn = addSidColumn(c, s);
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private static boolean exists(Statement s, String table) throws SQLException {
        try (ResultSet r = s.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
            return r.next() && r.getBoolean(1);
        }
    }

    /** Whether the states table has its {@code client} column (added in place when it is missing and allowed). */
    volatile boolean clientColumn;
    /** Why it has none, for a warning, or null. */
    volatile String noClientColumn;

    private boolean addClientColumn(Connection c, Statement s) throws SQLException {
        boolean has;
        try (ResultSet r = s.executeQuery("SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('" + p + "states')"
                + " AND attname = 'client' AND NOT attisdropped")) {
            has = r.next();
        }
        java.sql.Savepoint before = c.setSavepoint();
        try {
            if (!has) {
                s.execute("ALTER TABLE " + p + "states ADD COLUMN client text");
            }
            if (!exists(s, p + "states_client")) {
                s.execute("CREATE INDEX " + p + "states_client ON " + p + "states (client, created_at)");
            }
            c.releaseSavepoint(before);
            noClientColumn = null;
            return true;
        } catch (SQLException e) {
            c.rollback(before);
            noClientColumn = "the table " + p + "states has no column client and this user may not add it (" + e.getSQLState()
                    + "); states are not limited per client (max_states_per_client) until its owner runs: ALTER TABLE " + p
                    + "states ADD COLUMN client text; CREATE INDEX " + p + "states_client ON " + p
                    + "states (client, created_at)";
            return has;
        }
    }

    /** Whether the sessions table has its {@code sid} column (added in place when it is missing and allowed). */
    volatile boolean sidColumn;
    /** Why it has none, for a warning, or null. */
    volatile String noSidColumn;

    private boolean addSidColumn(Connection c, Statement s) throws SQLException {
        boolean has;
        try (ResultSet r = s.executeQuery("SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('" + p + "sessions')"
                + " AND attname = 'sid' AND NOT attisdropped")) {
            has = r.next();
        }
        java.sql.Savepoint before = c.setSavepoint();
        try {
            if (!has) {
                s.execute("ALTER TABLE " + p + "sessions ADD COLUMN sid text");
            }
            if (!exists(s, p + "sessions_sid")) {
                s.execute("CREATE INDEX " + p + "sessions_sid ON " + p + "sessions USING hash (sid)");
            }
            c.releaseSavepoint(before);
            noSidColumn = null;
            return true;
        } catch (SQLException e) {
            c.rollback(before);
            noSidColumn = "the table " + p + "sessions has no column sid and this user may not add it (" + e.getSQLState()
                    + "); sessions keep no sid and cannot be revoked by sid until its owner runs: ALTER TABLE " + p
                    + "sessions ADD COLUMN sid text; CREATE INDEX " + p + "sessions_sid ON " + p + "sessions USING hash (sid)";
            return has;
        }
    }

    private long lockKey() {
        return ("sessionstore:" + p).hashCode() & 0xffffffffL;
    }
}
