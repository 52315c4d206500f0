package org.sessionstore.memory;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.sessionstore.api.Ids;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreFullException;
import org.sessionstore.api.StoreUnavailableException;

/**
 * The in-process store: sessions in a {@link ConcurrentHashMap}, found for cleaning through an
 * {@link ExpiryIndex}, states in a {@link StateTable}. No lock covers all sessions: every call
 * works on one map entry, and cleaning removes entry by entry while readers go on.
 *
 * <p>An expired session is invisible from the instant it expires ({@link #getSession} compares
 * with the clock), whether or not a cleaner has removed it yet.
 */
final class MemorySessionStore extends MemoryStates {

    private final MemoryConfig config;
    private final ExpiryClock clock;
    /**
     * A session with its deadline as a plain long, so reads check it without touching the Instant:
     * its {@code expiresAt}, or with {@code idle_timeout} the earlier of that and its last touch plus
     * the idle time (a touch replaces the entry, with the index moved).
     */
    private final ConcurrentHashMap<String, Held> sessions = new ConcurrentHashMap<>();
    private final ExpiryIndex expiries = new ExpiryIndex();
    /** The ids of each subject's and each sid's sessions (revoke, list, the per-subject limit's stripes). */
    private final KeyIndex bySubject = new KeyIndex();
    private final KeyIndex bySid = new KeyIndex();
    /** Held only to refuse a new id past max_sessions (see refuseIfOver); nothing else waits on it. */
    private final Object overflow = new Object();
    private volatile boolean closed;

    /** idle_timeout and touch_after in milliseconds (0: off), read on every get. */
    private final long idleMillis;
    private final long touchMillis;

    MemorySessionStore(MemoryConfig config, Clock clock) {
        super(new StateTable(config, clock));
        this.config = config;
        this.idleMillis = config.idle().idle().toMillis();
        this.touchMillis = config.idle().touchAfter().toMillis();
        this.clock = new ExpiryClock(clock);
    }

    @Override
    void ensureOpen() {
        if (closed) {
            throw new StoreUnavailableException("the memory session store is closed; use the store the registry publishes");
        }
    }

    @Override
    public void addSession(Session session) {
        addSession(session, n -> { });
    }

    @Override
    public void addSession(Session session, java.util.function.IntConsumer onEvicted) {
        Ids.requireNonNull(session, "session");
        Ids.requireNonNull(onEvicted, "onEvicted");
        ensureOpen();
        org.sessionstore.api.config.SubjectLimit limit = config.subjectLimit();
        if (!limit.limits() || session.sub() == null || clock.hasPassed(session.expiresAt().toEpochMilli())) {
            put(session);
            return;
        }
        int evicted = 0;
        String sub = session.sub();
        synchronized (bySubject.lock(sub)) {
            List<Held> others = new java.util.ArrayList<>();
            for (String id : bySubject.ids(sub)) {
                Held h = sessions.get(id);
                if (h != null && !id.equals(session.id()) && sub.equals(h.session().sub()) && !clock.hasPassed(h.expiresAt())) {
                    others.add(h);
                }
            }
            long over = others.size() + 1 - limit.max();
            if (over > 0) {
                if (!limit.evictOldest()) {
                    throw limit.refusal(sub);
                }
                others.sort(OLDEST_FIRST);
                for (int i = 0; i < over; i++) {
                    // the same session (a read's touch replaces the entry, not the session): review found one kept
                    Session gone = others.get(i).session();
                    evicted += removeIf(gone.id(), h -> h.session() == gone) ? 1 : 0;
                }
            }
            put(session);
        }
        if (evicted > 0) {
            onEvicted.accept(evicted);
        }
    }

    /** What evict_oldest removes first: the session that ends first (as in every backend), then by id. */
    private static final java.util.Comparator<Held> OLDEST_FIRST = java.util.Comparator.comparingLong(Held::expiresAt)
            .thenComparing(h -> h.session().id());

