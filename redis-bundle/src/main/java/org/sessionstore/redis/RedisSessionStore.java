package org.sessionstore.redis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.sessionstore.api.Ids;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.api.TransferableStore;


/**
 * The redis store. Layout: per session a hash {@code session_prefix+id} that Redis expires at the
 * session's end (capped by {@code ttl}); per state a string {@code state_prefix+state} that
 * expires after {@code state_ttl}; two sorted sets, named exactly {@code session_prefix} and
 * {@code state_prefix} (no id is empty, so they never collide with an entry), index sessions by
 * expiry and states by creation, so counting and cleaning never use KEYS or SCAN. Every write is
 * one Lua script, so it is atomic; a state is consumed by GETDEL in one step.
 *
 * <p>Failures: any connection problem fails the call with {@link StoreUnavailableException}
 * within about {@code timeout}. After a connection failure the idle connections are dropped and
 * the call is tried once more on a fresh one, so the first call after Redis comes back succeeds.
 */
final class RedisSessionStore implements SessionStore, TransferableStore {

    private static final System.Logger LOG = System.getLogger("org.sessionstore.redis");
    private static final System.Logger.Level WARNING = System.Logger.Level.WARNING;

    private final RedisConfig config;
    private final Clock clock;
    /** Key names: one server's layout, or the cluster's buckets. */
    private final Layout layout;
    /** How a call runs: within its deadline, on the primary of its key, batched or pooled, failures translated. */
    private final RedisCalls calls;
    private final RedisCleaner cleaner;
    static final UnreadableRecord OTHER_TYPE = new UnreadableRecord("it holds a value of another type than this"
            + " store writes there");
    private final UnreadableRecord.Log unreadables;
    /** A subject's and a sid's sessions: the indexes, the limit in a cluster, idle touches. */
    private final RedisPeople people;
    /** States: adding within their bounds, consuming. */
    private final RedisStates states;

    RedisSessionStore(RedisConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.layout = new Layout(config.sessionPrefix(), config.statePrefix(), config.mode() == RedisConfig.Mode.CLUSTER);
        this.calls = new RedisCalls(config);
        this.cleaner = new RedisCleaner(calls, layout);
        this.unreadables = new UnreadableRecord.Log(config.addr());
        this.people = new RedisPeople(config, clock, layout, calls, unreadables);
        this.states = new RedisStates(config, clock, layout, calls, unreadables);
        if (config.tls() && !config.tlsFiles().verifyHostname()) {
            LOG.log(WARNING, "redis at {0}: tls_verify_hostname=false, so any certificate the trusted CAs signed is"
                    + " accepted for this address, whatever host it names", config.addr());
        }
    }

    /** A record that cannot be read: reported once by its key, counted, and treated as absent. */
    private <T> Optional<T> unreadable(String key, UnreadableRecord why) {
        unreadables.report(key, why);
        return Optional.empty();
    }

    private String sessionKey(String id) {
        return layout.sessionKey(id);
    }

    private String stateKey(String state) {
        return layout.stateKey(state);
    }

    @Override
    public void addSession(Session session) {
        addSession(session, n -> { });
    }

