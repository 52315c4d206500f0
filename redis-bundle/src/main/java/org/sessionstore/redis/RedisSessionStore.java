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
    private static final UnreadableRecord OTHER_TYPE = new UnreadableRecord("it holds a value of another type than this"
            + " store writes there");
    private final UnreadableRecord.Log unreadables;

    RedisSessionStore(RedisConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.layout = new Layout(config.sessionPrefix(), config.statePrefix(), config.mode() == RedisConfig.Mode.CLUSTER);
        this.calls = new RedisCalls(config);
        this.cleaner = new RedisCleaner(calls, layout);
        this.unreadables = new UnreadableRecord.Log(config.addr());
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
        addSession(session, NO_EVICTION);
    }

    private static final java.util.function.IntConsumer NO_EVICTION = n -> { };

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
        List<String> absent = new ArrayList<>(SessionHash.absent(session));
        if (!idle.on()) {
            absent.add("deadline");
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
        SessionHash.fields(session).forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        if (idle.on()) {
            args.add("deadline");
            args.add(Long.toString(deadline));
        }
        Object r = calls.batchedScript("adding a session", Script.ADD_SESSION, keys, args);
        long evicted = r instanceof Long n ? n : 1;
        if (evicted < 0) {
            throw limit.refusal(session.sub());
        }
        evicted = Math.max(0, evicted - 1); // the script answers 1 + how many it evicted
        if (limited && layout.cluster()) {
            evicted = limitInCluster(session, now, setPttl, limit);
        }
        if (evicted > 0) {
            onEvicted.accept((int) evicted);
        }
    }

    /** The per-subject limit of a cluster, after the session was written; returns how many it evicted. */
    private long limitInCluster(Session session, long now, long pttl, org.sessionstore.api.config.SubjectLimit limit) {
        String id = session.id();
        String subject = layout.subjectKey(session.sub());
        Object r = calls.batchedScript("limiting a subject's sessions", Script.LIMIT_SUBJECT, List.of(subject),
                List.of(id, Long.toString(now + pttl), Long.toString(now), Long.toString(pttl), Long.toString(limit.max()),
                        limit.evictOldest() ? "e" : "r"));
        if (r instanceof Long n && n < 0) {
            removeSession(id, now);
            throw limit.refusal(session.sub());
        }
        List<String> out = strings(r);
        for (String gone : out) {
            removeSession(gone, now);
        }
        // a racing add of the subject may have evicted this one between its write and now
        Double still = calls.redis("checking a subject's sessions", subject, j -> j.zscore(subject, id));
        if (still == null) {
            removeSession(id, now);
        }
        return out.size();
    }

    private void removeSession(String id, long now) {
        String key = sessionKey(id);
        String index = layout.sessionIndex(id);
        calls.redis("removing a session", key, j -> Script.REMOVE_SESSION.run(j, List.of(key, index),
                List.of(id, Long.toString(now))));
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
        try {
            s = SessionHash.session(id, hash);
            deadline = SessionHash.deadline(hash.get("deadline"), s.expiresAt().toEpochMilli());
        } catch (UnreadableRecord e) {
            return unreadable(sessionKey(id), e);
        }
        long now = clock.millis();
        if (deadline <= now) {
            return Optional.empty();
        }
        touchIfDue(id, now, deadline, s.expiresAt().toEpochMilli(), hash.containsKey("deadline"));
        return Optional.of(s);
    }

    /**
     * A read of a live session under {@code idle_timeout}: when its deadline would move by at least
     * {@code touch_after}, one script moves it (and checks that again on the server, so reads racing
     * on several nodes write once).
     */
    private void touchIfDue(String id, long now, long deadline, long expiresAt, boolean tracked) {
        org.sessionstore.api.config.IdleTimeout idle = config.idle();
        if (!tracked || !idle.due(now, deadline, expiresAt)) {
            return;
        }
        long next = idle.deadline(now, expiresAt);
        calls.batchedScript("touching a session", Script.TOUCH_SESSION, List.of(sessionKey(id), layout.sessionIndex(id)),
                List.of(id, Long.toString(next), Long.toString(next - now), Long.toString(idle.leastMove(next, expiresAt))));
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
        return revokeIndexed(layout.subjectKey(sub), "sub", sub, exceptId);
    }

    @Override
    public int deleteSessionsBySid(String sid) {
        Ids.require(sid, "sid");
        return revokeIndexed(layout.sidKey(sid), "sid", sid, null);
    }

    /**
     * Reads an index set's ids (those not yet expired) and removes each session whose {@code field}
     * is still {@code value}, with its index entry, in one step per session (one pipeline per
     * primary; the script sent in full: Redis keeps it after the first, and the README's ACL user
     * needs no SCRIPT LOAD); then drops the removed ids from the set. The set is written before (in
     * a cluster) or with (on one server) each session, so every session added before this call is
     * in it. Entries of sessions deleted otherwise stay in the set until they expire (each add
     * prunes expired ones); they cost a check here.
     */
    private int revokeIndexed(String set, String field, String value, String exceptId) {
        long now = clock.millis();
        List<String> ids = calls.redis("reading the sessions of a " + field, set, j -> j.zrangeByScore(set, "(" + now, "+inf"));
        Map<String, String> idOfKey = new java.util.HashMap<>();
        for (String id : ids) {
            if (!id.equals(exceptId)) {
                idOfKey.put(sessionKey(id), id);
            }
        }
        if (idOfKey.isEmpty()) {
            return 0;
        }
        Map<String, Object> done = calls.each("revoking sessions", new ArrayList<>(idOfKey.keySet()), PAGE,
                (p, key) -> p.eval(Script.REVOKE_SESSION.text(), revokeKeys(key, idOfKey), List.of(idOfKey.get(key), field,
                        value)),
                (j, key) -> Script.REVOKE_SESSION.run(j, revokeKeys(key, idOfKey), List.of(idOfKey.get(key), field, value)),
                true, key -> { });
        String[] gone = idOfKey.values().toArray(String[]::new);
        calls.redis("dropping revoked sessions from their " + field + "'s set", set, j -> j.zrem(set, gone));
        return (int) done.values().stream().filter(r -> r instanceof Long n && n > 0).count();
    }

    /**
     * Reads the subject's set (the ids not yet expired), then each session's metadata fields (one
     * pipeline per primary); keeps those still of this subject and live, newest first.
     */
    @Override
    public List<org.sessionstore.api.SessionInfo> sessionsOf(String sub, int offset, int limit) {
        SessionStore.checkPage(sub, offset, limit);
        String subject = layout.subjectKey(sub);
        long now = clock.millis();
        List<String> ids = calls.redis("reading the sessions of a subject", subject,
                j -> j.zrangeByScore(subject, "(" + now, "+inf"));
        Map<String, String> idOfKey = new java.util.HashMap<>();
        for (String id : ids) {
            idOfKey.put(sessionKey(id), id);
        }
        Map<String, List<String>> fields = calls.each("listing a subject's sessions", new ArrayList<>(idOfKey.keySet()), PAGE,
                (p, key) -> p.hmget(key, "sub", "issued_at", "expires_at", "sid", "v", "deadline"),
                (j, key) -> j.hmget(key, "sub", "issued_at", "expires_at", "sid", "v", "deadline"), false, key -> { });
        List<org.sessionstore.api.SessionInfo> all = new ArrayList<>();
        fields.forEach((key, f) -> {
            if (f == null || !sub.equals(f.get(0)) || f.get(2) == null) {
                return;
            }
            try {
                SessionHash.checkVersion(f.get(4));
                long expires = SessionHash.expiresAt(f.get(2));
                long deadline = SessionHash.deadline(f.get(5), expires);
                if (deadline <= now) {
                    return;
                }
                Instant issued = f.get(1) == null ? null : Instant.ofEpochMilli(Long.parseLong(f.get(1)));
                all.add(new org.sessionstore.api.SessionInfo(idOfKey.get(key), issued, Instant.ofEpochMilli(expires),
                        f.get(5) == null ? null : config.idle().lastSeen(deadline, expires), f.get(3)));
            } catch (UnreadableRecord | IllegalArgumentException e) {
                unreadables.report(key, e instanceof UnreadableRecord u ? u : new UnreadableRecord("its fields are not a session's"));
            }
        });
        all.sort(org.sessionstore.api.SessionInfo.NEWEST_FIRST);
        return offset >= all.size() ? List.of() : List.copyOf(all.subList(offset, Math.min(all.size(), offset + limit)));
    }

    private List<String> revokeKeys(String key, Map<String, String> idOfKey) {
        return List.of(key, layout.sessionIndex(idOfKey.get(key)));
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
    public int cleanExpired() {
        return cleaner.cleanEachIndex(layout.sessionIndexes(), Script.CLEAN_SESSIONS, clock.millis(), "cleaning expired sessions",
                "reconciling the session index");
    }




    @Override
    public Optional<String> getField(String id, String field) {
        Ids.require(id, "session id");
        Session.requireField(field);
        String key = sessionKey(id);
        List<String> values;
        try {
            values = calls.batched("reading a session field", key, p -> p.hmget(key, field, "expires_at", "v", "deadline"));
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
            long deadline = SessionHash.deadline(values.get(3), expires);
            if (deadline <= now) {
                return Optional.empty();
            }
            touchIfDue(id, now, deadline, expires, values.get(3) != null);
        } catch (UnreadableRecord e) {
            return unreadable(sessionKey(id), e);
        }
        return Optional.ofNullable(values.get(0));
    }

    @Override
    public long getSessionCount() {
        String from = "(" + clock.millis();
        if (!layout.cluster()) {
            String index = config.sessionIndexKey();
            return calls.batched("counting sessions", index, p -> p.zcount(index, from, "+inf"));
        }
        // one pipeline of ZCOUNTs per primary, over the buckets it holds: O(shards × log n)
        return calls.each("counting sessions", layout.sessionIndexes(), Layout.CLUSTER_BUCKETS,
                (p, index) -> p.zcount(index, from, "+inf"), (j, index) -> j.zcount(index, from, "+inf"), false,
                index -> { }).values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public boolean sessionExists(String id) {
        Ids.require(id, "session id");
        String key = sessionKey(id);
        List<String> values;
        try {
            values = calls.batched("checking a session", key, p -> p.hmget(key, "expires_at", "v", "deadline"));
        } catch (RedisFailures.WrongType e) {
            return unreadable(key, OTHER_TYPE).isPresent();
        }
        if (values.get(0) == null) {
            return false;
        }
        try {
            SessionHash.checkVersion(values.get(1));
            return SessionHash.deadline(values.get(2), SessionHash.expiresAt(values.get(0))) > clock.millis();
        } catch (UnreadableRecord e) {
            return unreadable(sessionKey(id), e).isPresent();
        }
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl,
            String codeVerifier) {
        addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier, null);
    }

    /**
     * One script writes the state and its index entry, drops what expired, and keeps the index at
     * {@code max_states} (in a cluster, each bucket at its share) and the client's own set at
     * {@code max_states_per_client}, the oldest going first: a flood of states never grows memory
     * beyond those bounds, so it cannot push sessions out under any eviction policy. In a cluster
     * the client's set lies in another slot: it is written in a step of its own, which returns the
     * states it pushed out, and those are removed where they lie.
     */
    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier,
            String client) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        if (client != null) {
            Ids.require(client, "client");
        }
        long now = clock.millis();
        boolean perClient = client != null && config.maxStatesPerClient() > 0;
        String value = StateJson.write(new StateEntry(state, Instant.ofEpochMilli(now), userAgent, requestUrl,
                upstreamUrl, codeVerifier), perClient ? client : null);
        String index = layout.stateIndex(state);
        List<String> keys = perClient && !layout.cluster() ? List.of(stateKey(state), index, layout.clientKey(client))
                : List.of(stateKey(state), index);
        long pttl = config.stateTtl().toMillis();
        List<String> args = List.of(state, value, Long.toString(pttl), Long.toString(now), Long.toString(stateCap()),
                Long.toString(config.maxStatesPerClient()), index, layout.cluster() ? "" : layout.clientPrefix());
        Object pushedOut = calls.batchedScript("adding a state", Script.ADD_STATE, keys, args);
        if (layout.cluster()) {
            // states the index's bound pushed out: their entries in their clients' sets (other slots) go too
            List<String> pairs = strings(pushedOut);
            for (int i = 0; i + 1 < pairs.size(); i += 2) {
                String clientKey = layout.clientKey(pairs.get(i));
                String old = pairs.get(i + 1);
                calls.redis("dropping a state's client entry", clientKey, j -> j.zrem(clientKey, old));
            }
            if (perClient) {
                Object out = calls.batchedScript("adding a state", Script.ADD_CLIENT_STATE, List.of(layout.clientKey(client)),
                        List.of(state, Long.toString(now), Long.toString(pttl), Long.toString(config.maxStatesPerClient())));
                for (String old : strings(out)) {
                    String oldKey = stateKey(old);
                    calls.batched("dropping a client's oldest state", oldKey, p -> p.unlink(oldKey), layout.stateIndex(old), old,
                            true);
                }
            }
        }
    }

    /** The most states an index keeps: max_states, or in a cluster each bucket's share. */
    private long stateCap() {
        return layout.cluster() ? (config.maxStates() + Layout.CLUSTER_BUCKETS - 1) / Layout.CLUSTER_BUCKETS
                : config.maxStates();
    }

    private static List<String> strings(Object reply) {
        List<String> out = new ArrayList<>();
        if (reply instanceof List<?> list) {
            for (Object o : list) {
                out.add(o instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(o));
            }
        }
        return out;
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
        // GETDEL alone is the one step that decides who gets the state; the ZREM beside it only tidies the index
        // with min_replicas_ack, the consumption itself is confirmed by replicas before the state is
        // handed out: a primary that fails right after cannot be replaced by one that still has it
        String key = stateKey(state);
        String index = layout.stateIndex(state);
        String raw;
        try {
            raw = calls.batched("consuming a state", key, p -> p.getDel(key), index, state, true);
        } catch (RedisFailures.WrongType e) {
            return unreadable(key, OTHER_TYPE);
        }
        if (raw == null) {
            return Optional.empty();
        }
        String client = config.maxStatesPerClient() > 0 ? StateJson.client(raw) : null;
        if (client != null) {
            // its entry in its client's set goes with it, so the sets hold no more than the pending states
            String clientKey = layout.clientKey(client);
            calls.batched("consuming a state", clientKey, p -> p.zrem(clientKey, state));
        }
        StateEntry e;
        try {
            e = StateJson.read(state, raw);
        } catch (UnreadableRecord bad) {
            return unreadable(stateKey(state), bad); // consumed all the same: a state gets one try
        }
        if (e.createdAt().plus(config.stateTtl()).toEpochMilli() <= clock.millis()) {
            return Optional.empty(); // too old: consumed all the same
        }
        if (!e.userAgent().equals(userAgent)) {
            onMismatch.run();
            return Optional.empty();
        }
        return Optional.of(e);
    }

    @Override
    public int cleanExpiredStates(Duration maxAge) {
        Ids.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative: " + maxAge);
        }
        // older than maxAge, and in any case past state_ttl
        long age = Math.min(maxAge.toMillis(), config.stateTtl().toMillis());
        return cleaner.cleanEachIndex(layout.stateIndexes(), Script.CLEAN_STATES, clock.millis() - age, "cleaning old states",
                "reconciling the state index");
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
        Ids.requireNonNull(entry, "entry");
        long created = entry.createdAt().toEpochMilli();
        long pttl = created + config.stateTtl().toMillis() - clock.millis();
        if (pttl <= 0) {
            return;
        }
        List<String> keys = List.of(stateKey(entry.state()), layout.stateIndex(entry.state()));
        // ADD_STATE trims index entries older than (createdAt - pttl); with the remaining pttl that keeps live ones
        List<String> args = List.of(entry.state(), StateJson.write(entry), Long.toString(pttl), Long.toString(created),
                Long.toString(stateCap()), "0", keys.get(1), layout.cluster() ? "" : layout.clientPrefix());
        calls.redis("importing a state", keys.get(0), j -> {
            Object r = Script.ADD_STATE.run(j, keys, args);
            calls.awaitReplicas(j);
            return r;
        });
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

    @Override
    public String toString() {
        return "RedisSessionStore[" + config + "]";
    }
}
