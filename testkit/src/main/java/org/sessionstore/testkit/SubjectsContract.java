package org.sessionstore.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionInfo;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreFullException;

/**
 * People's sessions (API 1.6): a session's OIDC {@code sid}, a subject's sessions listed (newest
 * first, paged, no token) and revoked but one, revocation by {@code sid} (back-channel logout),
 * indexes that stay exact when sessions end by their TTL, and the per-subject limit
 * ({@code max_sessions_per_subject}) holding under racing logins on two nodes. Below API 1.6 the
 * documented defaults are asserted instead. Part of {@link SessionStoreContract}.
 */
public abstract class SubjectsContract extends CapabilitiesContract {

    /**
     * Two stores on one backend (the same store twice for an in-process one), both with
     * {@code max_sessions_per_subject=max} and {@code on_subject_limit} {@code evict_oldest} or
     * {@code refuse}, reading the time from {@code clock}. Required from API 1.6 on.
     *
     * @param clock the test's clock
     * @param max the limit
     * @param evictOldest true for evict_oldest, false for refuse
     * @return two stores sharing their data; null if the backend has no such limit (below API 1.6)
     */
    protected SessionStore[] subjectLimitedStores(MutableClock clock, long max, boolean evictOldest) {
        return null;
    }

    /**
     * A store with {@code idle_timeout=idle} and {@code touch_after=touchAfter}, reading the time
     * from {@code clock}. Required from API 1.6 on.
     *
     * @param clock the test's clock
     * @param idle the idle timeout
     * @param touchAfter how often a read may write
     * @return the store; null if the backend has no idle expiry (below API 1.6)
     */
    protected SessionStore idleStore(MutableClock clock, Duration idle, Duration touchAfter) {
        return null;
    }

    /**
     * Rounds of the per-subject limit race; each round 64 logins of one subject race on two nodes.
     *
     * @return 100 unless overridden
     */
    protected int limitRaceRounds() {
        return 100;
    }

    /** An unsigned JWT whose payload is {@code json}, as an ID token's shape. */
    protected static String jwt(String json) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(json.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }

    private Session of(String id, String sub, String sid, Instant issued, Duration ttl) {
        return new Session(id, "user-" + id, sub, issued, issued.plus(ttl), "at-" + id, "it-" + id, null, sid);
    }

    /** The sid is kept; without one, the ID token's claim is; the caller's wins. */
    @Test
    void aSessionKeepsItsSidGivenOrReadFromTheIdToken() {
        Instant now = clock.instant();
        store.addSession(new Session("given", "u", "alice", now, now.plusSeconds(600), null,
                jwt("{\"sub\":\"alice\",\"sid\":\"from-token\"}"), null, "given-sid"));
        store.addSession(new Session("claim", "u", "alice", now, now.plusSeconds(600), "at",
                jwt("{\"sub\":\"alice\",\"nested\":{\"sid\":\"no\"},\"sid\":\"idp-7\"}"), null));
        store.addSession(new Session("none", "u", "alice", now, now.plusSeconds(600), null, "not-a-jwt", null));
        if (apiLevel() < 6) {
            assertRefusedBefore(6, () -> store.deleteSessionsBySid("idp-7"));
            return;
        }
        assertEquals("given-sid", store.getSession("given").orElseThrow().sid());
        assertEquals("idp-7", store.getSession("claim").orElseThrow().sid());
        assertNull(store.getSession("none").orElseThrow().sid());
        assertThrows(IllegalArgumentException.class, () -> new Session("x", "u", "s", now, now.plusSeconds(1), null, null,
                null, "bad\nsid"));
    }