    /**
     * One script writes the session, its index entry and (on one server) its subject's and sid's
     * entries, and enforces the per-subject limit in the same step. In a cluster the subject's and
     * the sid's sets lie in other slots: they are noted first (so a live session is always under
     * them), except with a limit, where the session is written first, the limit decided in the
     * subject's slot ({@link Script#LIMIT_SUBJECT}), the sessions it evicted removed where they lie,
     * and the new one removed again if it was refused or a racing add evicted it meanwhile.
     */
    @Override
    public void addSession(Session session, java.util.function.IntConsumer onEvicted) {
        Ids.requireNonNull(session, "session");
        Ids.requireNonNull(onEvicted, "onEvicted");
        long now = clock.millis();
        long expiresAt = session.expiresAt().toEpochMilli();
        String id = session.id();
        String key = sessionKey(id);
        String index = layout.sessionIndex(id);
        if (expiresAt <= now) {
            calls.redis("removing expired session", key, j -> Script.REMOVE_SESSION.run(j, List.of(key, index),
                    List.of(id, Long.toString(now))));
            return;
        }
        // the key lives until the session's end (capped by ttl), or with idle_timeout until its idle deadline
        long end = Math.min(expiresAt, now + config.ttl().toMillis());
        org.sessionstore.api.config.IdleTimeout idle = config.idle();
        long deadline = idle.deadline(now, end);
        long pttl = deadline - now;
        long setPttl = end - now;
        org.sessionstore.api.config.SubjectLimit limit = config.subjectLimit();
        boolean limited = limit.limits() && session.sub() != null;
        List<String> keys = new ArrayList<>(4);
        keys.add(key);
        keys.add(index);
        String flags = "";
        if (layout.cluster()) {
            List<String> noted = new ArrayList<>(2);
            if (session.sub() != null && !limited) {
                noted.add(layout.subjectKey(session.sub()));
            }
            if (session.sid() != null) {
                noted.add(layout.sidKey(session.sid()));
            }
            for (String set : noted) {
                calls.batchedScript("adding a session", Script.ADD_SUBJECT, List.of(set),
                        List.of(id, Long.toString(end), Long.toString(now), Long.toString(setPttl)));
            }
        } else {
            if (session.sub() != null) {
                keys.add(layout.subjectKey(session.sub()));
                flags += "s";
            }
            if (session.sid() != null) {
                keys.add(layout.sidKey(session.sid()));
                flags += "d";
            }
        }
        if (deadline < end) {
            flags += "i"; // the index score says the session ends idle, for cleaning to tell (Script.IDLE_MARK)
        }
        List<String> absent = new ArrayList<>(SessionHash.absent(session));
        if (!idle.on()) {
            absent.add("deadline");
            absent.add("cap");
        }
        List<String> args = new ArrayList<>(28);
        args.add(id);
        args.add(Long.toString(pttl));
        args.add(Long.toString(deadline));
        args.add(flags);
        args.add(Long.toString(limited && !layout.cluster() ? limit.max() : 0));
        args.add(limit.evictOldest() ? "e" : "r");
        args.add(session.sub() == null ? "" : session.sub());
        args.add(Long.toString(end));
        args.add(Integer.toString(absent.size()));
        args.addAll(absent);
        // the hash says the capped end (ttl): a reader (the near cache among them) sees when the key goes
        SessionHash.fields(end < expiresAt ? session.withExpiresAt(java.time.Instant.ofEpochMilli(end)) : session)
                .forEach((k, v) -> {
                    args.add(k);
                    args.add(v);
                });
        if (idle.on()) {
            args.add("deadline");
            args.add(Long.toString(deadline));
            args.add("cap");
            args.add(Long.toString(end));
        }
        Object r = calls.batchedScript("adding a session", Script.ADD_SESSION, keys, args);
        long evicted = r instanceof Long n ? n : 1;
        if (evicted < 0) {
            throw limit.refusal(session.sub());
        }
        evicted = Math.max(0, evicted - 1); // the script answers 1 + how many it evicted
        if (limited && layout.cluster()) {
            evicted = people.limitInCluster(session, now, setPttl, limit);
        }
        if (evicted > 0) {
            onEvicted.accept((int) evicted);
        }
    }

    @Override
    public Optional<Session> getSession(String id) {
        Ids.require(id, "session id");
        String key = sessionKey(id);
        Map<String, String> hash;
        try {
            hash = calls.batched("reading a session", key, p -> p.hgetAll(key));
        } catch (RedisFailures.WrongType e) {
            return unreadable(key, OTHER_TYPE);
        }
        if (hash.isEmpty()) {
            return Optional.empty();
        }
        Session s;
        long deadline;
        long end;
        try {
            s = SessionHash.session(id, hash);
            end = SessionHash.end(hash.get("cap"), s.expiresAt().toEpochMilli());
            deadline = SessionHash.deadline(hash.get("deadline"), end);
        } catch (UnreadableRecord e) {
            return unreadable(sessionKey(id), e);
        }
        long now = clock.millis();
        if (deadline <= now) {
            return Optional.empty();
        }
        people.touchIfDue(id, now, deadline, end, hash.get("cap"));
        return Optional.of(end < s.expiresAt().toEpochMilli() ? s.withExpiresAt(java.time.Instant.ofEpochMilli(end)) : s);
    }

    /**
     * UNLINK and ZREM, sent together, no script: Redis expires a session's key when it ends, so a
     * key that was there held a live session. The deletes of one batch share one ZREM.
     */
    @Override
    public boolean deleteSession(String id) {
        Ids.require(id, "session id");
        String key = sessionKey(id);
        String index = layout.sessionIndex(id);
        Long removed = calls.batched("deleting a session", key, p -> p.unlink(key), index, id, true);
        return removed != null && removed > 0;
    }

