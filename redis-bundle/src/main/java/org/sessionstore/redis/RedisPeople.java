package org.sessionstore.redis;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.sessionstore.api.SessionStore;
import org.sessionstore.api.Session;

/**
 * People's sessions in Redis (API 1.6): revoking and listing through a subject's or a sid's sorted
 * set, the per-subject limit of a cluster (where the subject's set lies in another slot than the
 * session), and the touches of {@code idle_timeout}. One server's limit is in the add's own script
 * ({@link Script#ADD_SESSION}).
 */
final class RedisPeople {

    private final RedisConfig config;
    private final Clock clock;
    private final Layout layout;
    private final RedisCalls calls;
    private final UnreadableRecord.Log unreadables;

    RedisPeople(RedisConfig config, Clock clock, Layout layout, RedisCalls calls, UnreadableRecord.Log unreadables) {
        this.config = config;
        this.clock = clock;
        this.layout = layout;
        this.calls = calls;
        this.unreadables = unreadables;
    }

    private String sessionKey(String id) {
        return layout.sessionKey(id);
    }

    /** The per-subject limit of a cluster, after the session was written; returns how many it evicted. */
    long limitInCluster(Session session, long now, long pttl, org.sessionstore.api.config.SubjectLimit limit) {
        String id = session.id();
        String subject = layout.subjectKey(session.sub());
        pruneSubject(subject, session.sub(), id, now);
        Object r = calls.batchedScript("limiting a subject's sessions", Script.LIMIT_SUBJECT, List.of(subject),
                List.of(id, Long.toString(now + pttl), Long.toString(now), Long.toString(pttl), Long.toString(limit.max()),
                        limit.evictOldest() ? "e" : "r"));
        if (r instanceof Long n && n < 0) {
            removeSession(id, now);
            throw limit.refusal(session.sub());
        }
        List<String> out = Script.strings(r);
        for (String gone : out) {
            // removed only if still this subject's: an id added again for another subject stays (review). One
            // already gone counts all the same: its own adder saw it evicted and took it out
            String key = sessionKey(gone);
            calls.redis("evicting a subject's oldest session", key, j -> Script.REVOKE_SESSION.run(j,
                    List.of(key, layout.sessionIndex(gone)), List.of(gone, "sub", session.sub())));
        }
        long evicted = out.size();
        // a racing add of the subject may have evicted this one between its write and now
        Double still = calls.redis("checking a subject's sessions", subject, j -> j.zscore(subject, id));
        if (still == null) {
            removeSession(id, now);
        }
        return evicted;
    }

    /**
     * Drops from a subject's set (in its own slot) the ids whose session is gone or ended (idle, revoked
     * by sid, deleted by id) or now another subject's, so that the limit counts live sessions only
     * (review: stale entries locked a subject out, or had a live session evicted in their place).
     * Safe against adds in flight: with a limit an id joins the set only after its session is written
     * ({@link #limitInCluster}), so an entry without a live session of the subject has ended.
     */
    private void pruneSubject(String subject, String sub, String except, long now) {
        List<String> ids = calls.redis("reading the sessions of a subject", subject, j -> j.zrangeByScore(subject, "(" + now,
                "+inf"));
        List<String> others = ids.stream().filter(i -> !i.equals(except)).toList();
        if (others.isEmpty()) {
            return;
        }
        Map<String, List<String>> fields = calls.each("checking a subject's sessions",
                others.stream().map(this::sessionKey).collect(java.util.stream.Collectors.toCollection(ArrayList::new)),
                RedisSessionStore.PAGE, (p, key) -> p.hmget(key, "sub", "expires_at", "deadline", "cap"),
                (j, key) -> j.hmget(key, "sub", "expires_at", "deadline", "cap"), false, key -> { });
        String[] stale = others.stream().filter(id -> !live(fields.get(sessionKey(id)), sub, now)).toArray(String[]::new);
        if (stale.length > 0) {
            calls.redis("dropping ended sessions from their subject's set", subject, j -> j.zrem(subject, stale));
        }
    }

