package org.sessionstore.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        MemorySessionStore store = new MemorySessionStore(new MemoryConfig(3, 10, Duration.ofMinutes(10)), clock);
        for (int i = 0; i < 3; i++) {
            store.addSession(session("s" + i, Duration.ofHours(1)));
        }
        StoreFullException e = assertThrows(StoreFullException.class,
                () -> store.addSession(session("s3", Duration.ofHours(1))));
        assertTrue(e.getMessage().contains("max_sessions=3"), e.getMessage());
        store.addSession(session("s1", Duration.ofHours(2)));
        assertEquals(3, store.getSessionCount());
    }

    @Test
    void fullStoreMakesRoomByCleaningExpiredSessionsFirst() {
        MemorySessionStore store = new MemorySessionStore(new MemoryConfig(2, 10, Duration.ofMinutes(10)), clock);
        store.addSession(session("a", Duration.ofMinutes(1)));
        store.addSession(session("b", Duration.ofHours(1)));
        clock.advance(Duration.ofMinutes(2));
        store.addSession(session("c", Duration.ofHours(1)));
        assertTrue(store.sessionExists("c"));
    }

    @Test
    void fullStateTableRefusesNewStates() {
        MemorySessionStore store = new MemorySessionStore(new MemoryConfig(10, 2, Duration.ofMinutes(10)), clock);
        store.addStateEntry("a", "ua", "r", "u", "v");
        store.addStateEntry("b", "ua", "r", "u", "v");
        StoreFullException e = assertThrows(StoreFullException.class, () -> store.addStateEntry("c", "ua", "r", "u", "v"));
        assertTrue(e.getMessage().contains("max_states=2"), e.getMessage());
        clock.advance(Duration.ofMinutes(11));
        store.addStateEntry("c", "ua", "r", "u", "v");
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
    void staleIndexEntriesLeaveWithTheirSlot() {
        MemorySessionStore store = new MemorySessionStore(MemoryConfig.defaults(), clock);
        store.addSession(session("a", Duration.ofMinutes(1)));
        store.addSession(session("a", Duration.ofHours(1)));
        assertEquals(2, store.indexSize());
        clock.advance(Duration.ofMinutes(2));
        assertEquals(0, store.cleanExpired());
        assertTrue(store.sessionExists("a"));
        assertEquals(1, store.indexSize());
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
        assertEquals(new MemoryConfig(5, 7, Duration.ofSeconds(90)),
                MemoryConfig.from(Map.of("max_sessions", "5", "max_states", 7, "state_ttl", "90s")));
        assertEquals(MemoryConfig.defaults(), MemoryConfig.from(Map.of()));
        StoreConfigException unknown = assertThrows(StoreConfigException.class,
                () -> MemoryConfig.from(Map.of("ttl", "1h")));
        assertEquals("unknown memory store key 'ttl'; known keys: max_sessions, max_states, state_ttl",
                unknown.getMessage());
        StoreConfigException bad = assertThrows(StoreConfigException.class,
                () -> MemoryConfig.from(Map.of("max_sessions", "0")));
        assertEquals("max_sessions", bad.key());
    }
}
