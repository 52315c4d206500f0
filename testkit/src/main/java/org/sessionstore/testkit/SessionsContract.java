package org.sessionstore.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sessionstore.api.Ids;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.api.TransferableStore;

/**
 * Sessions (API 1.0): add, get, replace, expire, delete, fields, count, concurrent writers,
 * argument checks and a closed store. Part of {@link SessionStoreContract}.
 */
public abstract class SessionsContract extends StoreContractSupport {

    // --- sessions -------------------------------------------------------------------------

    @Test
    void addedSessionRoundTrips() {
        Session s = session("s1", Duration.ofHours(1));
        store.addSession(s);
        assertEquals(Optional.of(s), store.getSession("s1"));
        assertTrue(store.sessionExists("s1"));
    }

    @Test
    void sessionWithOnlyRequiredFieldsRoundTrips() {
        Session s = new Session("bare", null, null, null, clock.instant().plusSeconds(60), null, null, null);
        store.addSession(s);
        assertEquals(Optional.of(s), store.getSession("bare"));
        assertEquals(Optional.empty(), store.getField("bare", "access_token"));
    }

    @Test
    void addReplacesTheSessionWithTheSameId() {
        store.addSession(session("s1", Duration.ofHours(1)));
        Session newer = new Session("s1", "other", "sub2", clock.instant(), clock.instant().plusSeconds(30),
                "at2", "it2", null);
        store.addSession(newer);
        assertEquals(Optional.of(newer), store.getSession("s1"));
        assertEquals(1, store.getSessionCount());
    }

    @Test
    void missingSessionIsEmpty() {
        assertEquals(Optional.empty(), store.getSession("nope"));
        assertFalse(store.sessionExists("nope"));
        assertFalse(store.deleteSession("nope"));
        assertEquals(Optional.empty(), store.getField("nope", "username"));
    }

    @Test
    void alreadyExpiredSessionIsNotKeptAndReplacesTheOldOne() {
        store.addSession(session("s1", Duration.ofHours(1)));
        Session expired = new Session("s1", "u", "s", clock.instant().minusSeconds(60), clock.instant(), null, null, null);
        store.addSession(expired);
        assertEquals(Optional.empty(), store.getSession("s1"));
        assertEquals(0, store.getSessionCount());
    }