    /** Back-channel logout: exactly the sessions of that identity-provider session go, on any node. */
    @Test
    void deleteSessionsBySidRemovesExactlyThatIdpSessionOnEveryNode() {
        if (apiLevel() < 6) {
            assertRefusedBefore(6, () -> store.deleteSessionsBySid("s1"));
            return;
        }
        SessionStore peer = track(newPeerStore(store, clock));
        Instant now = clock.instant();
        store.addSession(of("a1", "alice", "idp-1", now, Duration.ofHours(1)));
        peer.addSession(of("a2", "alice", "idp-1", now, Duration.ofHours(1)));
        store.addSession(of("a3", "alice", "idp-2", now, Duration.ofHours(1)));
        store.addSession(of("b1", "bob", "idp-3", now, Duration.ofHours(1)));
        store.addSession(of("old", "alice", "idp-1", now, Duration.ofMinutes(1)));
        store.addSession(of("moved", "alice", "idp-1", now, Duration.ofHours(1)));
        store.addSession(of("moved", "alice", "idp-9", now, Duration.ofHours(1))); // replaced: now of idp-9
        clock.advance(Duration.ofMinutes(2));
        assertEquals(2, peer.deleteSessionsBySid("idp-1"), "a1 and a2 are the live sessions of idp-1");
        assertFalse(store.sessionExists("a1"));
        assertFalse(store.sessionExists("a2"));
        for (String kept : List.of("a3", "b1", "moved")) {
            assertTrue(store.sessionExists(kept), kept + " is not of idp-1 and was removed");
        }
        assertEquals(0, store.deleteSessionsBySid("idp-1"));
        assertEquals(0, store.deleteSessionsBySid("nobody"));
        assertThrows(IllegalArgumentException.class, () -> store.deleteSessionsBySid(null));
        assertThrows(IllegalArgumentException.class, () -> store.deleteSessionsBySid("a\tb"));
    }

    /** "Sign out my other devices": every session of the subject but the one named. */
    @Test
    void deleteSessionsBySubjectExceptOneKeepsThatOne() {
        if (apiLevel() < 6) {
            assertRefusedBefore(6, () -> store.deleteSessionsBySubject("alice", "a1"));
            return;
        }
        Instant now = clock.instant();
        for (String id : List.of("a1", "a2", "a3")) {
            store.addSession(of(id, "alice", null, now, Duration.ofHours(1)));
        }
        store.addSession(of("b1", "bob", null, now, Duration.ofHours(1)));
        assertEquals(2, store.deleteSessionsBySubject("alice", "a2"));
        assertTrue(store.sessionExists("a2"));
        assertFalse(store.sessionExists("a1") || store.sessionExists("a3"));
        assertTrue(store.sessionExists("b1"));
        assertEquals(0, store.deleteSessionsBySubject("alice", "a2"));
        assertEquals(1, store.deleteSessionsBySubject("alice", "b1"), "an id of another subject keeps nothing of alice's");
        assertEquals(1, store.deleteSessionsBySubject("bob", null), "null: all of them");
        assertThrows(IllegalArgumentException.class, () -> store.deleteSessionsBySubject("alice", "bad\nid"));
    }

