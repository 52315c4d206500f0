package org.sessionstore.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sessionstore.api.Migration;
import org.sessionstore.api.Session;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.TransferableStore;
import org.sessionstore.registry.FactoryIndex.Candidate;

/** Hand-off on upgrade, --migrate, and housekeeping, without a framework. */
class HandOffTest {

    /** An in-process store that can list and import its entries, as the memory store does. */
    static final class ListingStore implements TransferableStore, org.sessionstore.api.SessionStore {
        final Map<String, Session> sessions = new ConcurrentHashMap<>();
        final Map<String, StateEntry> states = new ConcurrentHashMap<>();
        volatile boolean closed;
        int cleaned;

        @Override public Stream<Session> liveSessions() { return sessions.values().stream(); }
        @Override public Stream<StateEntry> liveStates() { return states.values().stream(); }
        @Override public void importState(StateEntry e) { states.put(e.state(), e); }
        @Override public void addSession(Session s) { sessions.put(s.id(), s); }
        @Override public Optional<Session> getSession(String id) { return Optional.ofNullable(sessions.get(id)); }
        @Override public boolean deleteSession(String id) { return sessions.remove(id) != null; }
        @Override public int cleanExpired() { return ++cleaned; }
        @Override public Optional<String> getField(String id, String f) { return getSession(id).flatMap(s -> s.field(f)); }
        @Override public long getSessionCount() { return sessions.size(); }
        @Override public boolean sessionExists(String id) { return sessions.containsKey(id); }
        @Override public void addStateEntry(String st, String ua, String r, String u, String cv) {
            states.put(st, new StateEntry(st, Instant.now(), ua, r, u, cv));
        }
        @Override public Optional<StateEntry> validateAndRemoveState(String st, String ua) { return Optional.ofNullable(states.remove(st)); }
        @Override public int cleanExpiredStates(Duration maxAge) { return 0; }
        @Override public void close() { closed = true; }
    }

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final FactoryIndex factories = new FactoryIndex();
    private final ActiveStore active = new ActiveStore(factories, timer);

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private void offer(String type, long id, StoreFactory f) {
        active.factoriesChanged(factories.put(new Candidate(type, id, 0, f, "test." + type, "1", 1)));
    }

    private static Session session(String id) {
        return new Session(id, "u", "s", Instant.now(), Instant.now().plusSeconds(600), null, null, null);
    }

    @Test
    void upgradedBundleGetsTheLiveEntriesOfItsPredecessor() {
        offer("memory", 1, config -> new ListingStore());
        active.configure(Map.of());
        active.front().addSession(session("kept"));
        Instant created = Instant.parse("2026-01-01T00:00:00Z");
        ((ListingStore) active.front().backend()).importState(new StateEntry("st", created, "ua", "r", "u", "v"));
        ListingStore old = (ListingStore) active.front().backend();

        factories.remove(1).ifPresent(active::factoriesChanged); // the bundle stops for its update
        assertTrue(!old.closed, "kept for a successor");
        offer("memory", 2, config -> new ListingStore()); // the updated bundle's factory

        assertTrue(old.closed);
        assertTrue(active.front().sessionExists("kept"));
        assertEquals(created, active.front().validateAndRemoveState("st", "ua").orElseThrow().createdAt());
        assertEquals(1, active.lastHandOff().orElseThrow().sessions());
    }

    @Test
    void predecessorIsDroppedWhenNoSuccessorComesWithinSwapTimeout() throws Exception {
        offer("memory", 1, config -> new ListingStore());
        active.configure(Map.of("swap_timeout", "100ms"));
        ListingStore old = (ListingStore) active.front().backend();
        factories.remove(1).ifPresent(active::factoriesChanged);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!old.closed && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(old.closed);
    }

    @Test
    void migrateCopiesIntoTheNewStoreAndReportsTheCount() {
        offer("memory", 1, config -> new ListingStore());
        offer("other", 2, config -> new ListingStore());
        active.configure(Map.of());
        for (int i = 0; i < 1_234; i++) {
            active.front().addSession(session("s" + i));
        }
        active.front().addStateEntry("st", "ua", "r", "u", "v");
        Migration m = active.switchTo(Map.of("type", "other"), true);
        assertEquals(1_234, m.sessions());
        assertEquals(1, m.states());
        assertEquals("other", active.status().type());
        assertEquals(1_234, active.front().getSessionCount());

        Migration plain = active.switchTo(Map.of("type", "memory"), false);
        assertEquals(0, plain.sessions());
        assertEquals(0, active.front().getSessionCount());
    }

    @Test
    void migrateToATypeNobodyProvidesIsRefusedAndChangesNothing() {
        offer("memory", 1, config -> new ListingStore());
        active.configure(Map.of());
        active.front().addSession(session("a"));
        assertThrows(StoreConfigException.class, () -> active.switchTo(Map.of("type", "mongo"), true));
        assertEquals("memory", active.status().type());
        assertTrue(active.front().sessionExists("a"));
    }

    @Test
    void housekeepingCleansTheServedStoreAndRemembersTheRun() {
        offer("memory", 1, config -> new ListingStore());
        active.configure(Map.of());
        Housekeeper keeper = new Housekeeper(active, timer);
        keeper.runOnce();
        keeper.runOnce();
        assertEquals(2, keeper.last().sessionsRemoved());
    }
}