    @Test
    void expiredSessionIsInvisibleBeforeItIsCleaned() {
        store.addSession(session("short", Duration.ofSeconds(30)));
        store.addSession(session("long", Duration.ofHours(2)));
        clock.advance(Duration.ofSeconds(29));
        assertTrue(store.sessionExists("short"));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Optional.empty(), store.getSession("short"));
        assertFalse(store.sessionExists("short"));
        assertEquals(Optional.empty(), store.getField("short", "username"));
        assertEquals(1, store.getSessionCount());
        assertTrue(store.sessionExists("long"));
    }

    @Test
    void cleanExpiredRemovesOnlyExpiredSessionsAndCountsThem() {
        for (int i = 0; i < 50; i++) {
            store.addSession(session("old" + i, Duration.ofMinutes(1 + i % 5)));
        }
        for (int i = 0; i < 20; i++) {
            store.addSession(session("new" + i, Duration.ofHours(3)));
        }
        clock.advance(Duration.ofMinutes(10));
        assertEquals(50, store.cleanExpired());
        assertEquals(0, store.cleanExpired());
        assertEquals(20, store.getSessionCount());
        assertTrue(store.sessionExists("new7"));
    }

    @Test
    void deleteRemovesTheSession() {
        store.addSession(session("s1", Duration.ofHours(1)));
        assertTrue(store.deleteSession("s1"));
        assertFalse(store.deleteSession("s1"));
        assertEquals(Optional.empty(), store.getSession("s1"));
        assertEquals(0, store.getSessionCount());
    }

    @Test
    void getFieldReadsEachField() {
        store.addSession(session("s1", Duration.ofHours(1)));
        assertEquals(Optional.of("user-s1"), store.getField("s1", "username"));
        assertEquals(Optional.of("sub-s1"), store.getField("s1", "sub"));
        assertEquals(Optional.of("at-s1"), store.getField("s1", "access_token"));
        assertEquals(Optional.of("it-s1"), store.getField("s1", "id_token"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> store.getField("s1", "password"));
        assertTrue(e.getMessage().contains("username"), e.getMessage());
    }

    @Test
    void countIsTheNumberOfLiveSessions() {
        assertEquals(0, store.getSessionCount());
        for (int i = 0; i < 25; i++) {
            store.addSession(session("c" + i, Duration.ofMinutes(i < 10 ? 1 : 60)));
        }
        assertEquals(25, store.getSessionCount());
        clock.advance(Duration.ofMinutes(2));
        assertEquals(15, store.getSessionCount());
    }

    @Test
    void sessionToStringHidesSecrets() {
        String text = session("s1", Duration.ofHours(1)).toString();
        assertFalse(text.contains("at-s1") || text.contains("it-s1") || text.contains("cv-s1"), text);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void concurrentWritersAndReadersSeeConsistentSessions() throws Exception {
        int threads = 8;
        int perThread = 500;
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        String id = "t" + me + "-" + i;
                        Session s = session(id, Duration.ofHours(1));
                        store.addSession(s);
                        if (!store.getSession(id).equals(Optional.of(s))) {
                            problems.add("lost " + id);
                        }
                        if (i % 5 == 0 && !store.deleteSession(id)) {
                            problems.add("could not delete " + id);
                        }
                    }
                } catch (Exception e) {
                    problems.add(e.toString());
                }
            });
            workers.add(th);
            th.start();
        }
        for (Thread th : workers) {
            th.join();
        }
        assertEquals(List.of(), List.copyOf(problems));
        assertEquals(threads * (perThread - perThread / 5), store.getSessionCount());
    }

    // --- arguments ------------------------------------------------------------------------

    @Test
    void badIdsAreRejectedClearly() {
        String tooLong = "x".repeat(Ids.MAX_LENGTH + 1);
        for (String bad : new String[] {null, "", "   ", tooLong, "a\nb", "a\u0000b", "\u00a0\u00a0", "\u200b",
            "a\u2028b", "admin\u202Enig", "a\u00a0b", "a\u001b[31mb", "a\ud800"}) {
            for (Consumer<String> call : List.<Consumer<String>>of(
                    store::getSession, store::deleteSession, store::sessionExists,
                    id -> store.getField(id, "username"),
                    id -> store.addStateEntry(id, "ua", "r", "u", "v"),
                    id -> store.validateAndRemoveState(id, "ua"))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> call.accept(bad),
                        "accepted id " + (bad == null ? null : bad.length() > 20 ? bad.length() + " chars" : "'" + bad + "'"));
                assertTrue(e.getMessage().matches("(session id|state) .*"), e.getMessage());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> session(tooLong, Duration.ofHours(1)));
    }

    @Test
    void otherBadArgumentsAreRejectedClearly() {
        assertThrows(IllegalArgumentException.class, () -> store.addSession(null));
        assertThrows(IllegalArgumentException.class, () -> store.cleanExpiredStates(null));
        assertThrows(IllegalArgumentException.class, () -> store.cleanExpiredStates(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> store.addStateEntry("s", null, "r", "u", "v"));
        assertThrows(IllegalArgumentException.class, () -> store.validateAndRemoveState("s", null));
    }

    // --- lifecycle ------------------------------------------------------------------------

    @Test
    void closedStoreFailsCallsAsUnavailable() {
        SessionStore s = newStore(clock);
        s.addSession(session("s1", Duration.ofHours(1)));
        s.close();
        s.close();
        assertThrows(StoreUnavailableException.class, () -> s.getSession("s1"));
        assertThrows(StoreUnavailableException.class, () -> s.addSession(session("s2", Duration.ofHours(1))));
        assertThrows(StoreUnavailableException.class, s::getSessionCount);
    }
}