    /** A subject's sessions, newest first, paged; metadata only. */
    @Test
    void sessionsOfListsTheSubjectsLiveSessionsNewestFirstInPages() {
        if (apiLevel() < 6) {
            assertRefusedBefore(6, () -> store.sessionsOf("alice", 0, 10));
            return;
        }
        Instant t0 = clock.instant().minusSeconds(100);
        for (int i = 0; i < 25; i++) {
            store.addSession(of("s" + i, "alice", i % 2 == 0 ? "idp-" + i : null, t0.plusSeconds(i), Duration.ofHours(1)));
        }
        store.addSession(of("short", "alice", null, t0.plusSeconds(50), Duration.ofSeconds(60))); // ends at t0+110s
        store.addSession(of("b", "bob", null, t0, Duration.ofHours(1)));
        clock.advance(Duration.ofSeconds(20)); // "short" has ended
        List<SessionInfo> first = store.sessionsOf("alice", 0, 10);
        assertEquals(10, first.size());
        assertEquals("s24", first.get(0).id(), "newest first");
        assertEquals("idp-24", first.get(0).sid());
        assertEquals(t0.plusSeconds(24).toEpochMilli(), first.get(0).issuedAt().toEpochMilli());
        assertNotNull(first.get(0).expiresAt());
        List<String> ids = new ArrayList<>();
        for (int offset = 0; offset < 40; offset += 10) {
            store.sessionsOf("alice", offset, 10).forEach(s -> ids.add(s.id()));
        }
        List<String> expected = new ArrayList<>();
        for (int i = 24; i >= 0; i--) {
            expected.add("s" + i);
        }
        assertEquals(expected, ids, "every live session once, newest first, across pages");
        assertEquals(List.of(), store.sessionsOf("nobody", 0, 10));
        assertFalse(first.get(0).toString().contains("at-s24") || first.get(0).toString().contains("it-s24"),
                "never a token: " + first.get(0));
        assertThrows(IllegalArgumentException.class, () -> store.sessionsOf("alice", -1, 10));
        assertThrows(IllegalArgumentException.class, () -> store.sessionsOf("alice", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> store.sessionsOf("alice", 0, SessionStore.MAX_PAGE + 1));
        assertThrows(IllegalArgumentException.class, () -> store.sessionsOf(" ", 0, 10));
    }

    /** Subjects by prefix, in name order (a shell's completion): glob and LIKE characters are plain. */
    @Test
    void subjectsAreListedByPrefixInNameOrder() {
        if (apiLevel() < 6) {
            assertRefusedBefore(6, () -> store.subjects("a", 10));
            return;
        }
        Instant now = clock.instant();
        List<String> names = List.of("alice", "alina", "al*ce", "al%x", "al_y", "al[1]", "bob", "ALICE");
        for (int i = 0; i < names.size(); i++) {
            store.addSession(of("p" + i, names.get(i), null, now, Duration.ofHours(1)));
        }
        store.addSession(of("p9", "alma", null, now, Duration.ofHours(1)));
        store.deleteSessionsBySubject("alma");
        assertEquals(List.of("al%x", "al*ce", "al[1]", "al_y", "alice", "alina"), store.subjects("al", 10),
                "every subject starting with 'al', in name order, none revoked");
        assertEquals(List.of("al*ce"), store.subjects("al*", 10), "'*' is a plain character");
        assertEquals(List.of("al%x"), store.subjects("al%", 10), "'%' is a plain character");
        assertEquals(List.of("al_y"), store.subjects("al_", 10), "'_' is a plain character");
        assertEquals(List.of("al[1]"), store.subjects("al[", 10), "'[' is a plain character");
        assertEquals(2, store.subjects("al", 2).size(), "at most the limit");
        assertEquals(8, store.subjects("", 100).size(), "an empty prefix: every subject");
        assertEquals(List.of(), store.subjects("zz", 10));
        assertThrows(IllegalArgumentException.class, () -> store.subjects(null, 10));
        assertThrows(IllegalArgumentException.class, () -> store.subjects("a", 0));
        assertThrows(IllegalArgumentException.class, () -> store.subjects("a", SessionStore.MAX_PAGE + 1));
    }

    /**
     * The indexes stay exact when sessions end by their TTL, with no notification from anyone: half
     * of 10,000 sessions over 1,000 subjects expire, and the subjects' lists hold exactly the live
     * half (Spring Session's principal index leaked such entries).
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void subjectListsStayExactWhenHalfTheSessionsExpire() {
        if (apiLevel() < 6) {
            return; // nothing to list below 1.6 (the refusal is asserted above)
        }
        Instant now = clock.instant();
        for (int i = 0; i < 10_000; i++) {
            store.addSession(of("e" + i, "p" + (i % 1_000), "sid-" + (i % 1_000), now,
                    i % 2 == 0 ? Duration.ofMinutes(5) : Duration.ofHours(1)));
        }
        clock.advance(Duration.ofMinutes(6));
        store.cleanExpired();
        long listed = 0;
        for (int p = 0; p < 1_000; p++) {
            List<SessionInfo> page = store.sessionsOf("p" + p, 0, 100);
            for (SessionInfo s : page) {
                assertTrue(Integer.parseInt(s.id().substring(1)) % 2 == 1, s.id() + " expired and is still listed");
            }
            listed += page.size();
        }
        assertEquals(5_000, listed);
        assertEquals(5_000, store.getSessionCount());
        assertEquals(0, store.deleteSessionsBySid("sid-8"), "sid-8's sessions all expired");
        assertEquals(10, store.deleteSessionsBySid("sid-7"), "sid-7's sessions all live");
    }

    /**
     * 64 logins of one subject race on two nodes, limit 5, evict_oldest: exactly 5 live sessions
     * afterwards, every round; the evictions are told. With refuse: exactly 5 adds succeed.
     */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void racingLoginsOfOneSubjectLeaveExactlyTheLimitOnTwoNodes() throws Exception {
        SessionStore[] evicting = subjectLimitedStores(clock, 5, true);
        if (apiLevel() < 6) {
            assertNull(evicting, "a backend below API 1.6 has no subject limit");
            return;
        }
        assertNotNull(evicting, "API 1.6: subjectLimitedStores must give two stores with the limit");
        SessionStore[] refusing = subjectLimitedStores(clock, 5, false);
        for (SessionStore s : evicting) {
            track(s);
        }
        for (SessionStore s : refusing) {
            track(s);
        }
        int logins = 64;
        ExecutorService pool = Executors.newFixedThreadPool(logins);
        try {
            for (int round = 0; round < limitRaceRounds(); round++) {
                for (boolean evict : new boolean[] {true, false}) {
                    SessionStore[] nodes = evict ? evicting : refusing;
                    String sub = (evict ? "evict-" : "refuse-") + round;
                    CyclicBarrier start = new CyclicBarrier(logins);
                    AtomicInteger added = new AtomicInteger();
                    AtomicInteger refused = new AtomicInteger();
                    AtomicInteger evicted = new AtomicInteger();
                    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
                    List<Future<?>> done = new ArrayList<>();
                    for (int i = 0; i < logins; i++) {
                        SessionStore node = nodes[i % 2];
                        Session s = of(sub + "-" + i, sub, null, clock.instant().plusMillis(i), Duration.ofHours(1));
                        done.add(pool.submit(() -> {
                            try {
                                start.await();
                                node.addSession(s, evicted::addAndGet);
                                added.incrementAndGet();
                            } catch (StoreFullException e) {
                                assertTrue(e.getMessage().contains("max_sessions_per_subject=5"), e.getMessage());
                                refused.incrementAndGet();
                            } catch (Throwable t) {
                                failures.add(t);
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : done) {
                        f.get();
                    }
                    assertTrue(failures.isEmpty(), "failures: " + failures);
                    List<SessionInfo> live = nodes[0].sessionsOf(sub, 0, 100);
                    assertEquals(5, live.size(), "round " + round + (evict ? " evict_oldest" : " refuse") + ": " + live);
                    int exist = 0;
                    for (int i = 0; i < logins; i++) {
                        exist += nodes[1].sessionExists(sub + "-" + i) ? 1 : 0;
                    }
                    assertEquals(5, exist, "round " + round + ": sessions of the subject that exist, listed or not");
                    if (evict) {
                        assertEquals(logins, added.get());
                        assertEquals(logins - 5, evicted.get(), "every eviction told once");
                    } else {
                        assertEquals(5, added.get(), "round " + round + ": adds that succeeded under refuse");
                        assertEquals(logins - 5, refused.get());
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The limit counts the subject's live sessions only (found in review, in a Redis Cluster: sessions
     * revoked by sid or deleted by id still counted, and an id added again for another subject was
     * evicted with its new owner's session).
     */
    @Test
    void theLimitCountsTheSubjectsLiveSessionsOnly() {
        SessionStore[] refusing = subjectLimitedStores(clock, 2, false);
        if (apiLevel() < 6) {
            assertNull(refusing);
            return;
        }
        SessionStore[] evicting = subjectLimitedStores(clock, 1, true);
        for (SessionStore s : List.of(refusing[0], refusing[1], evicting[0], evicting[1])) {
            track(s);
        }
        Instant t = clock.instant();
        refusing[0].addSession(of("a1", "alice", "s-a", t, Duration.ofHours(1)));
        refusing[1].addSession(of("a2", "alice", "s-a", t, Duration.ofHours(1)));
        assertEquals(2, refusing[0].deleteSessionsBySid("s-a"));
        refusing[1].addSession(of("a3", "alice", null, t, Duration.ofHours(1))); // not refused: nothing of alice's lives
        assertTrue(refusing[0].deleteSession("a3"));
        refusing[0].addSession(of("a4", "alice", null, t, Duration.ofHours(1)));
        refusing[1].addSession(of("a5", "alice", null, t, Duration.ofHours(1))); // a3 deleted by id counts no more
        assertThrows(StoreFullException.class, () -> refusing[0].addSession(of("a6", "alice", null, t, Duration.ofHours(1))));

        evicting[0].addSession(of("x", "carol", null, t, Duration.ofHours(1)));
        evicting[0].addSession(of("x", "dave", null, t, Duration.ofHours(1))); // x is dave's now
        AtomicInteger told = new AtomicInteger();
        evicting[1].addSession(of("y", "carol", null, t, Duration.ofHours(2)), told::addAndGet);
        assertEquals(0, told.get(), "carol had no live session to evict");
        assertEquals("dave", evicting[0].getSession("x").orElseThrow().sub(), "dave's session stays");
        assertTrue(evicting[0].sessionExists("y"));
    }

    /** evict_oldest removes the subject's session that ends first; the others' sessions are untouched. */
    @Test
    void theOldestSessionOfTheSubjectGoesAtTheLimit() {
        SessionStore[] nodes = subjectLimitedStores(clock, 2, true);
        if (apiLevel() < 6) {
            assertNull(nodes);
            return;
        }
        track(nodes[0]);
        track(nodes[1]);
        Instant t = clock.instant();
        nodes[0].addSession(of("mid", "alice", null, t.minusSeconds(5), Duration.ofHours(2)));
        nodes[0].addSession(of("oldest", "alice", null, t.minusSeconds(9), Duration.ofHours(1)));
        nodes[0].addSession(of("bob1", "bob", null, t.minusSeconds(99), Duration.ofHours(1)));
        nodes[0].addSession(of("mid", "alice", null, t.minusSeconds(5), Duration.ofHours(2))); // a re-add is no new one
        AtomicInteger told = new AtomicInteger();
        nodes[1].addSession(of("new", "alice", null, t, Duration.ofHours(1)), told::addAndGet);
        assertEquals(1, told.get());
        assertFalse(nodes[0].sessionExists("oldest"));
        assertTrue(nodes[0].sessionExists("mid") && nodes[0].sessionExists("new") && nodes[0].sessionExists("bob1"));
        nodes[0].addSession(of("anon", null, null, t, Duration.ofHours(1))); // no subject: no limit
        assertTrue(nodes[0].sessionExists("anon"));
    }

    /**
     * idle_timeout: a read keeps a session alive, an unread one ends after the idle time, and every
     * way of looking agrees (get, exists, count, the subject's list, clean, revoke); expiresAt stays
     * the absolute end however often it is read.
     */
    @Test
    void anIdleSessionEndsAndAReadOneLivesUntilItsEnd() {
        SessionStore idle = idleStore(clock, Duration.ofMinutes(10), Duration.ofMinutes(1));
        if (apiLevel() < 6) {
            assertNull(idle, "a backend below API 1.6 has no idle expiry");
            return;
        }
        assertNotNull(idle, "API 1.6: idleStore must give a store with idle_timeout");
        track(idle);
        Instant t0 = clock.instant();
        idle.addSession(of("read", "alice", null, t0, Duration.ofHours(1)));
        idle.addSession(of("unread", "alice", null, t0, Duration.ofHours(1)));
        idle.addSession(of("short", "carol", null, t0, Duration.ofMinutes(5))); // ends at its end, before its idle deadline
        for (int minute = 5; minute <= 30; minute += 5) {
            clock.advance(Duration.ofMinutes(5));
            assertTrue(idle.getSession("read").isPresent(), "read every 5 minutes, at minute " + minute);
        }
        // cleaning tells the idle ends from the others (the EXPIRED events' reason)
        int[] idleEnded = {0};
        assertEquals(2, idle.cleanExpired(n -> idleEnded[0] += n), "'unread' (idle) and 'short' (its end) were removed");
        assertEquals(1, idleEnded[0], "one of them ended idle");
        assertEquals(0, idle.cleanExpired(n -> idleEnded[0] += n));
        assertEquals(1, idleEnded[0], "told only when some ended idle");
        assertThrows(IllegalArgumentException.class, () -> idle.cleanExpired(null));
        // minute 30: "unread" has been idle for 30 minutes
        assertFalse(idle.getSession("unread").isPresent());
        assertFalse(idle.sessionExists("unread"));
        assertEquals(Optional.empty(), idle.getField("unread", "username"));
        assertEquals(1, idle.getSessionCount(), "count agrees");
        assertEquals(List.of("read"), idle.sessionsOf("alice", 0, 10).stream().map(SessionInfo::id).toList());
        SessionInfo read = idle.sessionsOf("alice", 0, 10).get(0);
        assertNotNull(read.lastSeen(), "the last read is known (to touch_after)");
        assertTrue(Duration.between(read.lastSeen(), clock.instant()).compareTo(Duration.ofMinutes(1)) <= 0, read.toString());
        assertEquals(t0.plus(Duration.ofHours(1)).toEpochMilli(), read.expiresAt().toEpochMilli(), "the end is unchanged");
        assertEquals(1, idle.getSessionCount());
        assertEquals(1, idle.deleteSessionsBySubject("alice", "nobody"), "revoke finds the read one only");
        idle.addSession(of("capped", "bob", null, clock.instant(), Duration.ofMinutes(12)));
        for (int minute = 3; minute <= 12; minute += 3) {
            clock.advance(Duration.ofMinutes(3));
            assertEquals(minute < 12, idle.getSession("capped").isPresent(), "read every 3 minutes, at minute " + minute
                    + ": it ends at its expiresAt (12 minutes) however often it is read");
        }
        // a session whose read moved its deadline, then left idle: cleaning tells its idle end too ("capped"
        // reached its end, which is no idle end)
        idle.addSession(of("touched", "dave", null, clock.instant(), Duration.ofHours(1)));
        clock.advance(Duration.ofMinutes(2));
        assertTrue(idle.getSession("touched").isPresent()); // due: the deadline moves to 12 minutes from now
        clock.advance(Duration.ofMinutes(9));
        assertEquals(1, idle.sessionsOf("dave", 0, 10).size(), "the read moved its deadline"); // a listing touches nothing
        clock.advance(Duration.ofMinutes(2));
        int[] touchedIdle = {0};
        idle.cleanExpired(n -> touchedIdle[0] += n);
        assertEquals(1, touchedIdle[0], "'touched' ended idle after its read moved its deadline");
        idle.addSession(of("quiet", "bob", null, clock.instant(), Duration.ofHours(1)));
        clock.advance(Duration.ofSeconds(30));
        assertTrue(idle.getSession("quiet").isPresent()); // not due: nothing written, the deadline stays at 10m
        clock.advance(Duration.ofSeconds(575)); // 10m05s after the add, 9m35s after the read
        assertTrue(idle.getSession("quiet").isEmpty(), "a read that wrote nothing does not extend by more than touch_after");
    }
}
