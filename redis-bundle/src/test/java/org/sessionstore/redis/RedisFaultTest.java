package org.sessionstore.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.StoreFullException;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.redis.RedisServer;

/**
 * Faults injected into a real redis-server: hung, restarted empty, at maxmemory, keys evicted or
 * deleted behind the store's back, a corrupt record. Each asserts that nothing acknowledged is
 * lost and that every failure is one clear message.
 */
class RedisFaultTest {

    private final MutableClock clock = new MutableClock(Instant.now());

    private RedisSessionStore store(RedisServer server, String... keyValues) {
        return RedisSessionStoreTest.store(server, clock, keyValues);
    }

    private Session session(String id, String payload) {
        Instant now = clock.instant();
        return new Session(id, "alice", "sub", now, now.plusSeconds(3600), payload, "id-token", null);
    }

    private static void assertOneLine(String message) {
        assertFalse(message.contains("\n"), "not one line: " + message);
        assertFalse(message.contains("Exception"), "a raw exception reached the message: " + message);
    }

    /** Defect: an add ran under maxmemory/noeviction (its DEL passed, then its HSET): 30 x 100 KB reached 8 MB under 1 MB. */
    @Test
    void anAddAtMaxmemoryIsRefusedWholeAndTheSessionItWouldReplaceSurvives() throws Exception {
        try (RedisServer server = new RedisServer("--maxmemory", "2mb", "--maxmemory-policy", "noeviction");
                RedisSessionStore store = store(server)) {
            store.addSession(session("kept", "small"));
            String big = "x".repeat(100_000);
            StoreFullException refused = null;
            for (int i = 0; i < 60 && refused == null; i++) {
                try {
                    store.addSession(session("big" + i, big));
                } catch (StoreFullException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null, "maxmemory never refused an add");
            assertTrue(refused.getMessage().contains("out of memory (maxmemory reached, and its policy noeviction evicts"
                    + " nothing)"), refused.getMessage());
            assertOneLine(refused.getMessage());
            long used = Long.parseLong(server.command("INFO memory").lines().filter(l -> l.startsWith("used_memory:"))
                    .findFirst().orElseThrow().substring("used_memory:".length()).trim());
            assertTrue(used < 3L << 20, "used_memory " + used + " far above maxmemory 2mb");
            // replacing an existing session under OOM must not delete it first
            assertThrows(StoreFullException.class, () -> store.addSession(session("kept", big)));
            assertEquals("small", store.getSession("kept").orElseThrow().accessToken());
            // removals still run, and free memory
            for (int i = 0; i < 60; i++) {
                store.deleteSession("big" + i);
            }
            store.addSession(session("after", big));
            assertTrue(store.sessionExists("after"));
        }
    }

    /** Defect: count kept sessions whose keys were evicted or deleted outside the store, and clean did not reconcile. */
    @Test
    void cleanReconcilesTheIndexWithKeysThatAreGoneAndCountIsExactAfterIt() throws Exception {
        try (RedisServer server = new RedisServer(); RedisSessionStore store = store(server)) {
            for (int i = 0; i < 2_500; i++) {
                store.addSession(session("s" + i, "t"));
            }
            StringBuilder del = new StringBuilder();
            for (int i = 0; i < 2_500; i += 3) {
                del.append("DEL session:s").append(i).append("\r\n");
            }
            server.command(del.toString().strip());
            assertEquals(2_500, store.getSessionCount(), "the index still counts them until a clean");
            assertEquals(0, store.cleanExpired(), "no session expired");
            assertEquals(2_500 - 834, store.getSessionCount());
            assertTrue(store.sessionExists("s1") && !store.sessionExists("s0"));
        }
    }

    /**
     * Found in review: under volatile-lru the refusal said "its policy evicts nothing". With the
     * memory held by keys without a TTL, a volatile policy has nothing left to evict: say so.
     */
    @Test
    void theRefusalSaysWhatThePolicyCouldNotDo() throws Exception {
        try (RedisServer server = new RedisServer("--maxmemory", "2mb", "--maxmemory-policy", "volatile-lru");
                RedisSessionStore store = store(server)) {
            store.addSession(session("first", "small")); // the first connection reads the policy
            // keys without a TTL, past maxmemory (a script without flags runs to its end once it started)
            server.command("EVAL \"for i=1,40000 do redis.call('SET','filler:'..i, string.rep('x',100)) end return 1\" 0");
            StoreFullException refused = org.junit.jupiter.api.Assertions.assertThrows(StoreFullException.class,
                    () -> store.addSession(session("next", "x".repeat(10_000))));
            assertTrue(refused.getMessage().contains("its policy volatile-lru evicts only keys with a TTL, of which none is"
                    + " left"), refused.getMessage());
            assertOneLine(refused.getMessage());
        }
    }

    /** Under a volatile-* policy Redis evicts only keys with a TTL: sessions, never the index (which has none). */
    @Test
    void keysEvictedUnderAVolatilePolicyLeaveTheCountExactAfterAClean() throws Exception {
        try (RedisServer server = new RedisServer("--maxmemory", "3mb", "--maxmemory-policy", "volatile-lru");
                RedisSessionStore store = store(server)) {
            String payload = "y".repeat(5_000);
            for (int i = 0; i < 2_000; i++) {
                store.addSession(session("e" + i, payload));
            }
            server.command("CONFIG SET maxmemory 0"); // no more evictions while we count
            store.cleanExpired();
            long live = 0;
            for (int i = 0; i < 2_000; i++) {
                live += store.sessionExists("e" + i) ? 1 : 0;
            }
            assertTrue(live < 2_000, "nothing was evicted; raise the payload");
            assertEquals(live, store.getSessionCount());
        }
    }

    /** Defect: a corrupt hash field surfaced as a raw NumberFormatException. */
    @Test
    void aCorruptRecordIsReportedNamingItsKeyAndTreatedAsAbsent() throws Exception {
        List<String> logged = new CopyOnWriteArrayList<>();
        Logger jul = Logger.getLogger("org.sessionstore.redis");
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(java.text.MessageFormat.format(r.getMessage(), r.getParameters()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(capture);
        try (RedisServer server = new RedisServer(); RedisSessionStore store = store(server)) {
            server.command("HSET session:bad username eve expires_at notanumber access_token secret-token");
            server.command("HSET session:future v 9 username eve expires_at 99999999999999");
            server.command("SET state:broken {not-json\r\nZADD state: 1 broken");
            assertTrue(store.getSession("bad").isEmpty());
            assertFalse(store.sessionExists("bad"));
            assertTrue(store.getField("bad", "username").isEmpty());
            assertTrue(store.getSession("future").isEmpty(), "a record of a newer format is not misread");
            assertTrue(store.validateAndRemoveState("broken", "ua").isEmpty());
            store.getSession("bad");
            assertTrue(logged.stream().anyMatch(l -> l.contains("'session:bad'") && l.contains("expires_at")), logged.toString());
            assertTrue(logged.stream().anyMatch(l -> l.contains("'session:future'") && l.contains("format 9")), logged.toString());
            assertTrue(logged.stream().anyMatch(l -> l.contains("'state:broken'")), logged.toString());
            assertEquals(1, logged.stream().filter(l -> l.contains("'session:bad'")).count(), "reported once per key");
            assertFalse(logged.toString().contains("secret-token"));
        } finally {
            jul.removeHandler(capture);
        }
    }

    /** Defect: under a hung Redis with more callers than pool_size, calls took up to twice the timeout. */
    @Test
    void underAHungRedisNoCallTakesLongerThanItsTimeoutPoolWaitIncluded() throws Exception {
        try (RedisServer server = new RedisServer();
                RedisSessionStore store = store(server, "timeout", "1s", "pool_size", "2")) {
            store.addSession(session("before", "t"));
            server.pause();
            try {
                ConcurrentLinkedQueue<Long> took = new ConcurrentLinkedQueue<>();
                ConcurrentLinkedQueue<String> messages = new ConcurrentLinkedQueue<>();
                List<Thread> callers = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    Thread c = new Thread(() -> {
                        long start = System.nanoTime();
                        try {
                            store.getSession("before");
                            messages.add("a call succeeded against a frozen server");
                        } catch (StoreUnavailableException e) {
                            messages.add(e.getMessage());
                        }
                        took.add((System.nanoTime() - start) / 1_000_000);
                    });
                    callers.add(c);
                    c.start();
                }
                for (Thread c : callers) {
                    c.join();
                }
                long longest = took.stream().mapToLong(Long::longValue).max().orElseThrow();
                System.out.println("hung redis, 8 callers, pool_size 2, timeout 1s: longest call " + longest + " ms");
                assertTrue(longest < 1_400, "a call took " + longest + " ms, more than its 1s timeout");
                for (String m : messages) {
                    assertTrue(m.startsWith("redis at " + server.addr() + " is unavailable"), m);
                    assertOneLine(m);
                }
            } finally {
                server.resume();
            }
            assertTrue(store.sessionExists("before"), "after the freeze the store goes on by itself");
        }
    }

    @Test
    void aServerRestartedEmptyIsUsedAgainWithoutReconfiguring() throws Exception {
        try (RedisServer server = new RedisServer(); RedisSessionStore store = store(server, "timeout", "500ms")) {
            store.addSession(session("gone", "t"));
            server.kill();
            StoreUnavailableException down = assertThrows(StoreUnavailableException.class, () -> store.getSession("gone"));
            assertOneLine(down.getMessage());
            server.wipe();
            server.start();
            assertTrue(store.getSession("gone").isEmpty(), "the server lost its data; the store reads what is there");
            assertEquals(0, store.getSessionCount());
            store.addSession(session("new", "t"));
            assertTrue(store.sessionExists("new"));
        }
    }

    @Test
    void aRefusedWriteIsAStoreExceptionNeverARawOne() throws Exception {
        try (RedisServer server = new RedisServer(); RedisSessionStore store = store(server)) {
            server.command("SET session: not-a-zset");
            StoreException e = assertThrows(StoreException.class, () -> store.addSession(session("x", "t")));
            assertTrue(e.getMessage().startsWith("redis at " + server.addr() + " refused adding a session: WRONGTYPE"),
                    e.getMessage());
            assertOneLine(e.getMessage());
        }
    }
}
