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
 * One-time states (API 1.0): returned once, the User-Agent rule (and, from API 1.4, a mismatch told
 * once), expiry and cleaning, the lifetime a store reports (1.2), and the one-time race across two
 * nodes. Part of {@link SessionStoreContract}.
 */
public abstract class StatesContract extends SessionsContract {

    // --- states ---------------------------------------------------------------------------
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
        return apiLevel() >= 4;
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
}