    private void put(Session session) {
        long expiresAt = session.expiresAt().toEpochMilli();
        String id = session.id();
        if (clock.hasPassed(expiresAt)) {
            remove(id);
            return;
        }
        Held held = new Held(session, config.idle().deadline(clock.millis(), expiresAt));
        expiresAt = held.expiresAt();
        Held replaced = sessions.put(id, held);
        Session was = replaced == null ? null : replaced.session();
        // a re-add under the same subject (or sid) finds the id in its set already when the entry
        // it replaced was indexed (its adder got past the sets): only that entry's leaving the map
        // (under its lock) takes the id out, and it left by this put
        boolean sameSub = was != null && java.util.Objects.equals(was.sub(), session.sub());
        boolean sameSid = was != null && java.util.Objects.equals(was.sid(), session.sid());
        boolean trusted = sameSub && sameSid && replaced.indexed();
        if (session.sub() != null && !trusted) {
            bySubject.add(session.sub(), id);
        }
        if (session.sid() != null && !trusted) {
            bySid.add(session.sid(), id);
        }
        held.markIndexed();
        if (was != null && (!sameSub || !sameSid)) {
            leftOnChange(id, was); // the id left its old subject or sid (review: the sets leaked)
        }
        if (replaced != null && ExpiryIndex.sameSlot(replaced.expiresAt(), expiresAt)) {
            return; // the common re-add: its index entry already stands in the right second
        }
        // a new id, or a new second: the index is set right under the entry's lock, from what the
        // entry holds now (whoever replaced it since), so racing writers leave exactly one entry
        sessions.compute(id, (k, current) -> {
            if (current != null) {
                expiries.add(k, current.expiresAt());
            }
            if (replaced != null && (current == null || !ExpiryIndex.sameSlot(replaced.expiresAt(), current.expiresAt()))) {
                expiries.remove(k, replaced.expiresAt());
            }
            return current;
        });
        // a new id: only now is the size read (reading it costs under contention)
        if (replaced == null && sessions.size() > config.maxSessions()) {
            refuseIfOver(id, held);
        }
    }

    /**
     * The rare path of a new id past {@code max_sessions}: checked again under {@link #overflow}, one
     * adder at a time, so that two adders over the limit together do not both take themselves out
     * (which left the store one below its bound, refusing a session that fitted).
     */
    private void refuseIfOver(String id, Held held) {
        removeExpired();
        synchronized (overflow) {
            if (sessions.size() <= config.maxSessions()) {
                return;
            }
            removeIf(id, h -> h == held);
        }
        throw new StoreFullException("the memory store holds " + config.maxSessions()
                + (config.maxSessions() == 1 ? " session" : " sessions") + ", its limit max_sessions=" + config.maxSessions()
                + "; raise max_sessions or use a shared backend such as redis");
    }

    /** Removes a session and its index entry; returns what was there. */
    private Held remove(String id) {
        Held[] removed = new Held[1];
        sessions.computeIfPresent(id, (k, h) -> {
            expiries.remove(k, h.expiresAt());
            leftSubject(k, h);
            removed[0] = h;
            return null;
        });
        return removed[0];
    }

    /**
     * Removes the session under {@code id} if what the entry holds now passes {@code still} (not
     * replaced since: the same entry, or the same session touched); whether it did.
     */
    private boolean removeIf(String id, java.util.function.Predicate<Held> still) {
        boolean[] removed = {false};
        sessions.computeIfPresent(id, (k, h) -> {
            if (!still.test(h)) {
                return h;
            }
            expiries.remove(k, h.expiresAt());
            leftSubject(k, h);
            removed[0] = true;
            return null;
        });
        return removed[0];
    }

    /** Under the entry's lock: the id leaves the subject and sid {@code old} had, unless its session has them again. */
    private void leftOnChange(String id, Session old) {
        sessions.computeIfPresent(id, (k, h) -> {
            if (old.sub() != null && !old.sub().equals(h.session().sub())) {
                bySubject.remove(old.sub(), k);
            }
            if (old.sid() != null && !old.sid().equals(h.session().sid())) {
                bySid.remove(old.sid(), k);
            }
            return h;
        });
    }

