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
 * The conformance suite of {@link SessionStore}: every backend, ours or a third party's, extends
 * this class and supplies a fresh store driven by a {@link MutableClock}.
 *
 * <pre>
 * class MyStoreConformanceTest extends SessionStoreContract {
 *     protected SessionStore newStore(MutableClock clock) {
 *         return new MyStore(config, clock);
 *     }
 * }
 * </pre>
 *
 * <p>Each test gets a new empty store and closes it afterwards. A backend shared by several
 * nodes (such as Redis) overrides {@link #newPeerStore} so that the one-time race runs across two
 * store instances, as two proxy nodes would.
 */
public abstract class SessionStoreContract {

    /** The clock of the store under test. */
    protected MutableClock clock;

    /** The store under test. */
    protected SessionStore store;

    private final List<SessionStore> opened = new ArrayList<>();

    /**
     * A new, empty store that reads the time from {@code clock}.
     *
     * @param clock the test's clock
     * @return the store
     */
    protected abstract SessionStore newStore(MutableClock clock);

    /**
     * A second store on the same backend as {@code first}, as a second proxy node would hold.
     * Stores without a shared backend return {@code first}.
     *
     * @param first the store under test
     * @param clock the test's clock
     * @return a store sharing {@code first}'s data
     */
    protected SessionStore newPeerStore(SessionStore first, MutableClock clock) {
        return first;
    }

    /**
     * How long a state lives in the stores this suite gets (their {@code state_ttl}).
     *
     * @return the state lifetime; 10 minutes unless overridden
     */
    protected Duration stateTtl() {
        return Duration.ofMinutes(10);
    }

    /**
     * The most pending states one client may hold in the stores this suite gets (their
     * {@code max_states_per_client}, API 1.5), or 0 for a store that does not bound clients (one
     * written before API 1.5 ignores the client, and the suite checks just that). Give the stores a
     * small limit (say 50), as the flood tests add three times as many states.
     *
     * @return 0 unless overridden
     */
    protected int maxStatesPerClient() {
        return 0;
    }

    /**
     * Rounds of the one-time race; each round 16 threads race for one state.
     *
     * @return 1,000 unless overridden
     */
    protected int raceRounds() {
        return 1_000;
    }

    @BeforeEach
    void openStore() {
        clock = new MutableClock();
        store = track(newStore(clock));
    }

    @AfterEach
    void closeStores() {
        for (SessionStore s : opened) {
            s.close();
        }
        opened.clear();
    }

    private SessionStore track(SessionStore s) {
        if (!opened.contains(s)) {
            opened.add(s);
        }
        return s;
    }

    /**
     * A session with every field set, expiring {@code ttl} from the clock's now.
     *
     * @param id its id
     * @param ttl its remaining lifetime
     * @return the session
     */
    protected Session session(String id, Duration ttl) {
        Instant now = clock.instant();
        return new Session(id, "user-" + id, "sub-" + id, now, now.plus(ttl), "at-" + id, "it-" + id, "cv-" + id);
    }

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

    // --- states ---------------------------------------------------------------------------

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


    @Test
    void stateIsReturnedOnceWithItsFields() {
        Instant created = clock.instant();
        store.addStateEntry("st1", "Mozilla/5.0", "https://app/x", "http://upstream", "verifier");
        Optional<StateEntry> got = store.validateAndRemoveState("st1", "Mozilla/5.0");
        assertEquals(Optional.of(new StateEntry("st1", created, "Mozilla/5.0", "https://app/x", "http://upstream",
                "verifier")), got);
        assertEquals(Optional.empty(), store.validateAndRemoveState("st1", "Mozilla/5.0"));
    }

    @Test
    void userAgentMismatchConsumesTheState() {
        store.addStateEntry("st1", "Mozilla/5.0", "https://app/x", "http://upstream", "v");
        assertEquals(Optional.empty(), store.validateAndRemoveState("st1", "curl/8.0"));
        assertEquals(Optional.empty(), store.validateAndRemoveState("st1", "Mozilla/5.0"));
    }

    /** Whether the store under test tells a User-Agent mismatch (API 1.4); older backends keep the default. */
    private boolean tellsMismatches() {
        try {
            return store.getClass().getMethod("validateAndRemoveState", String.class, String.class, Runnable.class)
                    .getDeclaringClass() != SessionStore.class;
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A mismatch is told once, to the one caller that took the state; a match, an unknown state and
     * an expired one are not mismatches. A backend that keeps the API's default never tells.
     */
    @Test
    void aUserAgentMismatchIsToldOnceAndNothingElseIs() {
        AtomicInteger told = new AtomicInteger();
        Runnable tell = told::incrementAndGet;
        store.addStateEntry("st1", "Mozilla/5.0", "r", "u", "v");
        assertEquals(Optional.empty(), store.validateAndRemoveState("st1", "curl/8.0", tell));
        assertEquals(tellsMismatches() ? 1 : 0, told.get(), "onMismatch runs for a state taken with another User-Agent");
        assertEquals(Optional.empty(), store.validateAndRemoveState("st1", "Mozilla/5.0", tell), "the state is gone");
        assertEquals(Optional.empty(), store.validateAndRemoveState("st1", "curl/8.0", tell));
        assertEquals(Optional.empty(), store.validateAndRemoveState("never", "curl/8.0", tell));
        store.addStateEntry("st2", "ua", "r", "u", "v");
        assertTrue(store.validateAndRemoveState("st2", "ua", tell).isPresent());
        store.addStateEntry("st3", "ua", "r", "u", "v");
        clock.advance(stateTtl().plusSeconds(1));
        assertEquals(Optional.empty(), store.validateAndRemoveState("st3", "other", tell), "an expired state");
        assertEquals(tellsMismatches() ? 1 : 0, told.get(), "absent, expired or matching states are not mismatches");
        assertThrows(IllegalArgumentException.class, () -> store.validateAndRemoveState("st9", "ua", null));
    }

    @Test
    void unknownStateIsEmpty() {
        assertEquals(Optional.empty(), store.validateAndRemoveState("never", "ua"));
    }

    @Test
    void stateOlderThanItsLifetimeIsNotAccepted() {
        store.addStateEntry("st1", "ua", "r", "u", "v");
        clock.advance(stateTtl().plusSeconds(1));
        assertEquals(Optional.empty(), store.validateAndRemoveState("st1", "ua"));
    }

    @Test
    void cleanExpiredStatesRemovesOldOnes() {
        for (int i = 0; i < 10; i++) {
            store.addStateEntry("old" + i, "ua", "r", "u", "v");
        }
        clock.advance(Duration.ofMinutes(5));
        for (int i = 0; i < 4; i++) {
            store.addStateEntry("new" + i, "ua", "r", "u", "v");
        }
        clock.advance(Duration.ofSeconds(1));
        assertEquals(10, store.cleanExpiredStates(Duration.ofMinutes(5)));
        assertEquals(0, store.cleanExpiredStates(Duration.ofMinutes(5)));
        assertEquals(Optional.empty(), store.validateAndRemoveState("old3", "ua"));
        assertTrue(store.validateAndRemoveState("new3", "ua").isPresent());
    }

    /**
     * The one setting for a state's life: a store that reports its {@code stateTtl()} accepts a
     * state for exactly that long, and cleaning at that age removes only states it no longer
     * accepts (the registry's housekeeping cleans at it).
     */
    @Test
    void theReportedStateLifetimeIsTheOneTheStoreKeeps() {
        Optional<Duration> reported = store.stateTtl();
        if (reported.isEmpty()) {
            return; // the store does not say; the registry then leaves its states to it
        }
        assertEquals(stateTtl(), reported.get(), "stateTtl() differs from the lifetime the suite was told");
        store.addStateEntry("young", "ua", "r", "u", "v");
        store.addStateEntry("old", "ua", "r", "u", "v");
        clock.advance(reported.get().minusSeconds(1));
        assertEquals(0, store.cleanExpiredStates(reported.get()), "cleaning at state_ttl removed a state still accepted");
        assertTrue(store.validateAndRemoveState("young", "ua").isPresent());
        clock.advance(Duration.ofSeconds(2));
        assertEquals(1, store.cleanExpiredStates(reported.get()));
        assertEquals(Optional.empty(), store.validateAndRemoveState("old", "ua"));
    }

    @Test
    void stateToStringHidesTheVerifier() {
        String text = new StateEntry("s", clock.instant(), "ua", "r", "u", "secret-verifier").toString();
        assertFalse(text.contains("secret-verifier"), text);
    }

    /** The one-time rule: 16 threads race for one state, round after round; exactly one wins each. */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void exactlyOneOfSixteenRacingCallersGetsTheState() throws Exception {
        int[] winnersPerRound = race("ua", raceRounds());
        for (int r = 0; r < winnersPerRound.length; r++) {
            assertEquals(1, winnersPerRound[r], "winners in round " + r);
        }
    }

    /**
     * Sixteen callers with the wrong User-Agent race for each state: one of them takes it and is
     * told (a tenth of {@link #raceRounds()}, at least ten).
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void exactlyOneOfSixteenRacingCallersIsToldOfAMismatch() throws Exception {
        int[] toldPerRound = race("another-browser", Math.max(10, raceRounds() / 10));
        for (int r = 0; r < toldPerRound.length; r++) {
            assertEquals(tellsMismatches() ? 1 : 0, toldPerRound[r], "mismatches told in round " + r);
        }
    }

    /**
     * Sixteen threads, half on {@link #store} and half on its peer, race for the state of each of
     * {@code rounds} rounds ("ua" its User-Agent) with {@code userAgent}; per round, how many got the entry plus
     * how many were told of a mismatch.
     */
    private int[] race(String userAgent, int rounds) throws Exception {
        SessionStore peer = track(newPeerStore(store, clock));
        int threads = 16;
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        int[] perRound = new int[rounds];
        CyclicBarrier start = new CyclicBarrier(threads);
        CyclicBarrier end = new CyclicBarrier(threads);
        // thread 0 adds the state of each round before the race starts
        List<Thread> racers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            SessionStore mine = t % 2 == 0 ? store : peer;
            Thread th = new Thread(() -> {
                try {
                    for (int r = 0; r < rounds; r++) {
                        if (me == 0) {
                            store.addStateEntry("race-" + r, "ua", "r", "u", "v");
                        }
                        start.await(60, TimeUnit.SECONDS);
                        int round = r;
                        Runnable told = () -> {
                            synchronized (perRound) {
                                perRound[round]++;
                            }
                        };
                        String state = "race-" + r;
                        // the two-argument call as most callers make it; the three-argument one to hear mismatches
                        if ((userAgent.equals("ua") ? mine.validateAndRemoveState(state, userAgent)
                                : mine.validateAndRemoveState(state, userAgent, told)).isPresent()) {
                            told.run();
                        }
                        end.await(60, TimeUnit.SECONDS);
                    }
                } catch (Exception e) {
                    problems.add(e.toString());
                }
            }, "racer-" + t);
            racers.add(th);
            th.start();
        }
        for (Thread th : racers) {
            th.join();
        }
        assertEquals(List.of(), List.copyOf(problems));
        return perRound;
    }

    /** Real threads add, read and delete distinct sessions at once; nothing is lost or mixed up. */
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

    // --- revoke by subject ---------------------------------------------------------------

    private Session sessionOf(String id, String sub, Duration ttl) {
        Instant now = clock.instant();
        return new Session(id, "user-" + id, sub, now, now.plus(ttl), "at-" + id, "it-" + id, null);
    }

    /** Sign out everywhere: every live session of the subject goes, no other, and the count says how many. */
    @Test
    void deleteSessionsBySubjectRemovesEveryLiveSessionOfThatSubjectOnly() {
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
