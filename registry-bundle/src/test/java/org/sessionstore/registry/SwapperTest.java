package org.sessionstore.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sessionstore.api.Migration;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreStatus.State;
import org.sessionstore.api.StoreUnavailableException;

/** The registry's swaps, without a framework: configuration and factories in, a served store out, nothing lost. */
@SuppressWarnings("unchecked")
class SwapperTest {

    private final Fixture r = new Fixture();

    @AfterEach
    void close() {
        r.close();
    }

    private static Session session(String id) {
        return new Session(id, "u", "s", Instant.now(), Instant.now().plusSeconds(3600), null, null, null);
    }

    @Test
    void noConfigurationMeansMemory() {
        r.configure(Map.of());
        assertEquals(State.WAITING, r.status().state());
        r.offer("memory", 1, TinyStore.factory());
        assertEquals(State.ACTIVE, r.status().state());
        assertEquals("memory", r.status().type());
        r.front.addSession(session("a"));
        assertTrue(r.front.sessionExists("a"));
    }

    @Test
    void backendLeavingMakesCallsWaitThenFailNamingTheType() {
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of("swap_timeout", "200ms"));
        TinyStore first = (TinyStore) r.backend();
        r.withdraw(1);
        assertTrue(first.closed, "a store that is not in-process is closed when its bundle leaves");
        long start = System.nanoTime();
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> r.front.getSessionCount());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(190), "failed before swap_timeout");
        assertTrue(e.getMessage().contains("'memory'") && e.getMessage().contains("200ms"), e.getMessage());
        assertEquals(State.WAITING, r.status().state());
    }

    @Test
    void callWaitingForABackendGoesOnWhenItReturns() throws Exception {
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of("swap_timeout", "5s"));
        r.withdraw(1);
        CompletableFuture<Long> waiting = CompletableFuture.supplyAsync(() -> r.front.getSessionCount());
        Thread.sleep(100);
        assertFalse(waiting.isDone());
        r.offer("memory", 2, TinyStore.factory());
        assertEquals(0L, waiting.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aNearCacheOverAStoreWithNoChannelIsRefusedAndTheRunningStoreKept() {
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of("size", "1"));
        TinyStore running = (TinyStore) r.backend();
        r.configure(Map.of("size", "1", "near_cache_size", "100"));
        assertSame(running, r.backend());
        String detail = r.status().detail();
        assertTrue(detail.contains("near_cache_size: the memory store has no channel between nodes"), detail);
        assertFalse(running.closed, "the running store goes on");
    }

    @Test
    void badConfigurationKeepsTheRunningStoreAndSaysWhereItCameFrom() {
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of("size", "1"));
        TinyStore running = (TinyStore) r.backend();
        r.configure(Map.of("colour", "blue", ConfigSource.FILEINSTALL_FILENAME, "file:/srv/etc/sessionstore.cfg"));
        assertSame(running, r.backend());
        assertFalse(running.closed);
        assertEquals(State.ACTIVE, r.status().state());
        String detail = r.status().detail();
        assertTrue(detail.contains("/srv/etc/sessionstore.cfg: key 'colour': unknown tiny store key 'colour'"), detail);
        assertTrue(detail.contains("the running memory store is kept"), detail);
        r.configure(Map.of("swap_timeout", "soon"));
        assertSame(running, r.backend());
        assertTrue(r.status().detail().contains("swap_timeout"), r.status().detail());
        assertEquals(Map.of("size", "1"), running.config, "the refused configurations did not replace the settings");
    }

    @Test
    void controlCharactersInAConfigurationNeverReachStatusOrLog() {
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of());
        r.configure(Map.of("swap_timeout", "1\u001b[31m\u0007s"));
        String detail = r.status().detail();
        assertFalse(detail.chars().anyMatch(Character::isISOControl), detail);
        assertTrue(detail.contains("\\u001B[31m\\u0007"), detail);
    }

    @Test
    void sameConfigurationAgainKeepsTheStoreAndItsData() {
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of("size", "1", "service.pid", "sessionstore"));
        TinyStore running = (TinyStore) r.backend();
        r.front.addSession(session("kept"));
        r.configure(Map.of("size", "1", "service.pid", "sessionstore", "felix.fileinstall.filename", "x"));
        assertSame(running, r.backend());
        assertTrue(r.front.sessionExists("kept"));
    }

    @Test
    void frameworkKeysNeverReachTheBackend() {
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of("size", "3", "service.pid", "sessionstore", "component.name", "x",
                "felix.fileinstall.filename", "file:/etc/sessionstore.cfg", "type", "memory", "swap_timeout", "1s",
                "clean_interval", "5s"));
        assertEquals(Map.of("size", "3"), ((TinyStore) r.backend()).config);
    }

    @Test
    void stateMaxAgeIsRefusedNamingWhatReplacedIt() {
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of());
        r.configure(Map.of("state_max_age", "5m"));
        assertTrue(r.status().detail().contains("key 'state_max_age': no longer read"), r.status().detail());
        assertTrue(r.status().detail().contains("state_ttl"), r.status().detail());
    }

    @Test
    void typeNoBundleProvidesWaitsWhenNothingServedAndComesAliveWhenOneArrives() {
        r.configure(Map.of("type", "mock", "swap_timeout", "100ms"));
        assertEquals(State.WAITING, r.status().state());
        assertTrue(r.status().detail().contains("store.type=mock"));
        assertThrows(StoreUnavailableException.class, () -> r.front.getSessionCount());
        r.offer("mock", 7, TinyStore.factory());
        assertEquals(State.ACTIVE, r.status().state());
        assertEquals("test.mock", r.status().provider().bundleSymbolicName());
        assertEquals(0, r.front.getSessionCount());
    }

    /** Defect: a typo in etc/sessionstore.cfg (type = memmory) closed the running store at once. */
    @Test
    void typeNoBundleProvidesIsPendingWhileTheRunningStoreKeepsServingThenItsEntriesMove() {
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.configure(Map.of());
        r.front.addSession(session("before"));
        r.configure(Map.of("type", "memmory"));
        assertEquals(State.PENDING, r.status().state());
        assertEquals("memmory", r.status().type());
        assertEquals("memory", r.status().provider().type());
        assertTrue(r.status().detail().contains("configured type 'memmory' is pending"), r.status().detail());
        r.front.addSession(session("while-pending"));
        assertTrue(r.front.sessionExists("before"));

        r.offer("memmory", 2, config -> new InProcessStore(config));
        assertEquals(State.ACTIVE, r.status().state());
        assertEquals("memmory", r.status().provider().type());
        assertTrue(r.front.sessionExists("before") && r.front.sessionExists("while-pending"),
                "the in-process entries moved to the arriving type");
    }

    /** While a type is pending, the serving memory bundle is upgraded: it comes back with its entries. */
    @Test
    void pendingTypeSurvivesAnUpgradeOfTheStoreThatServes() {
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.configure(Map.of("swap_timeout", "5s"));
        r.front.addSession(session("kept"));
        r.configure(Map.of("type", "redis", "swap_timeout", "5s"));
        assertEquals(State.PENDING, r.status().state());
        r.withdraw(1);
        assertEquals(State.WAITING, r.status().state());
        r.offer("memory", 2, config -> new InProcessStore(config));
        assertEquals(State.PENDING, r.status().state(), "the upgraded memory bundle serves again");
        assertTrue(r.front.sessionExists("kept"));
    }

    @Test
    void oneFactoryPerTypeByRankingThenServiceId() {
        StoreFactory low = TinyStore.factory();
        StoreFactory high = TinyStore.factory();
        StoreFactory older = TinyStore.factory();
        r.offer(Fixture.candidate("memory", 5, 0, low));
        r.offer(Fixture.candidate("memory", 3, 0, older));
        assertSame(older, r.factories.chosen("memory").orElseThrow().factory());
        r.offer(Fixture.candidate("memory", 9, 10, high));
        assertSame(high, r.factories.chosen("memory").orElseThrow().factory());
        assertEquals(1, r.factories.providers().size());
        assertEquals(3, r.factories.providers().get(0).candidates());
        r.configure(Map.of());
        TinyStore fromHigh = (TinyStore) r.backend();
        r.withdraw(9);
        assertTrue(fromHigh.closed);
        assertNotSame(fromHigh, r.backend());
        assertEquals(3L, r.factories.chosen("memory").orElseThrow().serviceId());
    }

    @Test
    void rejectedConfigurationWithNothingRunningFailsCallsAtOnce() {
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of("colour", "blue", "swap_timeout", "10s"));
        assertEquals(State.FAILED, r.status().state());
        assertNull(r.backend());
        long start = System.nanoTime();
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> r.front.getSessionCount());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "should not wait");
        assertTrue(e.getMessage().contains("colour"), e.getMessage());
    }

    @Test
    void secretsAreMaskedInStatus() {
        r.offer("memory", 1, config -> new TinyStore(config));
        r.configure(Map.of("password", "hunter2", "size", "1"));
        assertEquals("***", r.status().settings().get("password"));
        assertFalse(r.status().toString().contains("hunter2"));
    }

    // ---- migration: in-process entries are never dropped

    /** Defect: raising max_sessions in etc/sessionstore.cfg emptied the memory store. */
    @Test
    void reconfiguringAnInProcessStoreMigratesItsEntries() {
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.configure(Map.of("limit", "100"));
        for (int i = 0; i < 50; i++) {
            r.front.addSession(session("s" + i));
        }
        r.front.addStateEntry("st", "ua", "r", "u", "v");
        InProcessStore before = (InProcessStore) r.backend();
        r.configure(Map.of("limit", "200"));
        assertNotSame(before, r.backend());
        assertTrue(before.closed);
        assertEquals(50, r.front.getSessionCount());
        assertTrue(r.front.validateAndRemoveState("st", "ua").isPresent());
        assertEquals(50, r.swapper.lastMigration().sessions());
    }

    @Test
    void aMigrationThatDoesNotFitIsRefusedAndTheRunningStoreKeepsItsEntries() {
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.configure(Map.of("limit", "100"));
        for (int i = 0; i < 50; i++) {
            r.front.addSession(session("s" + i));
        }
        InProcessStore before = (InProcessStore) r.backend();
        r.configure(Map.of("limit", "10"));
        assertSame(before, r.backend());
        assertFalse(before.closed);
        assertEquals(50, r.front.getSessionCount());
        assertEquals(Map.of("limit", "100"), ((InProcessStore) r.backend()).config);
        assertTrue(r.status().detail().contains("migrating the live entries of the memory store into the new memory store"
                + " failed"), r.status().detail());
        assertEquals("100", r.status().settings().get("limit"), "the status shows what serves");
    }

    @Test
    void upgradedBundleGetsTheLiveEntriesOfItsPredecessor() {
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.configure(Map.of());
        r.front.addSession(session("kept"));
        Instant created = Instant.parse("2026-01-01T00:00:00Z");
        ((InProcessStore) r.backend()).importState(new StateEntry("st", created, "ua", "r", "u", "v"));
        InProcessStore old = (InProcessStore) r.backend();

        r.withdraw(1); // the bundle stops for its update
        assertTrue(old.closed, "its entries were read while its bundle stopped; the store itself is closed");
        r.offer("memory", 2, config -> new InProcessStore(config)); // the updated bundle's factory

        assertTrue(r.front.sessionExists("kept"));
        assertEquals(created, r.front.validateAndRemoveState("st", "ua").orElseThrow().createdAt());
        assertEquals(1, r.swapper.lastMigration().sessions());
    }

    @Test
    void keptEntriesAreDroppedWhenNoSuccessorComesInTime() throws Exception {
        r.swapper.keptAtLeast = Duration.ofMillis(100);
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.configure(Map.of("swap_timeout", "100ms"));
        r.front.addSession(session("lost"));
        r.withdraw(1);
        assertTrue(r.status().detail().contains("the entries of the withdrawn memory store are kept"), r.status().detail());
        Fixture.await("the kept entries dropped", Duration.ofSeconds(5),
                () -> !r.status().detail().contains("are kept"));
        r.offer("memory", 2, config -> new InProcessStore(config));
        assertFalse(r.front.sessionExists("lost"), "too late: a successor after swap_timeout starts empty");
    }

    /** Defect found in review: with swap_timeout=0 an update dropped every session at once. */
    @Test
    void keptEntriesWaitLongerThanAZeroSwapTimeout() throws Exception {
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.configure(Map.of("swap_timeout", "0"));
        r.front.addSession(session("kept"));
        r.withdraw(1);
        Thread.sleep(300);
        r.offer("memory", 2, config -> new InProcessStore(config));
        assertTrue(r.front.sessionExists("kept"));
    }

    /** When the registry itself is updated, its in-process entries go to its next instance. */
    @Test
    void theRegistrysOwnUpdateHandsItsEntriesToItsNextInstance() {
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.configure(Map.of());
        r.front.addSession(session("kept"));
        r.front.addStateEntry("st", "ua", "r", "u", "v");
        KeptEntries left = r.swapper.shutdown(true);
        assertEquals(2, left.size());
        Object[] handed = left.asHandover();
        try (Fixture next = new Fixture()) {
            next.swapper.adopt(KeptEntries.of((String) handed[0], (java.util.List<Session>) handed[1],
                    (java.util.List<StateEntry>) handed[2]));
            next.offer("memory", 1, config -> new InProcessStore(config));
            next.configure(Map.of());
            assertTrue(next.front.sessionExists("kept"));
            assertTrue(next.front.validateAndRemoveState("st", "ua").isPresent());
        }
    }

    @Test
    void useRefusesABackendThatDoesNotAnswer() {
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.offer("redis", 2, config -> new InProcessStore(config, true) {
            @Override
            public long getSessionCount() {
                throw new StoreUnavailableException("redis at 127.0.0.1:1 refused the login");
            }
        });
        r.configure(Map.of());
        r.front.addSession(session("kept"));
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class,
                () -> r.use(Map.of("type", "redis"), false));
        assertTrue(e.getMessage().contains("the new redis store does not answer, so it is not used: redis at"),
                e.getMessage());
        assertEquals("memory", r.status().type());
        assertTrue(r.front.sessionExists("kept"));
    }

    @Test
    void aBackendThatCouldNotTakeOverIsTriedAgainBySelf() throws Exception {
        r.swapper.retryAfter = Duration.ofMillis(200);
        boolean[] up = {false};
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.configure(Map.of());
        r.front.addSession(session("kept"));
        r.configure(Map.of("type", "redis"));
        r.offer("redis", 2, config -> new InProcessStore(config, true) {
            @Override
            public void addSession(Session s) {
                if (!up[0]) {
                    throw new StoreUnavailableException("redis is down");
                }
                super.addSession(s);
            }
        });
        assertEquals(State.PENDING, r.status().state());
        assertTrue(r.status().detail().contains("could not take over"), r.status().detail());
        assertTrue(r.status().detail().contains("redis is down"), r.status().detail());
        up[0] = true;
        Fixture.await("redis took over", Duration.ofSeconds(5), () -> r.status().state() == State.ACTIVE);
        assertTrue(r.front.sessionExists("kept"));
    }

    /**
     * Found by MisbehavingBackendIT: the retry scheduled for an earlier failure retried a newer one at
     * once, replacing its message. Each failure now gets its own retry, a full retryAfter later.
     */
    @Test
    void aRetryScheduledForAnEarlierFailureLeavesANewerOneAlone() throws Exception {
        r.swapper.retryAfter = Duration.ofSeconds(2);
        java.util.concurrent.atomic.AtomicInteger firstCalls = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger secondCalls = new java.util.concurrent.atomic.AtomicInteger();
        // nothing serves (as at start): a backend that cannot be built is FAILED and tried again by itself
        r.offer("first", 2, config -> {
            firstCalls.incrementAndGet();
            throw new StoreUnavailableException("first is down");
        });
        r.offer("second", 3, config -> {
            secondCalls.incrementAndGet();
            throw new StoreUnavailableException("second is down");
        });
        long began = System.nanoTime();
        r.configure(Map.of("type", "first"));
        assertEquals(1, firstCalls.get());
        Thread.sleep(1_000);
        r.configure(Map.of("type", "second"));
        assertEquals(1, secondCalls.get());
        // the first failure's retry comes at 2 s and must leave the second alone; the second's comes at 3 s
        Thread.sleep(Math.max(0, 2_500 - (System.nanoTime() - began) / 1_000_000));
        assertEquals(1, secondCalls.get(), "the earlier failure's retry built the newer backend again at once");
        assertTrue(r.status().detail().contains("second is down"), r.status().detail());
        Fixture.await("the second failure's own retry", Duration.ofSeconds(5), () -> secondCalls.get() == 2);
        assertEquals(1, firstCalls.get(), "the first type is no longer configured: never retried");
    }

    /**
     * Issue 18: a third-party in-process backend that is not a TransferableStore went from 2 sessions to
     * 0 on a swap, and the answer said only "active store". Now the swap says how many it left behind.
     */
    @Test
    void aSwapAwayFromAStoreThatCannotListItsEntriesSaysHowManyItLeft() throws Exception {
        org.sessionstore.testkit.MapStore held = new org.sessionstore.testkit.MapStore(Map.of(), java.time.Clock.systemUTC(),
                Duration.ofMinutes(10), true);
        // the same store seen only as a SessionStore: it cannot be listed, so nothing can copy it
        SessionStore opaque = (SessionStore) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SessionStore.class}, (proxy, method, args) -> {
                    try {
                        return method.invoke(held, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        r.offer("opaque", 1, config -> opaque);
        r.offer("memory", 2, config -> new InProcessStore(config));
        r.configure(Map.of("type", "opaque"));
        r.front.addSession(session("a"));
        r.front.addSession(session("b"));
        Migration m = r.use(Map.of("type", "memory"), false);
        assertEquals(2, m.left(), m.toString());
        assertEquals(0, m.sessions());
        assertEquals("memory", r.status().type());
    }

    @Test
    void aFactoryThatThrowsAnErrorIsRetriedAndNeverWedgesTheRegistry() throws Exception {
        r.swapper.retryAfter = Duration.ofMillis(200);
        int[] calls = {0};
        boolean[] fixed = {false};
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of());
        r.front.addSession(session("kept"));
        java.util.function.Supplier<StoreFactory> broken = () -> config -> {
            calls[0]++;
            if (!fixed[0]) {
                throw new NoClassDefFoundError("com/example/Driver");
            }
            return new TinyStore(config);
        };
        r.offer("broken", 2, broken.get());
        StoreException e = assertThrows(StoreException.class, () -> r.use(Map.of("type", "broken"), false));
        assertTrue(e.getMessage().contains("the broken factory of bundle test.broken 1.0.0 failed to build its store:"
                + " java.lang.NoClassDefFoundError: com/example/Driver"), e.getMessage());
        assertEquals("memory", r.status().type());
        // configured while no bundle provides it; then a bundle whose create throws arrives
        r.withdraw(2);
        r.configure(Map.of("type", "broken"));
        r.offer("broken", 3, broken.get());
        assertEquals(State.PENDING, r.status().state());
        assertTrue(r.status().detail().contains("could not take over: the broken factory"), r.status().detail());
        assertTrue(r.front.sessionExists("kept"));
        int before = calls[0];
        Fixture.await("retried", Duration.ofSeconds(5), () -> calls[0] > before);
        fixed[0] = true;
        Fixture.await("taken over once it builds", Duration.ofSeconds(5), () -> r.status().state() == State.ACTIVE);
        assertEquals("broken", r.status().type());
    }

    @Test
    void aFactoryThatHangsIsGivenUpAfterSwapTimeoutAndNotCalledAgainUntilItReturns() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        TinyStore[] late = new TinyStore[1];
        int[] calls = {0};
        r.swapper.leastBuild = Duration.ofMillis(100);
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of("swap_timeout", "300ms"));
        r.offer("hang", 2, config -> {
            calls[0]++;
            try {
                release.await();
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
            }
            return late[0] = new TinyStore(config);
        });
        CompletableFuture<Migration> use = r.useAsync(Map.of("type", "hang", "swap_timeout", "300ms"), false);
        Fixture.await("building shown", Duration.ofSeconds(2), () -> r.status().detail() != null
                && r.status().detail().startsWith("building the hang store (test.hang 1.0.0) for "));
        java.util.concurrent.ExecutionException failed = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> use.get(3, TimeUnit.SECONDS));
        assertTrue(failed.getCause().getMessage().contains("did not finish building its store within 300ms (swap_timeout"),
                failed.getCause().getMessage());
        StoreException again = assertThrows(StoreException.class, () -> r.use(Map.of("type", "hang"), false));
        assertTrue(again.getMessage().contains("is still building its store (in its create, begun "), again.getMessage());
        assertEquals(1, calls[0], "not called again while the first create hangs");
        release.countDown();
        Fixture.await("the late store closed", Duration.ofSeconds(2), () -> late[0] != null && late[0].closed);
        assertEquals(State.ACTIVE, r.status().state());
        assertEquals("memory", r.status().type());
    }

    /** Found in review: a probe that hangs was reported as a create that hangs. */
    @Test
    void aProbeThatHangsIsReportedAsSuch() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        r.swapper.leastBuild = Duration.ofMillis(100);
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of("swap_timeout", "300ms"));
        r.offer("slow", 2, config -> new TinyStore(config) {
            @Override
            public long getSessionCount() {
                try {
                    release.await();
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                }
                return 0;
            }
        });
        try {
            StoreException e = assertThrows(StoreException.class, () -> r.use(Map.of("type", "slow"), false));
            assertTrue(e.getMessage().contains("it was still answering its first call (getSessionCount, the probe of use)"),
                    e.getMessage());
            StoreException again = assertThrows(StoreException.class, () -> r.use(Map.of("type", "slow"), false));
            assertTrue(again.getMessage().contains("(answering its first call"), again.getMessage());
        } finally {
            release.countDown();
        }
    }

    /** Found in review: a third-party factory's error repeated the password it was given. */
    @Test
    void aFactorysErrorNeverShowsASecretItWasGiven() {
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of());
        r.offer("leaky", 2, config -> {
            throw new NoClassDefFoundError("cannot reach redis://:" + config.get("password") + "@db.internal");
        });
        r.offer("leaky2", 3, config -> {
            throw new IllegalStateException("bad login " + config.get("password"));
        });
        for (String type : List.of("leaky", "leaky2")) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> r.use(Map.of("type", type, "password",
                    "hunter2-Secret"), false));
            assertFalse(e.getMessage().contains("hunter2-Secret"), e.getMessage());
            assertTrue(e.getMessage().contains("***"), e.getMessage());
            assertFalse(String.valueOf(r.status().detail()).contains("hunter2-Secret"), r.status().detail());
        }
    }

    @Test
    void aFactoryThatReturnsNullIsRefusedAsSuch() {
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of());
        r.offer("nil", 2, config -> null);
        StoreException e = assertThrows(StoreException.class, () -> r.use(Map.of("type", "nil"), false));
        assertTrue(e.getMessage().contains("returned no store (null) from create"), e.getMessage());
        r.front.addSession(session("still"));
        assertTrue(r.front.sessionExists("still"));
    }

    /**
     * After an update and refresh, the old bundle's class loader is gone: a store that has not
     * loaded a class yet cannot any more. Its entries are read while its bundle is still stopping.
     */
    @Test
    void aLeavingStoresEntriesAreReadBeforeItsBundleIsGone() {
        boolean[] bundleGone = {false};
        r.offer("memory", 1, config -> new InProcessStore(config) {
            @Override
            public java.util.stream.Stream<Session> liveSessions() {
                if (bundleGone[0]) {
                    throw new NoClassDefFoundError("org/sessionstore/memory/MemorySessionStore$Held");
                }
                return super.liveSessions();
            }
        });
        r.configure(Map.of());
        r.front.addSession(session("kept"));
        r.withdraw(1);
        bundleGone[0] = true;
        r.offer("memory", 2, config -> new InProcessStore(config));
        assertEquals(State.ACTIVE, r.status().state());
        assertTrue(r.front.sessionExists("kept"));
    }

    @Test
    void useMigratesASharedStoreOnlyWhenAskedAndReportsTheCount() {
        r.offer("redis", 1, config -> new InProcessStore(config, true));
        r.offer("other", 2, config -> new InProcessStore(config, true));
        r.configure(Map.of("type", "redis"));
        for (int i = 0; i < 1_234; i++) {
            r.front.addSession(session("s" + i));
        }
        r.front.addStateEntry("st", "ua", "r", "u", "v");
        Migration m = r.use(Map.of("type", "other"), true);
        assertEquals(1_234, m.sessions());
        assertEquals(1, m.states());
        assertEquals("other", r.status().type());
        assertEquals(1_234, r.front.getSessionCount());

        Migration plain = r.use(Map.of("type", "redis"), false);
        assertEquals(0, plain.sessions(), "a shared store's data stays where it is");
        assertEquals(0, r.front.getSessionCount());
    }

    @Test
    void useRefusesATypeNobodyProvidesAndChangesNothing() {
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.configure(Map.of());
        r.front.addSession(session("a"));
        StoreConfigException e = assertThrows(StoreConfigException.class, () -> r.use(Map.of("type", "mongo"), true));
        assertEquals("unsupported session store type 'mongo' (available: memory)", e.getMessage());
        assertThrows(StoreConfigException.class, () -> r.use(Map.of("type", "mongo"), false));
        assertEquals("memory", r.status().type());
        assertEquals(State.ACTIVE, r.status().state());
        assertTrue(r.front.sessionExists("a"));
    }

    @Test
    void useKeepsTheRegistryKeysItIsNotGivenAndIsSaved() {
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.configure(Map.of("swap_timeout", "3s", "clean_interval", "7s"));
        r.use(Map.of("type", "memory", "limit", "5"), false);
        assertEquals("3s", r.status().settings().get("swap_timeout"));
        assertEquals("7s", r.status().settings().get("clean_interval"));
        assertEquals(Map.of("type", "memory", "swap_timeout", "3s", "clean_interval", "7s", "limit", "5"),
                r.persisted.get(r.persisted.size() - 1));
        assertEquals("sessionstore:use", r.status().source());
        // ConfigAdmin echoing the saved configuration changes nothing, not even where it came from
        InProcessStore serving = (InProcessStore) r.backend();
        r.configure(Map.of("type", "memory", "swap_timeout", "3s", "clean_interval", "7s", "limit", "5",
                "service.pid", "sessionstore"));
        assertSame(serving, r.backend());
        assertEquals("sessionstore:use", r.status().source());
    }

    /** Found in review: use on a full data/ said it was applied, and a restart silently reverted it. */
    @Test
    void useWhoseConfigurationCannotBeSavedFailsAndChangesNothing() {
        boolean[] full = {true};
        r.storage.writer = p -> {
            if (full[0]) {
                throw new StoreException("saving it to ConfigAdmin (/srv/data/config) failed: No space left on device");
            }
            r.persisted.add(p);
        };
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.configure(Map.of("swap_timeout", "3s"));
        r.front.addSession(session("kept"));
        InProcessStore running = (InProcessStore) r.backend();
        for (Map<String, String> use : List.of(Map.of("type", "memory", "limit", "5"), Map.of("type", "memory",
                "swap_timeout", "4s"))) {
            StoreException e = assertThrows(StoreException.class, () -> r.use(use, false));
            assertTrue(e.getMessage().contains("the configuration could not be saved, so it is not applied and the running"
                    + " store is unchanged: saving it to ConfigAdmin (/srv/data/config) failed: No space left on device"),
                    e.getMessage());
            assertSame(running, r.backend());
            assertEquals("3s", r.status().settings().get("swap_timeout"));
            assertEquals(null, r.status().settings().get("limit"));
            assertTrue(r.front.sessionExists("kept"));
        }
        full[0] = false;
        r.use(Map.of("type", "memory", "limit", "5"), false);
        assertEquals("5", r.status().settings().get("limit"));
        assertTrue(r.front.sessionExists("kept"), "migrated once it could be saved");
    }

    @Test
    void useThatCannotBeBuiltIsRefusedWithTheBackendsMessage() {
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of());
        TinyStore running = (TinyStore) r.backend();
        StoreConfigException e = assertThrows(StoreConfigException.class, () -> r.use(Map.of("type", "memory", "colour", "x"), false));
        assertTrue(e.getMessage().contains("unknown tiny store key 'colour'"));
        assertSame(running, r.backend());
        assertTrue(r.persisted.isEmpty(), "a refused configuration is not saved");
    }

    /** Defect: info hung during a --migrate. Status reads a snapshot while the registry thread is busy. */
    @Test
    void statusNeverWaitsForAMigrationInProgress() throws Exception {
        java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        r.offer("memory", 1, config -> new InProcessStore(config) {
            @Override
            public java.util.stream.Stream<Session> liveSessions() {
                reading.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.liveSessions();
            }
        });
        r.offer("other", 2, config -> new InProcessStore(config));
        r.configure(Map.of());
        CompletableFuture<Migration> migration = r.useAsync(Map.of("type", "other"), true);
        try {
            assertTrue(reading.await(10, TimeUnit.SECONDS));
            CompletableFuture<org.sessionstore.api.StoreStatus> status = CompletableFuture.supplyAsync(() -> r.status());
            org.sessionstore.api.StoreStatus during = status.get(10, TimeUnit.SECONDS);
            assertEquals(State.WAITING, during.state(), "status answered while the migration runs");
            assertTrue(during.detail().startsWith("migrating the entries of the memory store into the new other store"),
                    during.detail());
            assertFalse(migration.isDone());
        } finally {
            release.countDown();
        }
        migration.get(10, TimeUnit.SECONDS);
        assertEquals("other", r.status().type());
    }

    // ---- housekeeping goes through the front's call counting

    @Test
    void housekeepingCleansTheServedStoreWithItsOwnStateLifetime() {
        Duration[] asked = new Duration[1];
        r.offer("memory", 1, config -> new InProcessStore(config) {
            @Override
            public java.util.Optional<Duration> stateTtl() {
                return java.util.Optional.of(Duration.ofMinutes(7));
            }

            @Override
            public int cleanExpiredStates(Duration maxAge) {
                asked[0] = maxAge;
                return 3;
            }
        });
        r.configure(Map.of());
        Housekeeper keeper = new Housekeeper(r.front, r.thread);
        keeper.runOnce();
        keeper.runOnce();
        assertEquals(2, ((InProcessStore) r.backend()).cleaned);
        assertEquals(Duration.ofMinutes(7), asked[0], "states are cleaned at the store's own state_ttl, never earlier");
        assertEquals(3, keeper.last().statesRemoved());
    }

    @Test
    void housekeepingLeavesStatesAloneWhenTheStoreDoesNotSayTheirLifetime() {
        r.offer("memory", 1, config -> new InProcessStore(config) {
            @Override
            public int cleanExpiredStates(Duration maxAge) {
                throw new AssertionError("cleaned states with a lifetime the store did not give");
            }
        });
        r.configure(Map.of());
        Housekeeper keeper = new Housekeeper(r.front, r.thread);
        keeper.runOnce();
        assertNull(keeper.last().error());
    }

    /**
     * Issue 18: a copy that outlasts swap_timeout made waiting callers fail one by one, in silence. Now
     * the measured rate refuses it within about a second, with the estimate, and the old store serves on.
     */
    @Test
    void aCopyThatWouldOutlastSwapTimeoutIsRefusedWithItsEstimate() throws Exception {
        r.offer("memory", 1, config -> new InProcessStore(config));
        java.util.List<InProcessStore> made = new java.util.concurrent.CopyOnWriteArrayList<>();
        r.offer("slow", 2, config -> {
            InProcessStore slow = new InProcessStore(config, true) {
                @Override
                public void addSession(Session s) {
                    java.util.concurrent.locks.LockSupport.parkNanos(2_000_000); // ~8 writers x 500/s: 20,000 take 5 s
                    super.addSession(s);
                }
            };
            made.add(slow);
            return slow;
        });
        r.configure(Map.of("swap_timeout", "2s"));
        r.storage.stored = null; // nothing saved (the defaults run): the refused use must leave nothing saved
        for (int i = 0; i < 20_000; i++) {
            r.front.addSession(session("s" + i));
        }
        StoreException e = assertThrows(StoreException.class,
                () -> r.use(Map.of("type", "slow", "swap_timeout", "2s"), true));
        assertTrue(e.getMessage().contains("copying 20000 sessions at the measured"), e.getMessage());
        assertTrue(e.getMessage().contains("longer than calls wait for it (swap_timeout 2s)"), e.getMessage());
        assertTrue(e.getMessage().contains("swap_timeout="), "says what to do: " + e.getMessage());
        java.util.regex.Matcher after = java.util.regex.Pattern.compile("stopped after (\\d+)").matcher(e.getMessage());
        assertTrue(after.find() && Long.parseLong(after.group(1)) < 20_000, "given up on the estimate, before the end: "
                + e.getMessage());
        assertEquals("memory", r.status().type(), r.status().toString());
        assertEquals(20_000, r.front.getSessionCount());
        // review: what the copy wrote into the target is taken back (a shared one would serve it later)
        assertTrue(made.stream().allMatch(m -> m.sessions.isEmpty()), "the aborted copy's sessions stayed in the target");
        // review: a refused use saved when nothing was saved before leaves nothing saved
        assertEquals(null, r.storage.stored(), "the refused configuration stayed saved");
    }

    /**
     * Issue 18: a long copy was silent. Every second it says how far it got (copied N of M, the rate,
     * the time left) to what the front shows while calls wait (info, and the shell that ran the use).
     */
    @Test
    void aLongCopySaysHowFarItGotEverySecond() throws Exception {
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.offer("slow", 2, config -> new InProcessStore(config, true) {
            @Override
            public void addSession(Session s) {
                java.util.concurrent.locks.LockSupport.parkNanos(200_000); // 100,000 take a few seconds
                super.addSession(s);
            }
        });
        r.configure(Map.of("swap_timeout", "5m"));
        for (int i = 0; i < 100_000; i++) {
            r.front.addSession(session("s" + i));
        }
        java.util.concurrent.CompletableFuture<Migration> use = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> r.use(Map.of("type", "slow", "swap_timeout", "5m"), true));
        java.util.List<String> lines = new java.util.ArrayList<>();
        while (!use.isDone()) {
            r.front.progress().filter(l -> lines.isEmpty() || !lines.get(lines.size() - 1).equals(l)).ifPresent(lines::add);
            Thread.sleep(50);
        }
        assertEquals(100_000, use.get().sessions());
        assertFalse(lines.isEmpty(), "no progress line in " + use.get().took());
        for (String l : lines) {
            assertTrue(l.matches("migrating into the new 'slow' store: \\d+ of 100000 sessions copied \\(\\d+/s, about"
                    + " \\d+s left\\)"), l);
        }
        assertEquals(java.util.Optional.empty(), r.front.progress(), "a served store has no progress line");
    }

    /** Issue 18: info's source named an etc/ file deleted since, as if it still configured the store. */
    @Test
    void aDeletedConfigurationIsNamedAsDeletedAndTheStoreRunsOn() {
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.configure(Map.of("service.pid", "sessionstore", "felix.fileinstall.filename", "file:/etc/x/sessionstore.cfg",
                "max_sessions", "7"));
        assertTrue(r.status().source().contains("sessionstore.cfg"), r.status().source());
        r.door.delivered(null, () -> r.yamlAtStart);
        r.swapper.awaitIdle();
        assertTrue(r.status().source().endsWith("(deleted since; the store runs on with what it gave)"), r.status().source());
        assertEquals("memory", r.status().type());
        assertEquals(State.ACTIVE, r.status().state());
    }

    /** Issue 18: after a swap, info's "last clean" showed the previous store's run. */
    @Test
    void theLastCleanIsTheServedStoresOnly() {
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.offer("other", 2, config -> new InProcessStore(config, true));
        r.configure(Map.of());
        Housekeeper keeper = new Housekeeper(r.front, r.thread);
        keeper.runOnce();
        assertNotNull(keeper.last());
        r.use(Map.of("type", "other"), false);
        assertNull(keeper.last(), "the last clean ran on the store that was replaced");
        keeper.runOnce();
        assertNotNull(keeper.last());
    }

    @Test
    void aSwapWaitsForARunningHousekeepingBeforeItClosesTheStore() throws Exception {
        java.util.concurrent.CountDownLatch cleaning = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        r.offer("memory", 1, config -> new InProcessStore(config, true) {
            @Override
            public int cleanExpired() {
                cleaning.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (closed) {
                    throw new StoreException("closed under a running cleaning");
                }
                return 0;
            }
        });
        r.offer("other", 2, config -> new InProcessStore(config, true));
        r.configure(Map.of());
        InProcessStore first = (InProcessStore) r.backend();
        Housekeeper keeper = new Housekeeper(r.front, r.thread);
        CompletableFuture<Void> housekeeping = CompletableFuture.runAsync(keeper::runOnce);
        assertTrue(cleaning.await(10, TimeUnit.SECONDS));
        r.door.delivered(new java.util.HashMap<>(Map.of("type", "other")), () -> r.yamlAtStart);
        Thread.sleep(200);
        assertFalse(first.closed, "the swap drains the running cleaning before it closes the store");
        release.countDown();
        housekeeping.get(10, TimeUnit.SECONDS);
        r.swapper.awaitIdle();
        assertTrue(first.closed);
        assertNull(keeper.lastRun().error(), String.valueOf(keeper.lastRun().error()));
    }

    // ---- secrets by reference, tokens encrypted

    /** What the shell and the YAML give is resolved like ConfigAdmin's deliveries; what is saved keeps the placeholder. */
    @Test
    void placeholdersAreResolvedForTheStoreAndKeptInWhatIsSaved() {
        r.storage.resolver = m -> {
            Map<String, Object> out = new java.util.HashMap<>(m);
            out.replaceAll((k, v) -> "$[secret:redis_pw]".equals(v) ? "s3cret" : v);
            return out;
        };
        r.offer("memory", 1, config -> new TinyStore(config));
        r.configure(Map.of());
        r.use(Map.of("type", "memory", "password", "$[secret:redis_pw]"), false);
        assertEquals("s3cret", ((TinyStore) r.backend()).config.get("password"));
        assertEquals("$[secret:redis_pw]", r.persisted.get(r.persisted.size() - 1).get("password"));
        assertFalse(r.status().toString().contains("s3cret"));
        // ConfigAdmin echoes the saved configuration resolved: the same, so nothing changes
        TinyStore serving = (TinyStore) r.backend();
        r.deliver(Map.of("type", "memory", "password", "s3cret", "service.pid", "sessionstore"),
                Map.of("type", "memory", "password", "$[secret:redis_pw]"));
        assertSame(serving, r.backend());
        // a placeholder nothing resolves is refused, and the running store stays
        StoreConfigException e = assertThrows(StoreConfigException.class,
                () -> r.use(Map.of("type", "memory", "encryption_key", "$[secret:key]"), false));
        assertTrue(e.getMessage().contains("the placeholder $[secret:key] in key 'encryption_key' was not resolved"),
                e.getMessage());
        assertSame(serving, r.backend());
    }

    @Test
    void anUnresolvedPlaceholderIsRefusedSayingWhy() {
        r.offer("memory", 1, TinyStore.factory());
        r.configure(Map.of());
        StoreConfigException e = assertThrows(StoreConfigException.class,
                () -> r.use(Map.of("type", "memory", "size", "$[env:NO_SUCH_VARIABLE]"), false));
        assertEquals("size", e.key());
        assertTrue(e.getMessage().contains("the placeholder $[env:NO_SUCH_VARIABLE] in key 'size' was not resolved: no"
                + " such environment variable"), e.getMessage());
    }

    @Test
    void anEncryptionKeyPutsEncryptionInFrontOfAnyBackendAndRotatesByMigration() {
        String key1 = java.util.Base64.getEncoder().encodeToString(new byte[32]);
        byte[] raw2 = new byte[32];
        raw2[0] = 1;
        String key2 = java.util.Base64.getEncoder().encodeToString(raw2);
        r.offer("memory", 1, config -> new InProcessStore(config));
        r.configure(Map.of("encryption_key", key1));
        Instant now = Instant.now();
        r.front.addSession(new Session("s", "alice", "sub", now, now.plusSeconds(600), "access", "id", "verifier"));
        InProcessStore inner = (InProcessStore) r.backend();
        String stored = inner.sessions.get("s").accessToken();
        assertTrue(stored.startsWith("enc1:"), stored);
        assertFalse(stored.contains("access"));
        assertEquals("alice", inner.sessions.get("s").username(), "ids and user names stay readable");
        assertEquals("access", r.front.getSession("s").orElseThrow().accessToken());
        assertEquals("id", r.front.getField("s", "id_token").orElseThrow());
        assertTrue(r.status().settings().get("encryption").startsWith("AES-256-GCM, key id "), r.status().settings().toString());
        assertFalse(r.status().toString().contains(key1));
        // rotation: the new key encrypts, the old one still decrypts; the in-process entries are re-encrypted
        r.configure(Map.of("encryption_key", key2, "encryption_keys_old", key1));
        assertEquals("access", r.front.getSession("s").orElseThrow().accessToken());
        // a key that is gone: the session cannot be decrypted and reads as absent, never a crash
        inner = (InProcessStore) r.backend();
        inner.sessions.put("t", new Session("t", "bob", "sub", now, now.plusSeconds(600),
                inner.sessions.get("s").accessToken().replaceFirst("enc1:[0-9a-f]{8}:", "enc1:deadbeef:"), null, null));
        assertTrue(r.front.getSession("t").isEmpty());
        assertFalse(r.front.sessionExists("t"), "absent for every read");
        // turning encryption off keeps the old key for reading (decrypt-only); without any key an
        // encrypted value reads as absent, never as the token
        r.configure(Map.of("encryption_keys_old", key2 + "," + key1));
        assertEquals("access", r.front.getSession("s").orElseThrow().accessToken());
        r.front.addSession(new Session("clear", "carol", "sub", now, now.plusSeconds(600), "plain-token", null, null));
        assertEquals("plain-token", ((InProcessStore) r.backend()).sessions.get("clear").accessToken());
        String sealed = stored; // as encrypted under key1 at the start
        r.configure(Map.of());
        // an in-process store is migrated (decrypted while the old key was known), and with no key
        // at all it is served bare: created empty, it can only ever hold what came through the front
        assertEquals("access", r.front.getSession("s").orElseThrow().accessToken());
        assertEquals("plain-token", r.front.getSession("clear").orElseThrow().accessToken());
        assertSame(r.backend(), r.front.backend(), "an in-process store without a key is served bare");
        // a value still encrypted, as a shared store would hold it, reads as absent without any key
        r.offer("shared", 1, TinyStore.factory());
        r.configure(Map.of("type", "shared"));
        TinyStore shared = (TinyStore) r.backend();
        assertNotSame(shared, r.front.backend(), "a shared store is always behind the guard");
        shared.sessions.put("u", new Session("u", "dave", "sub", now, now.plusSeconds(600), sealed, null, null));
        assertTrue(r.front.getSession("u").isEmpty());
        shared.sessions.put("v", new Session("v", "erin", "sub", now, now.plusSeconds(600), "plain", null, null));
        assertEquals("plain", r.front.getSession("v").orElseThrow().accessToken());
    }

    // ---- the configuration found at start

    @Test
    void atStartTheYamlWinsAndIsSavedSoNothingIsBuiltTwice() {
        int[] built = new int[1];
        r.factories.put(Fixture.candidate("memory", 1, 0, config -> {
            built[0]++;
            return new InProcessStore(config);
        }));
        r.start(Map.of("type", "memory", "limit", "5"), new org.sessionstore.registry.yaml.YamlWatcher.Found(
                Map.of("type", "memory", "limit", "1"), "/etc/session-store.yaml", k -> 4));
        assertTrue(r.swapper.settled());
        assertEquals(1, built[0]);
        assertEquals(Map.of("limit", "1"), ((InProcessStore) r.backend()).config);
        assertEquals("/etc/session-store.yaml", r.status().source());
        assertEquals("1", String.valueOf(r.persisted.get(0).get("limit")));
    }

    @Test
    void atStartARefusedYamlLeavesTheSavedConfigurationInEffectAndSaysWhy() {
        r.factories.put(Fixture.candidate("memory", 1, 0, TinyStore.factory()));
        r.start(Map.of("type", "memory", "size", "5"), new org.sessionstore.registry.yaml.YamlWatcher.Found(
                Map.of("type", "memory", "colour", "blue"), "/etc/session-store.yaml", k -> k.equals("colour") ? 4 : 2));
        assertEquals(State.ACTIVE, r.status().state());
        assertEquals(Map.of("size", "5"), ((TinyStore) r.backend()).config);
        assertTrue(r.status().detail().contains("/etc/session-store.yaml:4: key 'colour'"), r.status().detail());
        assertTrue(r.persisted.isEmpty());
    }

    @Test
    void atStartAnUnreadableYamlIsReportedAndTheSavedConfigurationServes() {
        r.factories.put(Fixture.candidate("memory", 1, 0, TinyStore.factory()));
        r.start(Map.of("size", "2"), new org.sessionstore.registry.yaml.YamlWatcher.Problem(
                "/etc/session-store.yaml:3: not valid YAML: …"));
        assertEquals(State.ACTIVE, r.status().state());
        assertTrue(r.status().detail().contains("/etc/session-store.yaml:3: not valid YAML"), r.status().detail());
    }
}
