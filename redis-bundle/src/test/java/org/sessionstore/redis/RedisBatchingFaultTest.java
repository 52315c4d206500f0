package org.sessionstore.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.StoreException;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.redis.RedisServer;

/**
 * Faults while callers share pipelined rounds (the {@link Batcher}): a connection cut with replies
 * unread, a frozen server, a delete and an add of one id in one round, a close while a round hangs.
 * Each asserts what a caller of a shared connection must never see: another caller's reply, a call
 * longer than its timeout, a lost index entry.
 */
class RedisBatchingFaultTest {

    private final MutableClock clock = new MutableClock(Instant.now());

    private Session session(String id) {
        Instant now = clock.instant();
        // the tokens name the session they belong to, so a reply handed to the wrong caller shows
        return new Session(id, "user-" + id, "sub-" + id, now, now.plusSeconds(3600), "access-" + id, "id-" + id, null);
    }

    private static List<Thread> race(int threads, java.util.function.IntConsumer body) {
        List<Thread> out = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int n = t;
            Thread th = new Thread(() -> body.accept(n), "racer-" + t);
            out.add(th);
            th.start();
        }
        return out;
    }

    /**
     * Defect: an error while a round was on the wire left its replies unread on a connection that
     * was used again, so the next caller read another session's tokens.
     */
    @Test
    void connectionsCutMidRoundNeverHandACallerAnotherCallersReply() throws Exception {
        try (RedisServer server = new RedisServer();
                RedisSessionStore store = RedisSessionStoreTest.store(server, clock, "timeout", "2s")) {
            for (int i = 0; i < 64; i++) {
                store.addSession(session("s" + i));
            }
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            List<Thread> racers = race(16, t -> {
                int i = t;
                while (!stop.get()) {
                    String id = "s" + (i++ % 64);
                    try {
                        if (i % 3 == 0) {
                            store.addSession(session(id));
                        } else {
                            Optional<Session> s = store.getSession(id);
                            if (s.isEmpty() || !s.get().accessToken().equals("access-" + id)
                                    || !s.get().username().equals("user-" + id)) {
                                wrong.add(id + " -> " + s.map(Session::username).orElse("absent"));
                            }
                            if (i % 2 == 0 && !store.sessionExists(id)) {
                                wrong.add(id + " does not exist");
                            }
                        }
                        ok.incrementAndGet();
                    } catch (StoreException e) {
                        failed.incrementAndGet();
                    }
                }
            });
            // cut every client connection, again and again, while rounds are on the wire
            for (int k = 0; k < 30; k++) {
                Thread.sleep(40);
                server.command("CLIENT KILL TYPE normal SKIPME yes");
            }
            stop.set(true);
            for (Thread r : racers) {
                r.join();
            }
            System.out.println("connections cut 30 times under 16 threads: " + ok.get() + " calls answered, "
                    + failed.get() + " failed");
            assertTrue(wrong.isEmpty(), "callers read replies that were not theirs: " + wrong.stream().limit(5).toList());
            assertTrue(ok.get() > 1_000, "the store went on between the cuts: " + ok.get());
            assertEquals(64, store.getSessionCount());
        }
    }

    /** Defect: with a frozen server, callers queued behind a sender waited for its rounds past their own timeout. */
    @Test
    void underAFrozenServerEveryBatchedCallEndsWithinItsTimeout() throws Exception {
        try (RedisServer server = new RedisServer();
                RedisSessionStore store = RedisSessionStoreTest.store(server, clock, "timeout", "300ms")) {
            store.addSession(session("a"));
            server.pause();
            ConcurrentLinkedQueue<Long> took = new ConcurrentLinkedQueue<>();
            try {
                List<Thread> racers = race(16, t -> {
                    for (int k = 0; k < 5; k++) {
                        long start = System.nanoTime();
                        try {
                            switch ((t + k) % 4) {
                                case 0 -> store.getSession("a");
                                case 1 -> store.addSession(session("b" + t));
                                case 2 -> store.deleteSession("c" + t);
                                default -> store.validateAndRemoveState("st" + t, "ua");
                            }
                        } catch (StoreException expected) {
                            // unavailable: what we measure is how long it took to say so
                        }
                        took.add((System.nanoTime() - start) / 1_000_000);
                    }
                });
                for (Thread r : racers) {
                    r.join();
                }
            } finally {
                server.resume();
            }
            long longest = took.stream().mapToLong(Long::longValue).max().orElseThrow();
            System.out.println("frozen redis, 16 threads x 5 calls, timeout 300ms: longest call " + longest + " ms");
            // a bound on behaviour (the timeout), with room for a loaded 2-core machine; not a speed figure
            assertTrue(longest < 900, "a call took " + longest + " ms under a 300 ms timeout");
            assertTrue(store.sessionExists("a"), "the store goes on after the freeze by itself");
        }
    }

    /**
     * Defect: the ZREMs of a round's deletes were sent after its commands, so a delete and then an
     * add of the same id in one round left the new session out of the index (count and clean miss it).
     */
    @Test
    void aDeleteThenAnAddOfOneIdInOneRoundKeepsTheIndexEntry() throws Exception {
        try (RedisServer server = new RedisServer();
                RedisSessionStore store = RedisSessionStoreTest.store(server, clock, "timeout", "10s", "pool_size", "1")) {
            store.addSession(session("x"));
            store.addSession(session("y"));
            server.pause();
            List<Thread> callers = new ArrayList<>();
            try {
                // one lane (pool_size 1): the first caller's round hangs, the next two queue in order behind it
                callers.add(start(() -> store.getSession("y")));
                Thread.sleep(150);
                callers.add(start(() -> store.deleteSession("x")));
                Thread.sleep(150);
                callers.add(start(() -> store.addSession(session("x"))));
                Thread.sleep(150);
            } finally {
                server.resume();
            }
            for (Thread c : callers) {
                c.join();
            }
            assertTrue(store.sessionExists("x"));
            assertEquals(2, store.getSessionCount(), "the re-added session is in the index");
            String score = server.command("ZSCORE session: x");
            assertTrue(!score.contains("$-1"), "x has no index entry: " + server.command("ZRANGE session: 0 -1"));
        }
    }

    /** Defect: close() spun while a round hung on a frozen server. */
    @Test
    void closeWhileARoundHangsReturnsAtOnceAndTheCallerHearsOfIt() throws Exception {
        try (RedisServer server = new RedisServer()) {
            RedisSessionStore store = RedisSessionStoreTest.store(server, clock, "timeout", "2s");
            store.addSession(session("a"));
            server.pause();
            try {
                ConcurrentLinkedQueue<String> outcome = new ConcurrentLinkedQueue<>();
                List<Thread> callers = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    callers.add(start(() -> {
                        try {
                            store.getSession("a");
                            outcome.add("answered");
                        } catch (RuntimeException e) {
                            outcome.add(e.getClass().getSimpleName());
                        }
                    }));
                }
                Thread.sleep(200);
                long start = System.nanoTime();
                store.close();
                long closeMillis = (System.nanoTime() - start) / 1_000_000;
                for (Thread c : callers) {
                    c.join(5_000);
                    assertTrue(!c.isAlive(), "a caller still waits after close");
                }
                System.out.println("close while 4 calls hang: " + closeMillis + " ms; callers: " + outcome);
                assertTrue(closeMillis < 1_000, "close waited " + closeMillis + " ms for a hung round");
                assertTrue(!outcome.contains("answered"), "a call was answered by a frozen server: " + outcome);
            } finally {
                server.resume();
            }
        }
    }

    private static Thread start(Runnable r) {
        Thread t = new Thread(r);
        t.start();
        return t;
    }
}