    private void removeSession(String id, long now) {
        String key = sessionKey(id);
        String index = layout.sessionIndex(id);
        calls.redis("removing a session", key, j -> Script.REMOVE_SESSION.run(j, List.of(key, index),
                List.of(id, Long.toString(now))));
    }

    /** Whether a session's fields (sub, expires_at, deadline, cap) say it is live and {@code sub}'s. */
    private static boolean live(List<String> f, String sub, long now) {
        try {
            return f != null && sub.equals(f.get(0)) && f.get(1) != null
                    && SessionHash.deadline(f.get(2), SessionHash.end(f.get(3), SessionHash.expiresAt(f.get(1)))) > now;
        } catch (UnreadableRecord e) {
            return false;
        }
    }

    /**
     * A read of a live session under {@code idle_timeout}: when its deadline would move by at least
     * {@code touch_after}, one script moves it (and checks that again on the server, so reads racing
     * on several nodes write once). A move that no replica confirmed ({@code min_replicas_ack}) does
     * not fail the read, which has its answer, nor does one refused past maxmemory: at worst the
     * move is lost, and the session ends at its older deadline (review: with replicas missing, or
     * the server full, reads under idle_timeout failed).
     */
    void touchIfDue(String id, long now, long deadline, long end, String cap) {
        org.sessionstore.api.config.IdleTimeout idle = config.idle();
        if (cap == null || !idle.due(now, deadline, end)) {
            return;
        }
        long next = idle.deadline(now, end);
        try {
            calls.batchedScript("touching a session", Script.TOUCH_SESSION, List.of(sessionKey(id), layout.sessionIndex(id)),
                    List.of(id, Long.toString(next), Long.toString(next - now), Long.toString(idle.leastMove(next, end)), cap));
        } catch (org.sessionstore.api.StoreFullException refused) {
            // past maxmemory: the move is refused, the read has its answer (review)
        } catch (org.sessionstore.api.StoreUnavailableException e) {
            if (!(e.getCause() instanceof Replicas.NotReplicated)) {
                throw e;
            }
        }
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
    int revokeIndexed(String set, String field, String value, String exceptId) {
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
        Map<String, Object> done = calls.each("revoking sessions", new ArrayList<>(idOfKey.keySet()), RedisSessionStore.PAGE,
                (p, key) -> p.eval(Script.REVOKE_SESSION.text(), revokeKeys(key, idOfKey), List.of(idOfKey.get(key), field,
                        value)),
                (j, key) -> Script.REVOKE_SESSION.run(j, revokeKeys(key, idOfKey), List.of(idOfKey.get(key), field, value)),
                true, key -> { });
        // only the ids revoked now leave the set: in a cluster an id is noted before its session is
        // written, so one with no session yet may be an add in flight (a full run's race test caught it)
        String[] gone = done.entrySet().stream().filter(e -> e.getValue() instanceof Long n && n > 0)
                .map(e -> idOfKey.get(e.getKey())).toArray(String[]::new);
        if (gone.length > 0) {
            calls.redis("dropping revoked sessions from their " + field + "'s set", set, j -> j.zrem(set, gone));
        }
        return gone.length;
    }

    /**
     * Reads the subject's set (the ids not yet expired), then each session's metadata fields (one
     * pipeline per primary); keeps those still of this subject and live, newest first.
     */
    List<org.sessionstore.api.SessionInfo> sessionsOf(String sub, int offset, int limit) {
        SessionStore.checkPage(sub, offset, limit);
        String subject = layout.subjectKey(sub);
        long now = clock.millis();
        List<String> ids = calls.redis("reading the sessions of a subject", subject,
                j -> j.zrangeByScore(subject, "(" + now, "+inf"));
        Map<String, String> idOfKey = new java.util.HashMap<>();
        for (String id : ids) {
            idOfKey.put(sessionKey(id), id);
        }
        Map<String, List<String>> fields = calls.each("listing a subject's sessions", new ArrayList<>(idOfKey.keySet()), RedisSessionStore.PAGE,
                (p, key) -> p.hmget(key, "sub", "issued_at", "expires_at", "sid", "v", "deadline", "cap"),
                (j, key) -> j.hmget(key, "sub", "issued_at", "expires_at", "sid", "v", "deadline", "cap"), false, key -> { });
        List<org.sessionstore.api.SessionInfo> all = new ArrayList<>();
        fields.forEach((key, f) -> {
            if (f == null || !sub.equals(f.get(0)) || f.get(2) == null) {
                return;
            }
            try {
                SessionHash.checkVersion(f.get(4));
                long expires = SessionHash.expiresAt(f.get(2));
                long end = SessionHash.end(f.get(6), expires);
                long deadline = SessionHash.deadline(f.get(5), end);
                if (deadline <= now) {
                    return;
                }
                Instant issued = f.get(1) == null ? null : Instant.ofEpochMilli(Long.parseLong(f.get(1)));
                all.add(new org.sessionstore.api.SessionInfo(idOfKey.get(key), issued, Instant.ofEpochMilli(expires),
                        f.get(5) == null ? null : config.idle().lastSeen(deadline, end), f.get(3)));
            } catch (UnreadableRecord | IllegalArgumentException e) {
                unreadables.report(key, e instanceof UnreadableRecord u ? u : new UnreadableRecord("its fields are not a session's"));
            }
        });
        all.sort(org.sessionstore.api.SessionInfo.NEWEST_FIRST);
        return offset >= all.size() ? List.of() : List.copyOf(all.subList(offset, Math.min(all.size(), offset + limit)));
    }

    /** Keys one SCAN step examines ({@code COUNT}): a few milliseconds of the server's time. */
    static final int SUBJECTS_SCAN_COUNT = 10_000;

    /**
     * Subjects by prefix: {@code SCAN MATCH} over the subjects' sets on each primary (never
     * {@code KEYS}), until the walk is done, {@code limit} names are found, or half the store's
     * {@code timeout} (at most 1 s) has gone on that primary: a complete answer up to about a
     * million keys per primary, a partial one (and said so in the docs) beyond. A set lives until
     * its last entry's end, so a subject whose sessions were deleted by id or ended idle may be named
     * until then. Names are checked against the prefix here too (in a cluster the pattern's
     * {@code {*}} could match across a subject that holds a brace).
     */
    List<String> subjects(String prefix, int limit) {
        SessionStore.checkSubjects(prefix, limit);
        String pattern = layout.subjectPattern(prefix);
        long budget = Math.min(1_000_000_000L, config.timeout().toNanos() / 2);
        java.util.TreeSet<String> first = new java.util.TreeSet<>();
        for (List<String> served : calls.byNode(layout.sessionIndexes()).values()) {
            first.addAll(calls.redis("listing subjects", served.get(0), j -> {
                redis.clients.jedis.params.ScanParams params = new redis.clients.jedis.params.ScanParams().match(pattern)
                        .count(SUBJECTS_SCAN_COUNT);
                java.util.Set<String> found = new java.util.HashSet<>();
                String cursor = redis.clients.jedis.params.ScanParams.SCAN_POINTER_START;
                long started = System.nanoTime();
                do {
                    redis.clients.jedis.resps.ScanResult<String> page = j.scan(cursor, params);
                    for (String key : page.getResult()) {
                        String sub = Layout.subjectOf(key);
                        if (sub.startsWith(prefix)) {
                            found.add(sub);
                        }
                    }
                    cursor = page.getCursor();
                } while (!"0".equals(cursor) && found.size() < limit && System.nanoTime() - started < budget);
                return found;
            }));
        }
        return first.stream().limit(limit).toList();
    }

    private List<String> revokeKeys(String key, Map<String, String> idOfKey) {
        return List.of(key, layout.sessionIndex(idOfKey.get(key)));
    }
}