    /**
     * Reads the subject's set of session ids (those not yet expired) and removes each session whose
     * {@code sub} is still this subject, with its index entry, in one step per session (one
     * pipeline per primary; the script sent in full: Redis keeps it after the first, and the
     * README's ACL user needs no SCRIPT LOAD). The set is written before (in a cluster) or with (on
     * one server) each session, so every session of the subject added before this call is in it.
     * Entries of sessions deleted otherwise stay in the set until they expire (each add prunes
     * expired ones); they cost a check here.
     */
    @Override
    public int deleteSessionsBySubject(String sub) {
        return deleteSessionsBySubject(sub, null);
    }

    @Override
    public int deleteSessionsBySubject(String sub, String exceptId) {
        Ids.requireSubject(sub);
        if (exceptId != null) {
            Ids.require(exceptId, "session id");
        }
        return people.revokeIndexed(layout.subjectKey(sub), "sub", sub, exceptId);
    }

    @Override
    public int deleteSessionsBySid(String sid) {
        Ids.require(sid, "sid");
        return people.revokeIndexed(layout.sidKey(sid), "sid", sid, null);
    }

    /**
     * Removes what expired (through the index, in batches), then reconciles the index with the
     * keys: entries whose key is gone — evicted under {@code maxmemory}, or deleted outside the
     * store — are dropped, so {@link #getSessionCount()} is exact afterwards. The reconciliation
     * reads every index entry, in batches of {@value RedisCleaner#CLEAN_BATCH} (each a short script, so other
     * clients never wait long): about a second per million sessions. Removed orphans are not
     * counted as expired sessions.
     */
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

    /** Idle ends are told by their index scores ({@link Script#IDLE_MARK}). */
    @Override
    public int cleanExpired(java.util.function.IntConsumer idleEnded) {
        Ids.requireNonNull(idleEnded, "idleEnded");
        int[] idle = {0};
        int n = cleaner.cleanEachIndex(layout.sessionIndexes(), Script.CLEAN_SESSIONS, clock.millis(), "cleaning expired"
                + " sessions", "reconciling the session index", i -> idle[0] += i);
        if (idle[0] > 0) {
            idleEnded.accept(idle[0]);
        }
        return n;
    }




    @Override
    public Optional<String> getField(String id, String field) {
        Ids.require(id, "session id");
        Session.requireField(field);
        String key = sessionKey(id);
        List<String> values;
        try {
            values = calls.batched("reading a session field", key, p -> p.hmget(key, field, "expires_at", "v", "deadline",
                    "cap"));
        } catch (RedisFailures.WrongType e) {
            return unreadable(key, OTHER_TYPE);
        }
        if (values.get(1) == null && values.get(0) == null) {
            return Optional.empty();
        }
        long now = clock.millis();
        try {
            SessionHash.checkVersion(values.get(2));
            long expires = SessionHash.expiresAt(values.get(1));
            long end = SessionHash.end(values.get(4), expires);
            long deadline = SessionHash.deadline(values.get(3), end);
            if (deadline <= now) {
                return Optional.empty();
            }
            people.touchIfDue(id, now, deadline, end, values.get(4));
        } catch (UnreadableRecord e) {
            return unreadable(sessionKey(id), e);
        }
        return Optional.ofNullable(values.get(0));
    }

    @Override
    public long getSessionCount() {
        return cleaner.count("counting sessions", layout.sessionIndexes(), clock.millis());
    }

    /** The states created within state_ttl, through the state indexes (scored by creation). */
    @Override
    public long getStateCount() {
        return cleaner.count("counting states", layout.stateIndexes(), clock.millis() - config.stateTtl().toMillis());
    }

