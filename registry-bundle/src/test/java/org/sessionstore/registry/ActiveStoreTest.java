package org.sessionstore.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreStatus.State;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.registry.FactoryIndex.Candidate;

/** The registry's routing, without a framework: configuration and factories in, a served store out. */
class ActiveStoreTest {

    private final FactoryIndex factories = new FactoryIndex();
    private final java.util.concurrent.ScheduledExecutorService timer =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    private final ActiveStore active = new ActiveStore(factories, timer);

    @org.junit.jupiter.api.AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private static Candidate candidate(String type, long id, int ranking, StoreFactory f) {
        return new Candidate(type, id, ranking, f, "test." + type, "1.0.0", 1);
    }

    private void offer(Candidate c) {
        active.factoriesChanged(factories.put(c));
    }

    private void withdraw(long serviceId) {
        factories.remove(serviceId).ifPresent(active::factoriesChanged);
    }

    private static Session session(String id) {
        return new Session(id, "u", "s", Instant.now(), Instant.now().plusSeconds(3600), null, null, null);
    }

    @Test
    void noConfigurationMeansMemory() {
        active.configure(Map.of());
        assertEquals(State.WAITING, active.status().state());
        offer(candidate("memory", 1, 0, TinyStore.factory()));
        assertEquals(State.ACTIVE, active.status().state());
        assertEquals("memory", active.status().type());
        active.front().addSession(session("a"));
        assertTrue(active.front().sessionExists("a"));
    }

    @Test
    void backendLeavingMakesCallsWaitThenFailNamingTheType() {
        offer(candidate("memory", 1, 0, TinyStore.factory()));
        active.configure(Map.of("swap_timeout", "200ms"));
        TinyStore first = (TinyStore) active.front().backend();
        withdraw(1);
        assertTrue(first.closed, "the withdrawn backend is closed");
        long start = System.nanoTime();
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> active.front().getSessionCount());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(190), "failed before swap_timeout");
        assertTrue(e.getMessage().contains("'memory'") && e.getMessage().contains("200ms"), e.getMessage());
        assertEquals(State.WAITING, active.status().state());
    }

    @Test
    void callWaitingForABackendGoesOnWhenItReturns() throws Exception {
        offer(candidate("memory", 1, 0, TinyStore.factory()));
        active.configure(Map.of("swap_timeout", "5s"));
        withdraw(1);
        CompletableFuture<Long> waiting = CompletableFuture.supplyAsync(() -> active.front().getSessionCount());
        Thread.sleep(100);
        assertFalse(waiting.isDone());
        offer(candidate("memory", 2, 0, TinyStore.factory()));
        assertEquals(0L, waiting.get(5, TimeUnit.SECONDS));
    }

    @Test
    void badConfigurationKeepsTheRunningStore() {
        offer(candidate("memory", 1, 0, TinyStore.factory()));
        active.configure(Map.of("size", "1"));
        TinyStore running = (TinyStore) active.front().backend();
        active.configure(Map.of("colour", "blue"));
        assertSame(running, active.front().backend());
        assertFalse(running.closed);
        assertEquals(State.ACTIVE, active.status().state());
        assertTrue(active.status().detail().contains("unknown tiny store key 'colour'"), active.status().detail());
        active.configure(Map.of("swap_timeout", "soon"));
        assertSame(running, active.front().backend());
        assertTrue(active.status().detail().contains("swap_timeout"), active.status().detail());
    }

    @Test
    void sameConfigurationAgainKeepsTheStoreAndItsData() {
        offer(candidate("memory", 1, 0, TinyStore.factory()));
        active.configure(Map.of("size", "1", "service.pid", "sessionstore"));
        active.front().addSession(session("kept"));
        active.configure(Map.of("size", "1", "service.pid", "sessionstore", "felix.fileinstall.filename", "x"));
        assertTrue(active.front().sessionExists("kept"));
    }

    @Test
    void frameworkKeysNeverReachTheBackend() {
        offer(candidate("memory", 1, 0, TinyStore.factory()));
        active.configure(Map.of("size", "3", "service.pid", "sessionstore", "component.name", "x",
                "felix.fileinstall.filename", "file:/etc/sessionstore.cfg", "type", "memory", "swap_timeout", "1s"));
        assertEquals(Map.of("size", "3"), ((TinyStore) active.front().backend()).config);
    }

    @Test
    void typeNoBundleProvidesWaitsAndComesAliveWhenOneArrives() {
        offer(candidate("memory", 1, 0, TinyStore.factory()));
        active.configure(Map.of("type", "mock", "swap_timeout", "100ms"));
        assertEquals(State.WAITING, active.status().state());
        assertTrue(active.status().detail().contains("store.type=mock"));
        assertThrows(StoreUnavailableException.class, () -> active.front().getSessionCount());
        offer(candidate("mock", 7, 0, TinyStore.factory()));
        assertEquals(State.ACTIVE, active.status().state());
        assertEquals("test.mock", active.status().provider().bundleSymbolicName());
        assertEquals(0, active.front().getSessionCount());
    }

    @Test
    void oneFactoryPerTypeByRankingThenServiceId() {
        StoreFactory low = TinyStore.factory();
        StoreFactory high = TinyStore.factory();
        StoreFactory older = TinyStore.factory();
        offer(candidate("memory", 5, 0, low));
        offer(candidate("memory", 3, 0, older));
        assertSame(older, factories.chosen("memory").orElseThrow().factory());
        offer(candidate("memory", 9, 10, high));
        assertSame(high, factories.chosen("memory").orElseThrow().factory());
        assertEquals(1, factories.providers().size());
        assertEquals(3, factories.providers().get(0).candidates());
        active.configure(Map.of());
        TinyStore fromHigh = (TinyStore) active.front().backend();
        withdraw(9);
        assertTrue(fromHigh.closed);
        assertNotSame(fromHigh, active.front().backend());
        assertEquals(3L, active.status().provider() == null ? -1 : factories.chosen("memory").orElseThrow().serviceId());
    }

    @Test
    void rejectedConfigurationWithNothingRunningFailsCallsAtOnce() {
        offer(candidate("memory", 1, 0, TinyStore.factory()));
        active.configure(Map.of("colour", "blue", "swap_timeout", "10s"));
        assertEquals(State.FAILED, active.status().state());
        assertNull(active.front().backend());
        long start = System.nanoTime();
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> active.front().getSessionCount());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "should not wait");
        assertTrue(e.getMessage().contains("colour"), e.getMessage());
    }

    @Test
    void secretsAreMaskedInStatus() {
        offer(candidate("memory", 1, 0, config -> new TinyStore(config)));
        active.configure(Map.of("password", "hunter2", "size", "1"));
        assertEquals("***", active.status().settings().get("password"));
        assertFalse(active.status().toString().contains("hunter2"));
    }
}