    /** Under the map entry's lock, as {@code h} leaves the map: its id leaves its subject's and its sid's sets. */
    private void leftSubject(String id, Held h) {
        String sub = h.session().sub();
        if (sub != null) {
            bySubject.remove(sub, id);
        }
        String sid = h.session().sid();
        if (sid != null) {
            bySid.remove(sid, id);
        }
    }

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
        ensureOpen();
        return removeIndexed(bySubject, sub, Session::sub, exceptId);
    }

    @Override
    public int deleteSessionsBySid(String sid) {
        Ids.require(sid, "sid");
        ensureOpen();
        return removeIndexed(bySid, sid, Session::sid, null);
    }

    /** Removes the live sessions an index lists under {@code key} (whose {@code field} is still {@code key}), but {@code except}. */
    private int removeIndexed(KeyIndex index, String key, java.util.function.Function<Session, String> field, String except) {
        AtomicInteger removed = new AtomicInteger();
        for (String id : index.ids(key)) {
            if (id.equals(except)) {
                continue;
            }
            sessions.compute(id, (k, h) -> {
                if (h == null || !key.equals(field.apply(h.session()))) {
                    // no session of this key under the id (any more): the id leaves the set
                    index.remove(key, k);
                    return h;
                }
                expiries.remove(k, h.expiresAt());
                leftSubject(k, h);
                if (!clock.hasPassed(h.expiresAt())) {
                    removed.incrementAndGet();
                }
                return null;
            });
        }
        return removed.get();
    }

    @Override
    public List<org.sessionstore.api.SessionInfo> sessionsOf(String sub, int offset, int limit) {
        SessionStore.checkPage(sub, offset, limit);
        ensureOpen();
        List<org.sessionstore.api.SessionInfo> all = new java.util.ArrayList<>();
        for (String id : bySubject.ids(sub)) {
            Held h = sessions.get(id);
            if (h != null && sub.equals(h.session().sub()) && !clock.hasPassed(h.expiresAt())) {
                all.add(org.sessionstore.api.SessionInfo.of(h.session(), config.idle().lastSeen(h.expiresAt(), h.end())));
            }
        }
        all.sort(org.sessionstore.api.SessionInfo.NEWEST_FIRST);
        return offset >= all.size() ? List.of() : List.copyOf(all.subList(offset, Math.min(all.size(), offset + limit)));
    }

    /** Walks the subjects' index (no session is read): a subject is named while its set has an id. */
    @Override
    public List<String> subjects(String prefix, int limit) {
        SessionStore.checkSubjects(prefix, limit);
        ensureOpen();
        return bySubject.keys(prefix, limit);
    }

    @Override
    public Optional<Session> getSession(String id) {
        Held h = liveHeld(id);
        if (h == null) {
            return Optional.empty();
        }
        touchIfDue(id, h);
        return h.found();
    }

    /** A read under idle_timeout moves the deadline when {@code IdleTimeout.due} says so (its rule in plain longs). */
    private void touchIfDue(String id, Held h) {
        if (idleMillis == 0) {
            return;
        }
        long now = clock.millis();
        if (!org.sessionstore.api.config.IdleTimeout.due(now, h.expiresAt(), h.end(), idleMillis, touchMillis)) {
            return;
        }
        long deadline = Math.min(h.end(), now + idleMillis);
        sessions.computeIfPresent(id, (k, cur) -> {
            if (cur != h) {
                return cur; // replaced or touched meanwhile
            }
            Held moved = new Held(cur, deadline);
            expiries.add(k, deadline);
            if (!ExpiryIndex.sameSlot(cur.expiresAt(), deadline)) {
                expiries.remove(k, cur.expiresAt());
            }
            return moved;
        });
    }

    /**
     * The live session with this id, or null. Only valid ids are ever stored, so the id is
     * checked in full only when it is not found: a hit costs no scan of its characters.
     */
    private Session live(String id) {
        Held h = liveHeld(id);
        return h == null ? null : h.session();
    }

    private Held liveHeld(String id) {
        if (id == null) {
            Ids.require(id, "session id");
        }
        ensureOpen();
        Held h = sessions.get(id);
        if (h == null) {
            Ids.require(id, "session id");
            return null;
        }
        if (clock.hasPassed(h.expiresAt())) {
            if (removeIf(id, cur -> cur == h)) {
                unreported.addAndGet(h.expiresAt() < h.end() ? ENDED + 1 : ENDED); // told by the next clean
            }
            return null;
        }
        return h;
    }

    @Override
    public boolean deleteSession(String id) {
        Ids.require(id, "session id");
        ensureOpen();
        Held removed = remove(id);
        return removed != null && !clock.hasPassed(removed.expiresAt());
    }

    @Override
    public int cleanExpired() {
        return cleanExpired(n -> { });
    }

    /**
     * Sessions that ended and were removed since the last clean without being told (by a read that
     * found them ended, a count, a full store): the ended in the high half, the idle among them in
     * the low, one word so that a clean takes both at once.
     */
    private final java.util.concurrent.atomic.AtomicLong unreported = new java.util.concurrent.atomic.AtomicLong();
    private static final long ENDED = 1L << 32;

    /**
     * Removes what ended, and tells what was removed since the last clean too (a read, a count or a
     * full store removes ended sessions on its way and leaves the telling to this). A session ended
     * idle when its deadline (what {@code Held.expiresAt} holds) came before its end.
     */
    @Override
    public int cleanExpired(java.util.function.IntConsumer idleEnded) {
        Ids.requireNonNull(idleEnded, "idleEnded");
        removeExpired();
        long told = unreported.getAndSet(0);
        int idle = (int) told;
        if (idle > 0) {
            idleEnded.accept(idle);
        }
        return (int) (told >>> 32);
    }

    /** Removes the ended sessions through the expiry index, noting them in {@link #unreported}. */
    private void removeExpired() {
        ensureOpen();
        long now = clock.millis();
        expiries.drain(now, id -> removeIfExpired(id, now, false), id -> removeIfExpired(id, now, true));
    }

    /** Removes a session found through the index if it has expired; {@code indexed}: its slot stays, so leave it. */
    private void removeIfExpired(String id, long now, boolean indexed) {
        sessions.computeIfPresent(id, (k, h) -> {
            if (h.expiresAt() > now) {
                return h;
            }
            if (indexed) {
                expiries.remove(k, h.expiresAt());
            }
            leftSubject(k, h);
            unreported.addAndGet(h.expiresAt() < h.end() ? ENDED + 1 : ENDED);
            return null;
        });
    }

    @Override
    public Optional<String> getField(String id, String field) {
        Session.requireField(field);
        Held h = liveHeld(id);
        if (h == null) {
            return Optional.empty();
        }
        touchIfDue(id, h);
        return h.session().field(field);
    }

    /** Removes what has expired (cost in proportion to that), then counts the map. */
    @Override
    public long getSessionCount() {
        removeExpired();
        return sessions.size();
    }

    @Override
    public boolean sessionExists(String id) {
        return live(id) != null;
    }

    @Override
    public Optional<Duration> stateTtl() {
        return Optional.of(config.stateTtl());
    }

    @Override
    public void close() {
        closed = true;
        clock.close();
        sessions.clear();
        expiries.clear();
        bySubject.clear();
        bySid.clear();
        states.clear();
    }

    @Override
    public Stream<Session> liveSessions() {
        ensureOpen();
        return sessions.values().stream().filter(h -> !clock.hasPassed(h.expiresAt())).map(Held::session);
    }

    /** The bounds in force (the heap-derived defaults included), for {@code sessionstore:info}. */
    @Override
    public java.util.Map<String, String> details() {
        java.util.Map<String, String> rows = new java.util.LinkedHashMap<>();
        rows.put("bounds", "at most " + config.maxSessions() + " sessions, " + config.maxStates()
                + " states, " + config.maxStatesPerClient() + " states per client (heap " + Runtime.getRuntime().maxMemory()
                / (1024 * 1024) + " MB)");
        rows.put("subject limit", config.subjectLimit().describe());
        rows.put("idle timeout", config.idle().describe());
        return rows;
    }

    // for tests: subjects indexed, entries of the expiry index, seconds it holds, the state table, pending states
    int subjectCount() {
        return bySubject.keys();
    }

    long indexSize() {
        return expiries.size();
    }

    int indexSlots() {
        return expiries.slotCount();
    }

    @Override
    public String toString() {
        return "MemorySessionStore[" + config + (closed ? ", closed" : "") + "]";
    }
}
