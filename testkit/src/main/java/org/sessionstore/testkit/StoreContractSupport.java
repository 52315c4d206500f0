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
 * What every part of the conformance suite shares: the store under test, its clock, the hooks a
 * backend's test overrides, and the API level the store implements ({@link #apiLevel()}), which
 * decides whether a later capability is tested or its documented refusal asserted. Extend
 * {@link SessionStoreContract}, not this.
 */
public abstract class StoreContractSupport {

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

    protected SessionStore track(SessionStore s) {
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

    /**
     * The minor version of the API the store under test implements (1 for a backend written for
     * API 1.1, 5 for one written for 1.5), detected from the methods it overrides
     * ({@link ApiLevels#of}); override to say it (a wrapper that overrides everything, say). Each
     * capability added by a later API is tested at its level, and below it the suite asserts the
     * API's documented default instead (a one-line refusal, or "ignored").
     *
     * @return the API level, 1 to 5
     */
    protected int apiLevel() {
        return ApiLevels.of(store);
    }

    /** Asserts the one-line refusal of a capability the store's API level lacks (its API's default). */
    protected void assertRefusedBefore(int level, org.junit.jupiter.api.function.Executable call) {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, call);
        assertTrue(e.getMessage().contains("written before API 1." + level), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