    @Override
    public boolean sessionExists(String id) {
        Ids.require(id, "session id");
        String key = sessionKey(id);
        List<String> values;
        try {
            values = calls.batched("checking a session", key, p -> p.hmget(key, "expires_at", "v", "deadline", "cap"));
        } catch (RedisFailures.WrongType e) {
            return unreadable(key, OTHER_TYPE).isPresent();
        }
        if (values.get(0) == null) {
            return false;
        }
        try {
            SessionHash.checkVersion(values.get(1));
            return SessionHash.deadline(values.get(2), SessionHash.end(values.get(3), SessionHash.expiresAt(values.get(0))))
                    > clock.millis();
        } catch (UnreadableRecord e) {
            return unreadable(sessionKey(id), e).isPresent();
        }
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl,
            String codeVerifier) {
        addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier, null);
    }

    /** See {@link RedisStates#add}. */
    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier,
            String client) {
        states.add(state, userAgent, requestUrl, upstreamUrl, codeVerifier, client);
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
        return states.clean(maxAge, cleaner);
    }

    @Override
    public long unreadableRecords() {
        return unreadables.count();
    }

    @Override
    public Optional<Duration> stateTtl() {
        return Optional.of(config.stateTtl());
    }

    static final int PAGE = 1_000;

    /**
     * Pages through each session index (live scores only), reading each page's hashes in one
     * pipeline per primary; an entry whose slot is being moved (or has moved) is read again on its
     * own where it is now: a resharding never hides a session from a listing.
     */
    @Override
    public Stream<Session> liveSessions() {
        long now = clock.millis();
        String from = "(" + now;
        return layout.sessionIndexes().stream().flatMap(index -> Stream.iterate(0, offset -> offset + PAGE)
                .map(offset -> {
                    List<String> ids = calls.redis("listing sessions", index, j -> j.zrangeByScore(index, from, "+inf",
                            offset, PAGE));
                    if (ids.isEmpty()) {
                        return null;
                    }
                    List<String> keys = ids.stream().map(id -> index + id).toList();
                    Map<String, Map<String, String>> hashes = calls.each("listing sessions", keys, PAGE,
                            (p, key) -> p.hgetAll(key), (j, key) -> j.hgetAll(key), false,
                            key -> unreadable(key, OTHER_TYPE));
                    List<Session> sessions = new ArrayList<>();
                    for (int i = 0; i < ids.size(); i++) {
                        Map<String, String> hash = hashes.get(keys.get(i));
                        if (hash != null && !hash.isEmpty()) {
                            try {
                                sessions.add(SessionHash.session(ids.get(i), hash));
                            } catch (UnreadableRecord e) {
                                unreadable(keys.get(i), e);
                            }
                        }
                    }
                    return sessions;
                })
                .takeWhile(page -> page != null)
                .flatMap(List::stream))
                .filter(s -> !s.isExpiredAt(Instant.ofEpochMilli(clock.millis())));
    }

    /** Each state index's live entries, their values read in one pipeline per primary (a moved one on its own). */
    @Override
    public Stream<StateEntry> liveStates() {
        String from = "(" + (clock.millis() - config.stateTtl().toMillis());
        List<StateEntry> all = new ArrayList<>();
        for (String index : layout.stateIndexes()) {
            List<String> states = calls.redis("listing states", index, j -> j.zrangeByScore(index, from, "+inf"));
            List<String> keys = states.stream().map(st -> index + st).toList();
            Map<String, String> values = keys.isEmpty() ? Map.of() : calls.each("listing states", keys, PAGE,
                    (p, key) -> p.get(key), (j, key) -> j.get(key), false, key -> unreadable(key, OTHER_TYPE));
            for (int i = 0; i < states.size(); i++) {
                String v = values.get(keys.get(i));
                if (v != null && !v.isEmpty()) {
                    try {
                        all.add(StateJson.read(states.get(i), v));
                    } catch (UnreadableRecord e) {
                        unreadable(keys.get(i), e);
                    }
                }
            }
        }
        return all.stream();
    }

    @Override
    public void importState(StateEntry entry) {
        states.importState(entry);
    }

    /** What the store is connected to now: the server, the primary the sentinels name, or the cluster's primaries. */
    @Override
    public Map<String, String> details() {
        Map<String, String> rows = new java.util.LinkedHashMap<>(calls.details());
        rows.put("subject limit", config.subjectLimit().describe());
        rows.put("idle timeout", config.idle().describe());
        return rows;
    }

    /** Its data lives in Redis, where an upgraded successor finds it: nothing to hand over. */
    @Override
    public boolean handOffOnUpgrade() {
        return false;
    }

    @Override
    public void close() {
        calls.close();
    }

    /** Pub/sub between the nodes, for the registry's near cache ({@link RedisBroadcast}). */
    @Override
    public Optional<org.sessionstore.api.Broadcast> broadcast() {
        return Optional.of(new RedisBroadcast(config, calls));
    }

    @Override
    public String toString() {
        return "RedisSessionStore[" + config + "]";
    }
}
