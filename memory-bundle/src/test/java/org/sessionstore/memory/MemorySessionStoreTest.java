package org.sessionstore.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreFullException;
import org.sessionstore.testkit.MutableClock;

/** What only the memory backend promises: bounds, the expiry index, its configuration. */
class MemorySessionStoreTest {

    private final MutableClock clock = new MutableClock();

    private Session session(String id, Duration ttl) {
        Instant now = clock.instant();
        return new Session(id, "u", "s", now, now.plus(ttl), "at", "it", null);
    }

    @Test
    void fullStoreRefusesNewSessionsButAcceptsReplacements() {
        MemorySessionStore store = new MemorySessionStore(new MemoryConfig(3, 10, 0, Duration.ofMinutes(10)), clock);
        for (int i = 0; i < 3; i++) {
            store.addSession(session("s" + i, Duration.ofHours(1)));
        }
        StoreFullException e = assertThrows(StoreFullException.class,
                () -> store.addSession(session("s3", Duration.ofHours(1))));
        assertTrue(e.getMessage().contains("max_sessions=3"), e.getMessage());
        store.addSession(session("s1", Duration.ofHours(2)));
        assertEquals(3, store.getSessionCount());
    }

    /**
     * Found by CI: adders that passed the limit together each took themselves out, leaving the store
     * one below its bound. Raced on real threads, many rounds: the store ends exactly at its bound and
     * every adder is refused once.
     */
    @Test
    void addersRacingPastTheLimitLeaveTheStoreExactlyFull() throws Exception {
        for (int round = 0; round < 200; round++) {
            MemorySessionStore store = new MemorySessionStore(new MemoryConfig(50, 10, 0, Duration.ofMinutes(10)), clock);
            AtomicLong next = new AtomicLong();
            AtomicLong refused = new AtomicLong();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread adder = new Thread(() -> {
                    try {
                        go.await();
                        while (true) {
                            store.addSession(session("r" + next.incrementAndGet(), Duration.ofHours(1)));
                        }
                    } catch (StoreFullException full) {
                        refused.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                threads.add(adder);
                adder.start();
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(4, refused.get(), "round " + round);
            assertEquals(50, store.getSessionCount(), "round " + round + ": the store ends exactly at max_sessions");
        }
    }

    @Test
    void fullStoreMakesRoomByCleaningExpiredSessionsFirst() {
        MemorySessionStore store = new MemorySessionStore(new MemoryConfig(2, 10, 0, Duration.ofMinutes(10)), clock);
        store.addSession(session("a", Duration.ofMinutes(1)));
        store.addSession(session("b", Duration.ofHours(1)));
        clock.advance(Duration.ofMinutes(2));
        store.addSession(session("c", Duration.ofHours(1)));
        assertTrue(store.sessionExists("c"));
    }

    /** Found in review: a full state table refused every login until the flood's states passed state_ttl. */
    @Test
    void aFullStateTableDropsItsOldestStateForANewOneNeverRefuses() {
        MemorySessionStore store = new MemorySessionStore(new MemoryConfig(10, 2, 0, Duration.ofMinutes(10)), clock);
        store.addStateEntry("a", "ua", "r", "u", "v");
        store.addStateEntry("b", "ua", "r", "u", "v");
        store.addStateEntry("c", "ua", "r", "u", "v");
        assertEquals(2, store.stateCount());
        assertFalse(store.validateAndRemoveState("a", "ua").isPresent(), "the oldest went");
        assertTrue(store.validateAndRemoveState("b", "ua").isPresent());
        assertTrue(store.validateAndRemoveState("c", "ua").isPresent());
    }

    @Test
    void aClientAtItsLimitLosesItsOwnOldestStateNeverAnothers() {
        MemorySessionStore store = new MemorySessionStore(new MemoryConfig(10, 100, 3, Duration.ofMinutes(10)), clock);
        store.addStateEntry("other", "ua", "r", "u", "v", "10.0.0.2");
        for (int i = 0; i < 10; i++) {
            store.addStateEntry("flood" + i, "ua", "r", "u", "v", "10.0.0.66");
        }
        assertEquals(4, store.stateCount(), "three of the flooder's, one of the other client's");
        assertTrue(store.validateAndRemoveState("other", "ua").isPresent());
        assertFalse(store.validateAndRemoveState("flood6", "ua").isPresent());
        assertTrue(store.validateAndRemoveState("flood9", "ua").isPresent());
        store.validateAndRemoveState("flood7", "ua");
        store.validateAndRemoveState("flood8", "ua");
        assertEquals(0, store.stateCount());
        assertEquals(0, store.states().clientCount(), "a client with no pending state is forgotten");
    }

    /** Cleaning looks at the expired sessions' index entries only, not at the live sessions. */
    @Test
    void cleanExpiredVisitsOnlyWhatExpired() {
        MemorySessionStore store = new MemorySessionStore(MemoryConfig.defaults(), clock);
        for (int i = 0; i < 50_000; i++) {
            store.addSession(session("live" + i, Duration.ofHours(5)));
        }
        for (int i = 0; i < 100; i++) {
            store.addSession(session("dead" + i, Duration.ofMinutes(1)));
        }
        assertEquals(50_100, store.indexSize());
        clock.advance(Duration.ofMinutes(2));
        assertEquals(100, store.cleanExpired());
        // the expired slot left the index; the live sessions' entries were not touched
        assertEquals(50_000, store.indexSize());
        assertEquals(50_000, store.getSessionCount());
    }

    @Test
    void aReplacedSessionMovesInTheIndex() {
        MemorySessionStore store = new MemorySessionStore(MemoryConfig.defaults(), clock);
        store.addSession(session("a", Duration.ofMinutes(1)));
        store.addSession(session("a", Duration.ofHours(1)));
        assertEquals(1, store.indexSize());
        clock.advance(Duration.ofMinutes(2));
        assertEquals(0, store.cleanExpired());
        assertTrue(store.sessionExists("a"));
        assertEquals(1, store.indexSize());
        clock.advance(Duration.ofHours(1));
        assertEquals(1, store.cleanExpired());
        assertEquals(0, store.indexSize());
    }

    /** Defect: re-adding one session with a later expiry each time left an index entry per add. */
    @Test
    void aReAddFloodLeavesOneIndexEntry() {
        MemorySessionStore store = new MemorySessionStore(MemoryConfig.defaults(), clock);
        Instant now = clock.instant();
        for (int i = 0; i < 200_000; i++) {
            store.addSession(new Session("one", "u", "s", now, now.plusSeconds(60 + i), null, null, null));
        }
        assertEquals(1, store.indexSize());
        assertEquals(1, store.indexSlots());
        assertEquals(1, store.getSessionCount());
    }

    @Test
    void deletedSessionsLeaveNothingInTheIndexEvenWithFarExpiries() {
        MemorySessionStore store = new MemorySessionStore(MemoryConfig.defaults(), clock);
        Instant now = clock.instant();
        for (int i = 0; i < 100_000; i++) {
            store.addSession(new Session("s" + i, "u", "s", now, now.plusSeconds(3600L * 24 * 365 + i), null, null, null));
            assertTrue(store.deleteSession("s" + i));
        }
        assertEquals(0, store.indexSize());
        assertEquals(0, store.indexSlots(), "empty seconds are dropped");
    }

    /** Defect: consumed states stayed queued until state_ttl, so add-then-consume rounds exhausted the heap. */
    @Test
    void consumedStatesFreeTheirPlaceAtOnce() {
        MemorySessionStore store = new MemorySessionStore(new MemoryConfig(10, 10, 0, Duration.ofMinutes(10)), clock);
        for (int i = 0; i < 200_000; i++) {
            store.addStateEntry("st" + i, "ua", "r", "u", "v");
            if (i % 2 == 0) {
                assertTrue(store.validateAndRemoveState("st" + i, "ua").isPresent());
            } else {
                assertTrue(store.validateAndRemoveState("st" + i, "other-agent").isEmpty(), "a mismatch consumes too");
            }
        }
        assertEquals(0, store.stateCount());
    }

    @Test
    void cleanExpiredStatesNeverKeepsAStatePastItsLifetime() {
        MemorySessionStore store = new MemorySessionStore(new MemoryConfig(10, 10, 0, Duration.ofMinutes(10)), clock);
        store.addStateEntry("old", "ua", "r", "u", "v");
        clock.advance(Duration.ofMinutes(11));
        assertEquals(1, store.cleanExpiredStates(Duration.ofHours(1)));
        assertEquals(Duration.ofMinutes(10), store.stateTtl().orElseThrow());
    }

    /** Racing re-adds and deletes of the same ids leave exactly one index entry per live session. */
    @Test
    void theIndexStaysExactUnderRacingWriters() throws Exception {
        MemorySessionStore store = new MemorySessionStore(MemoryConfig.defaults(), clock);
        Instant now = clock.instant();
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int me = t;
            Thread w = new Thread(() -> {
                java.util.Random rnd = new java.util.Random(me);
                for (int i = 0; i < 100_000; i++) {
                    String id = "s" + rnd.nextInt(64);
                    if (rnd.nextInt(4) == 0) {
                        store.deleteSession(id);
                    } else {
                        store.addSession(new Session(id, "u", "s", now, now.plusSeconds(60 + rnd.nextInt(600)), null, null, null));
                    }
                }
            });
            writers.add(w);
            w.start();
        }
        for (Thread w : writers) {
            w.join();
        }
        assertEquals(store.getSessionCount(), store.indexSize());
        clock.advance(Duration.ofHours(1));
        store.cleanExpired();
        assertEquals(0, store.getSessionCount());
        assertEquals(0, store.indexSize());
    }

    /** Readers keep reading while a cleaner removes a large batch; nothing live is lost. */
    @Test
    void readersRunWhileCleaning() throws Exception {
        MemorySessionStore store = new MemorySessionStore(MemoryConfig.defaults(), clock);
        for (int i = 0; i < 1_000; i++) {
            store.addSession(session("live" + i, Duration.ofHours(5)));
        }
        for (int i = 0; i < 200_000; i++) {
            store.addSession(session("dead" + i, Duration.ofMinutes(1)));
        }
        clock.advance(Duration.ofMinutes(2));
        AtomicBoolean cleaning = new AtomicBoolean(true);
        AtomicLong readsDuringClean = new AtomicLong();
        AtomicReference<String> problem = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(2);
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Thread r = new Thread(() -> {
                for (int i = 0; cleaning.get(); i++) {
                    if (!store.sessionExists("live" + (i % 1_000))) {
                        problem.set("live session missing");
                    }
                    readsDuringClean.incrementAndGet();
                    if (i == 0) {
                        started.countDown(); // reading before the clean starts, and on while it runs
                    }
                }
            });
            readers.add(r);
            r.start();
        }
        started.await();
        int removed = store.cleanExpired();
        cleaning.set(false);
        for (Thread r : readers) {
            r.join();
        }
        assertEquals(null, problem.get());
        assertEquals(200_000, removed);
        assertEquals(1_000, store.getSessionCount());
        assertTrue(readsDuringClean.get() > 0);
    }

    @Test
    void configurationIsCheckedKeyByKey() {
        assertEquals(new MemoryConfig(5, 7, 0, Duration.ofSeconds(90)),
                MemoryConfig.from(Map.of("max_sessions", "5", "max_states", 7, "max_states_per_client", "0",
                        "state_ttl", "90s")));
        assertEquals(MemoryConfig.defaults(), MemoryConfig.from(Map.of()));
        StoreConfigException unknown = assertThrows(StoreConfigException.class,
                () -> MemoryConfig.from(Map.of("ttl", "1h")));
        assertEquals("unknown memory store key 'ttl'; known keys: idle_timeout, max_sessions, max_sessions_per_subject,"
                + " max_states, max_states_per_client, on_subject_limit, state_ttl, touch_after",
                unknown.getMessage());
        StoreConfigException bad = assertThrows(StoreConfigException.class,
                () -> MemoryConfig.from(Map.of("max_sessions", "-1")));
        assertEquals("max_sessions", bad.key());
        assertEquals(MemoryConfig.defaults(), MemoryConfig.from(Map.of("max_sessions", "0", "max_states", "0")),
                "0 fits the bounds to the heap, as the defaults do");
    }

    /** Found in review: an id added again under another subject or sid stayed in the old one's set, for ever. */
    @Test
    void anIdThatChangesSubjectLeavesTheOldSubjectsSet() {
        MemorySessionStore store = new MemorySessionStore(MemoryConfig.from(java.util.Map.of()), clock);
        Instant now = clock.instant();
        for (int i = 0; i < 1_000; i++) {
            store.addSession(new Session("s" + i, "u", "old-" + i, now, now.plusSeconds(60), null, null, null, "sid-" + i));
            store.addSession(new Session("s" + i, "u", "new-" + i, now, now.plusSeconds(60), null, null, null, null));
            assertTrue(store.deleteSession("s" + i));
        }
        assertEquals(0, store.subjectCount(), "subjects still indexed");
        assertEquals(0, store.deleteSessionsBySid("sid-7"));
    }

    /**
     * Re-adds skip the subject's and sid's sets when the replaced entry had the same ones: racing
     * re-adds that change and keep a session's subject and sid, with deletes, must still leave every
     * live session in its subject's and sid's sets (a revoke by either removes it).
     */
    @Test
    void racingReAddsAndDeletesLeaveEveryLiveSessionInItsSubjectAndSidSets() throws Exception {
        for (int round = 0; round < 30; round++) {
            MemorySessionStore store = new MemorySessionStore(MemoryConfig.defaults(), clock);
            Instant now = clock.instant();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int me = t;
                Thread th = new Thread(() -> {
                    java.util.Random r = new java.util.Random(me * 31L + 7);
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < 2_000; i++) {
                        String id = "r" + r.nextInt(16);
                        if (r.nextInt(6) == 0) {
                            store.deleteSession(id);
                        } else {
                            store.addSession(new Session(id, "u", r.nextBoolean() ? "a" : "b", now, now.plusSeconds(600),
                                    "at", "it", null, r.nextBoolean() ? "x" : "y"));
                        }
                    }
                });
                threads.add(th);
                th.start();
            }
            go.countDown();
            for (Thread th : threads) {
                th.join();
            }
            long live = store.getSessionCount();
            int bySid = round % 2 == 0 ? store.deleteSessionsBySid("x") + store.deleteSessionsBySid("y")
                    : store.deleteSessionsBySubject("a") + store.deleteSessionsBySubject("b");
            assertEquals(live, bySid, "round " + round + ": live sessions a revoke by " + (round % 2 == 0 ? "sid" : "subject")
                    + " did not find");
            assertEquals(0, store.getSessionCount(), "round " + round);
            store.close();
        }
    }
}
