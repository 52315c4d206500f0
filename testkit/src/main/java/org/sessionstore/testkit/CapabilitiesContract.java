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
 * What later API levels added, each tested at its level (below it, the API's documented default
 * is asserted instead; see {@link StoreContractSupport#apiLevel()}): revoke by subject (1.3), a
 * flood from one client that crowds out nobody (1.5), and the migration of entries for a
 * {@code TransferableStore} (1.1, optional). Part of {@link SessionStoreContract}.
 */
public abstract class CapabilitiesContract extends StatesContract {

    // --- clients (API 1.5) -----------------------------------------------------------------

    /**
     * A flood from one client never crowds out another's login: the flooding client keeps at most
     * its limit of pending states, its oldest going first, and another client's state stays.
     */
    @Test
    void aFloodFromOneClientNeverCrowdsOutAnotherClientsLogin() {
        int cap = maxStatesPerClient();
        if (cap == 0) {
            // no bound per client: the client is ignored, the state kept as by the five-argument add
            store.addStateEntry("named", "ua", "https://app/", "http://up", "cv", "10.0.0.1");
            assertTrue(store.validateAndRemoveState("named", "ua").isPresent());
            return;
        }
        store.addStateEntry("legit", "ua", "https://app/", "http://up", "cv", "10.0.0.2");
        for (int i = 0; i < cap * 3; i++) {
            store.addStateEntry("flood" + i, "ua", "https://app/", "http://up", "cv", "10.0.0.66");
            if (i % 7 == 0) {
                clock.advance(Duration.ofMillis(1)); // creation times that order the states, as real ones would
            }
        }
        assertTrue(store.validateAndRemoveState("legit", "ua").isPresent(), "another client's state stays");
        assertFalse(store.validateAndRemoveState("flood0", "ua").isPresent(), "the flooder's oldest state went");
        assertTrue(store.validateAndRemoveState("flood" + (cap * 3 - 1), "ua").isPresent(), "its newest stays");
        int kept = 0;
        for (int i = 0; i < cap * 3; i++) {
            if (store.validateAndRemoveState("flood" + i, "ua").isPresent()) {
                kept++;
            }
        }
        assertTrue(kept <= cap, kept + " of the flooder's states kept, its limit is " + cap);
        assertThrows(IllegalArgumentException.class, () -> store.addStateEntry("x", "ua", "r", "u", "v", "bad\nclient"));
        assertThrows(IllegalArgumentException.class, () -> store.addStateEntry("x", "ua", "r", "u", "v", " "));
    }

    /**
     * Twenty clients log in (add a state on one node, finish on the other) while two threads flood
     * states from one client on both nodes: every one of the twenty logins succeeds.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void twentyClientsLogInWhileOneFloodsOnTwoNodes() throws Exception {
        int cap = maxStatesPerClient();
        SessionStore peer = track(newPeerStore(store, clock));
        if (cap == 0) {
            store.addStateEntry("named", "ua", "https://app/", "http://up", "cv", "10.0.0.1");
            assertTrue(peer.validateAndRemoveState("named", "ua").isPresent());
            return;
        }
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger flooded = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (SessionStore node : List.of(store, peer)) {
            Thread flooder = new Thread(() -> {
                try {
                    while (!done.get() || flooded.get() < cap * 3) {
                        node.addStateEntry("f" + flooded.incrementAndGet() + "-" + System.nanoTime(), "bot",
                                "https://app/", "http://up", "cv", "203.0.113.66");
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            });
            threads.add(flooder);
            flooder.start();
        }
        AtomicInteger loggedIn = new AtomicInteger();
        List<Thread> logins = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int n = i;
            Thread login = new Thread(() -> {
                try {
                    SessionStore start = n % 2 == 0 ? store : peer;
                    SessionStore finish = n % 2 == 0 ? peer : store;
                    String state = "login-" + n;
                    start.addStateEntry(state, "browser-" + n, "https://app/" + n, "http://up", "cv-" + n, "198.51.100." + n);
                    Thread.sleep(20); // the user at the identity provider, while the flood goes on
                    if (finish.validateAndRemoveState(state, "browser-" + n).isPresent()) {
                        loggedIn.incrementAndGet();
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            });
            logins.add(login);
            login.start();
        }
        for (Thread t : logins) {
            t.join();
        }
        done.set(true);
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(failures.isEmpty(), "failures: " + failures);
        assertEquals(20, loggedIn.get(), "logins that succeeded while " + flooded.get() + " states flooded in");
    }


    // --- revoke by subject ---------------------------------------------------------------

    private Session sessionOf(String id, String sub, Duration ttl) {
        Instant now = clock.instant();
        return new Session(id, "user-" + id, sub, now, now.plus(ttl), "at-" + id, "it-" + id, null);
    }

    /** Sign out everywhere: every live session of the subject goes, no other, and the count says how many. */
    @Test
    void deleteSessionsBySubjectRemovesEveryLiveSessionOfThatSubjectOnly() {
        if (apiLevel() < 3) {
            assertRefusedBefore(3, () -> store.deleteSessionsBySubject("alice"));
            return;
        }
        store.addSession(sessionOf("a1", "alice", Duration.ofHours(1)));
        store.addSession(sessionOf("a2", "alice", Duration.ofHours(2)));
        store.addSession(sessionOf("a3", "alice", Duration.ofHours(1)));
        store.addSession(sessionOf("a3", "carol", Duration.ofHours(1))); // a3 now belongs to carol
        store.addSession(sessionOf("old", "alice", Duration.ofMinutes(1)));
        store.addSession(sessionOf("b1", "bob", Duration.ofHours(1)));
        store.addSession(sessionOf("n1", null, Duration.ofHours(1)));
        store.addSession(sessionOf("x1", "alice2", Duration.ofHours(1)));
        clock.advance(Duration.ofMinutes(2)); // "old" has expired
        assertEquals(2, store.deleteSessionsBySubject("alice"), "a1 and a2 are alice's live sessions");
        assertFalse(store.sessionExists("a1"));
        assertFalse(store.sessionExists("a2"));
        for (String kept : List.of("a3", "b1", "n1", "x1")) {
            assertTrue(store.sessionExists(kept), kept + " is not alice's and was removed");
        }
        assertEquals(4, store.getSessionCount());
        assertEquals(0, store.deleteSessionsBySubject("alice"));
        assertEquals(0, store.deleteSessionsBySubject("nobody"));
        store.addSession(sessionOf("a4", "alice", Duration.ofHours(1)));
        assertEquals(1, store.deleteSessionsBySubject("alice"), "a session added after a revocation is revoked next time");
        assertThrows(IllegalArgumentException.class, () -> store.deleteSessionsBySubject(null));
        assertThrows(IllegalArgumentException.class, () -> store.deleteSessionsBySubject("  "));
    }

    /**
     * Revoking while the subject signs in on other threads: every session whose add returned before
     * the revocation started is gone when it returns.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aRevocationRacingNewSignInsRemovesEverySessionAddedBeforeIt() throws Exception {
        if (apiLevel() < 3) {
            assertRefusedBefore(3, () -> store.deleteSessionsBySubject("eve"));
            return;
        }
        ConcurrentLinkedQueue<String> added = new ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int n = t;
            Thread w = new Thread(() -> {
                // at most 400 sessions each, so a slow backend's checks stay short
                for (int i = 0; !stop.get() && i < 400; i++) {
                    String id = "r" + n + "-" + i;
                    store.addSession(sessionOf(id, i % 2 == 0 ? "eve" : "other", Duration.ofHours(1)));
                    if (i % 2 == 0) {
                        added.add(id);
                    }
                }
            });
            writers.add(w);
            w.start();
        }
        try {
            for (int round = 0; round < 5; round++) {
                Thread.sleep(30);
                List<String> before = List.copyOf(added);
                store.deleteSessionsBySubject("eve");
                for (String id : before) {
                    assertFalse(store.sessionExists(id), id + " was added before the revocation and survived it");
                }
            }
        } finally {
            stop.set(true);
            for (Thread w : writers) {
                w.join();
            }
        }
    }

    // --- transfer (for stores that implement TransferableStore) -----------------------------

    /**
     * A {@link TransferableStore} reads out its live sessions and pending states (never an expired
     * one), and imports a state with its original creation time, so a copy expires when the
     * original would have. Stores that do not implement it skip this test.
     */
    @Test
    void aTransferableStoreReadsOutWhatIsLiveAndImportsStatesWithTheirAge() {
        if (!(store instanceof TransferableStore t)) {
            return;
        }
        store.addSession(session("live1", Duration.ofHours(1)));
        store.addSession(session("live2", Duration.ofHours(2)));
        store.addSession(session("soon", Duration.ofMinutes(1)));
        store.addStateEntry("st1", "ua", "https://app/1", "http://up", "v1");
        clock.advance(Duration.ofMinutes(2));
        java.util.Set<String> ids;
        try (Stream<Session> live = t.liveSessions()) {
            ids = live.map(Session::id).collect(java.util.stream.Collectors.toSet());
        }
        assertEquals(java.util.Set.of("live1", "live2"), ids, "liveSessions() returned an expired session or missed one");
        List<StateEntry> states;
        try (Stream<StateEntry> live = t.liveStates()) {
            states = live.toList();
        }
        assertEquals(1, states.size());
        assertEquals("https://app/1", states.get(0).requestUrl());

        Instant created = clock.instant().minus(stateTtl()).plusSeconds(30);
        t.importState(new StateEntry("imported", created, "ua", "https://app/i", "http://up", "vi"));
        Optional<StateEntry> back = store.validateAndRemoveState("imported", "ua");
        assertEquals(created.toEpochMilli(), back.orElseThrow().createdAt().toEpochMilli(),
                "importState kept the creation time");
        t.importState(new StateEntry("stale", created, "ua", "r", "u", "v"));
        clock.advance(Duration.ofSeconds(31));
        assertEquals(Optional.empty(), store.validateAndRemoveState("stale", "ua"),
                "an imported state expires when the original would have");
    }
}
