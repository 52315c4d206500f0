package org.sessionstore.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.redis.RedisExtension;
import org.sessionstore.testkit.redis.RedisServer;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What only the redis backend promises: its data layout, its commands, outages, connections. */
class RedisSessionStoreTest {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();
    private final MutableClock clock = new MutableClock(Instant.now());
    private RedisServer server;

    @BeforeEach
    void flush() throws Exception {
        server = REDIS.server();
        server.command("FLUSHALL");
    }

    private RedisSessionStore store(String... keyValues) {
        return store(server, clock, keyValues);
    }

    /** A store on {@code server} with the given keys (addr set), reading time from {@code clock}. */
    static RedisSessionStore store(RedisServer server, java.time.Clock clock, String... keyValues) {
        Map<String, Object> config = new HashMap<>(Map.of("addr", server.addr()));
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        return new RedisSessionStore(RedisConfig.from(config), clock);
    }

    private Session session(String id, Duration ttl) {
        Instant now = clock.instant();
        return new Session(id, "alice", "sub", now, now.plus(ttl), "secret-access", "secret-id", null);
    }

    private static long number(String reply) {
        return Long.parseLong(reply.lines().filter(l -> l.startsWith(":")).findFirst().orElseThrow().substring(1).trim());
    }

    @Test
    void sessionKeyExpiresWithTheSessionCappedByTtl() throws Exception {
        try (RedisSessionStore store = store("ttl", "1h")) {
            store.addSession(session("short", Duration.ofMinutes(5)));
            store.addSession(session("long", Duration.ofHours(30)));
            long shortTtl = number(server.command("PTTL session:short"));
            long longTtl = number(server.command("PTTL session:long"));
            assertTrue(shortTtl > 290_000 && shortTtl <= 300_000, "PTTL " + shortTtl);
            assertTrue(longTtl > 3_590_000 && longTtl <= 3_600_000, "PTTL " + longTtl);
            assertTrue(server.command("TYPE session:short").contains("+hash"));
            assertTrue(server.command("TYPE session:").contains("+zset"), "the index is the key named exactly the prefix");
            assertTrue(server.command("HGET session:short username").contains("alice"));
        }
    }

    @Test
    void stateKeyExpiresAfterStateTtl() throws Exception {
        try (RedisSessionStore store = store("state_ttl", "90s")) {
            store.addStateEntry("st", "ua", "r", "u", "v");
            long ttl = number(server.command("PTTL state:st"));
            assertTrue(ttl > 85_000 && ttl <= 90_000, "PTTL " + ttl);
            assertTrue(server.command("TYPE state:st").contains("+string"));
        }
    }

    @Test
    void getFieldReadsOneFieldAndCountingOrCleaningNeverScans() throws Exception {
        try (RedisSessionStore store = store()) {
            for (int i = 0; i < 100; i++) {
                store.addSession(session("s" + i, Duration.ofMinutes(i < 40 ? 1 : 60)));
            }
            server.command("CONFIG RESETSTAT");
            assertEquals(Optional.of("secret-access"), store.getField("s50", "access_token"));
            assertEquals(100, store.getSessionCount());
            clock.advance(Duration.ofMinutes(2));
            assertEquals(60, store.getSessionCount());
            assertEquals(40, store.cleanExpired());
            store.addStateEntry("st", "ua", "r", "u", "v");
            assertEquals(1, store.cleanExpiredStates(Duration.ZERO));
            String stats = server.command("INFO commandstats");
            assertTrue(stats.contains("cmdstat_hmget"), stats);
            assertFalse(stats.contains("cmdstat_hgetall"), "getField read the whole session:\n" + stats);
            for (String scan : List.of("cmdstat_keys", "cmdstat_scan", "cmdstat_zscan", "cmdstat_hscan")) {
                assertFalse(stats.contains(scan), scan + " was used:\n" + stats);
            }
        }
    }

    @Test
    void validateAndRemoveIsOneGetdel() throws Exception {
        try (RedisSessionStore store = store()) {
            store.addStateEntry("st", "ua", "r", "u", "v");
            server.command("CONFIG RESETSTAT");
            assertTrue(store.validateAndRemoveState("st", "ua").isPresent());
            String stats = server.command("INFO commandstats");
            assertTrue(stats.contains("cmdstat_getdel:calls=1"), stats);
            assertFalse(stats.contains("cmdstat_get:"), stats);
        }
    }

    @Test
    void deleteIsUnlinkAndZremWithoutAScript() throws Exception {
        try (RedisSessionStore store = store()) {
            store.addSession(session("d", Duration.ofMinutes(5)));
            server.command("CONFIG RESETSTAT");
            assertTrue(store.deleteSession("d"));
            assertFalse(store.deleteSession("d"), "a second delete found the session again");
            String stats = server.command("INFO commandstats");
            assertTrue(stats.contains("cmdstat_unlink:calls=2"), stats);
            assertTrue(stats.contains("cmdstat_zrem:calls=2"), stats);
            assertFalse(stats.contains("cmdstat_evalsha") || stats.contains("cmdstat_eval:"), stats);
            assertEquals(0, store.getSessionCount());
            assertTrue(server.command("EXISTS session:d").contains(":0"));
        }
    }

    /** A session written with every field, then without some: the fields it no longer has are gone. */
    @Test
    void replacingASessionRemovesTheFieldsItNoLongerHas() throws Exception {
        try (RedisSessionStore store = store()) {
            Instant now = clock.instant();
            store.addSession(new Session("r", "alice", "sub", now, now.plusSeconds(60), "at", "it", "cv"));
            store.addSession(new Session("r", "alice", null, null, now.plusSeconds(60), null, "it2", null));
            Session back = store.getSession("r").orElseThrow();
            assertEquals(new Session("r", "alice", null, null, now.plusSeconds(60).truncatedTo(
                    java.time.temporal.ChronoUnit.MILLIS), null, "it2", null), back);
            String fields = server.command("HKEYS session:r");
            for (String gone : List.of("sub", "issued_at", "access_token", "code_verifier")) {
                assertFalse(fields.contains(gone), gone + " is still in the hash:\n" + fields);
            }
        }
    }

    /**
     * Batching: 16 threads racing on one store (and 4 on a second store, another connection
     * set) share round trips, and every caller gets its own answer: its own session, its own
     * error (a key of the wrong type fails only the caller that read it), and each state goes
     * to exactly one of the callers that race for it.
     */
    @Test
    void batchedCallersShareRoundTripsAndEachGetsItsOwnAnswer() throws Exception {
        try (RedisSessionStore store = store(); RedisSessionStore peer = store()) {
            int threads = 16;
            int states = 400;
            for (int i = 0; i < states; i++) {
                store.addStateEntry("race-" + i, "ua", "r", "u", "v" + i);
            }
            server.command("SET session:wrong-type just-a-string");
            server.command("CONFIG RESETSTAT");
            AtomicInteger[] winners = new AtomicInteger[states];
            for (int i = 0; i < states; i++) {
                winners[i] = new AtomicInteger();
            }
            ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            AtomicInteger typeErrors = new AtomicInteger();
            java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(threads + 4);
            List<Thread> racers = new ArrayList<>();
            for (int t = 0; t < threads + 4; t++) {
                int me = t;
                RedisSessionStore mine = t < threads ? store : peer;
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < states; i++) {
                            int n = (i * 7 + me * 13) % states;
                            String id = "t" + me + "-" + i;
                            mine.addSession(session(id, Duration.ofMinutes(5)));
                            Optional<Session> s = mine.getSession(id);
                            if (s.isEmpty() || !s.get().id().equals(id)) {
                                wrong.add(id + " read back as " + s);
                            }
                            Optional<org.sessionstore.api.StateEntry> e = mine.validateAndRemoveState("race-" + n, "ua");
                            if (e.isPresent()) {
                                winners[n].incrementAndGet();
                                if (!e.get().codeVerifier().equals("v" + n)) {
                                    wrong.add("race-" + n + " came back as " + e.get().codeVerifier());
                                }
                            }
                            if (me == 3 && i % 50 == 0) {
                                // the error reply (WRONGTYPE) reaches its own caller only, which reads the
                                // key as an unreadable record: absent, and counted
                                long before = mine.unreadableRecords();
                                if (mine.getSession("wrong-type").isPresent()) {
                                    wrong.add("a string key read as a session");
                                } else if (mine.unreadableRecords() > before) {
                                    typeErrors.incrementAndGet();
                                }
                            }
                            if (!mine.deleteSession(id)) {
                                wrong.add(id + " was not there to delete");
                            }
                        }
                    } catch (Exception e) {
                        wrong.add("thread " + me + ": " + e);
                    }
                });
                racers.add(th);
                th.start();
            }
            for (Thread th : racers) {
                th.join();
            }
            assertEquals(List.of(), List.copyOf(wrong));
            assertEquals(states / 50, typeErrors.get());
            for (int i = 0; i < states; i++) {
                assertEquals(1, winners[i].get(), "winners of race-" + i);
            }
            assertEquals(0, store.getSessionCount());
            // shared round trips: the server read fewer times than it ran commands
            long reads = stat(server.command("INFO stats"), "total_reads_processed");
            long commands = stat(server.command("INFO stats"), "total_commands_processed");
            System.out.printf("batched racers: %d socket reads for %d commands%n", reads, commands);
            // (unbatched, 4 calls of 6 commands would take 4 reads: 0.67 a command)
            assertTrue(reads * 2 < commands, reads + " socket reads for " + commands + " commands");
        }
    }

    private static long stat(String info, String name) {
        return info.lines().filter(l -> l.startsWith(name + ":")).mapToLong(l -> Long.parseLong(l.substring(
                name.length() + 1).trim())).findFirst().orElseThrow(() -> new AssertionError(name + " not in " + info));
    }

    @Test
    void redisDownAtCreationFailsCallsFastAndRecoversByItself() throws Exception {
        try (RedisServer down = new RedisServer()) {
            down.stop();
            try (RedisSessionStore store = new RedisSessionStore(RedisConfig.from(Map.of("addr", down.addr(),
                    "timeout", "500ms")), Clock.systemUTC())) {
                long start = System.nanoTime();
                StoreUnavailableException e = assertThrows(StoreUnavailableException.class, store::getSessionCount);
                assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "the call hung");
                assertTrue(e.getMessage().contains("redis at " + down.addr() + " is unavailable"), e.getMessage());
                down.start();
                assertEquals(0, store.getSessionCount());
            }
        }
    }

    /** Writers run while the server is killed (SIGKILL) and restarted: calls fail as unavailable, nothing written is lost. */
    @Test
    void killedAndRestartedServerLosesNoAcknowledgedSession() throws Exception {
        try (RedisServer own = new RedisServer(); RedisSessionStore store = new RedisSessionStore(
                RedisConfig.from(Map.of("addr", own.addr(), "timeout", "500ms")), Clock.systemUTC())) {
            ConcurrentLinkedQueue<String> written = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
            AtomicInteger unavailable = new AtomicInteger();
            AtomicInteger afterRestart = new AtomicInteger();
            AtomicBoolean restarted = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int me = t;
                Thread w = new Thread(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String id = "w" + me + "-" + i;
                        try {
                            Instant now = Instant.now();
                            store.addSession(new Session(id, "u", "s", now, now.plusSeconds(3600), "at", "it", null));
                            written.add(id);
                            if (restarted.get()) {
                                afterRestart.incrementAndGet();
                            }
                        } catch (StoreUnavailableException e) {
                            unavailable.incrementAndGet();
                        } catch (RuntimeException e) {
                            unexpected.add(e.toString());
                        }
                    }
                });
                writers.add(w);
                w.start();
            }
            awaitCount(written, 200);
            own.kill();
            int beforeRestart = written.size();
            Thread.sleep(300);
            own.start();
            restarted.set(true);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (afterRestart.get() < 200 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            stop.set(true);
            for (Thread w : writers) {
                w.join();
            }
            assertEquals(List.of(), List.copyOf(unexpected));
            assertTrue(unavailable.get() > 0, "no call saw the outage");
            assertTrue(afterRestart.get() >= 200, "writes did not resume after the restart");
            assertTrue(beforeRestart >= 200);
            for (String id : written) {
                assertTrue(store.sessionExists(id), "lost " + id);
            }
            // a call that failed may still have been applied before the kill (its reply was lost): in doubt, never lost
            long count = store.getSessionCount();
            assertTrue(count >= written.size() && count <= written.size() + unavailable.get(),
                    count + " sessions for " + written.size() + " acknowledged writes and " + unavailable + " failed ones");
        }
    }

    private static void awaitCount(ConcurrentLinkedQueue<String> q, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (q.size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + q.size() + " writes");
            }
            Thread.sleep(5);
        }
    }

    @Test
    void closingReleasesEveryConnection() throws Exception {
        int before = server.connectedClients(null);
        RedisSessionStore store = store("pool_size", "8");
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread c = new Thread(() -> {
                for (int i = 0; i < 200; i++) {
                    store.sessionExists("x" + i);
                }
            });
            callers.add(c);
            c.start();
        }
        for (Thread c : callers) {
            c.join();
        }
        assertTrue(server.connectedClients(null) > before, "the store opened no connection");
        store.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.connectedClients(null) != before && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(before, server.connectedClients(null));
    }

    @Test
    void passwordIsUsedButNeverShown() throws Exception {
        try (RedisServer secured = new RedisServer("--requirepass", "s3cret-pw")) {
            Map<String, Object> good = Map.of("addr", secured.addr(), "password", "s3cret-pw");
            try (RedisSessionStore store = new RedisSessionStore(RedisConfig.from(good), clock)) {
                store.addSession(session("p", Duration.ofMinutes(5)));
                assertTrue(store.sessionExists("p"));
                assertFalse(store.toString().contains("s3cret-pw"), store.toString());
            }
            Map<String, Object> bad = Map.of("addr", secured.addr(), "password", "wrong-pw");
            try (RedisSessionStore store = new RedisSessionStore(RedisConfig.from(bad), clock)) {
                StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> store.sessionExists("p"));
                assertTrue(e.getMessage().contains("'password'"), e.getMessage());
                assertFalse(e.getMessage().contains("wrong-pw") || e.getMessage().contains("s3cret-pw"), e.getMessage());
            }
        }
    }

    /** The calls of one command so far, from INFO commandstats (0 if it never ran). */
    private long calls(String command) throws Exception {
        String info = server.command("INFO commandstats");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /**
     * The idle mark in the index (a deadline scored half a millisecond early) is written as text
     * whatever the number's size (Lua's own conversion keeps 14 digits: a clock 3,000 years ahead
     * made the add fail) and read as "not a whole number", also after a read moved it.
     */
    @Test
    void theIdleMarkHoldsForAnyDeadline() throws Exception {
        org.sessionstore.testkit.MutableClock far = new org.sessionstore.testkit.MutableClock(Instant.parse("5200-01-01T00:00:00Z"));
        try (RedisSessionStore s = store(server, far, "idle_timeout", "30m", "ttl", "24h")) {
            Instant now = far.instant();
            s.addSession(new Session("far-idle", "u", "u", now, now.plusSeconds(8 * 3600), null, null, null));
            s.addSession(new Session("far-read", "u", "u", now, now.plusSeconds(8 * 3600), null, null, null));
            s.addSession(new Session("far-end", "u", "u", now, now.plusSeconds(600), null, null, null));
            far.advance(Duration.ofMinutes(5));
            assertTrue(s.getSession("far-read").isPresent()); // moves its deadline: marked again by the touch
            far.advance(Duration.ofMinutes(40));
            int[] idle = {0};
            assertEquals(3, s.cleanExpired(n -> idle[0] += n));
            assertEquals(2, idle[0], "far-idle and far-read ended idle, far-end at its end");
        }
    }

    /**
     * Issue 19: 10,000 gets a second on one session for 60 s of the store's clock write its idle
     * deadline at most ceil(60 / touch_after) + 1 times (counted by the server, INFO commandstats:
     * the touch script's HSET), from two nodes reading alternately; the session ends at its
     * expiresAt all the same.
     */
    @Test
    void readsUnderIdleTimeoutWriteOncePerTouchAfter() throws Exception {
        try (RedisSessionStore a = store("idle_timeout", "30s", "touch_after", "10s");
                RedisSessionStore b = store("idle_timeout", "30s", "touch_after", "10s")) {
            Instant now = clock.instant();
            a.addSession(new Session("hot", "alice", "alice", now, now.plusSeconds(121), "secret-access", null, null));
            server.command("CONFIG RESETSTAT");
            int gets = 0;
            for (int ms = 10; ms <= 60_000; ms += 10) { // 100 reads per second of the store's clock (6,000 reads)
                clock.advance(Duration.ofMillis(10));
                assertTrue((gets++ % 2 == 0 ? a : b).getSession("hot").isPresent(), "alive at " + ms + " ms");
            }
            long writes = calls("hset");
            System.out.println("idle touches: " + gets + " reads over 60 s of store time wrote the deadline " + writes
                    + " times (touch_after 10s; bound " + (60 / 10 + 1) + ")");
            assertTrue(writes >= 5 && writes <= 7, writes + " writes");
            for (int ms = 60_010; ms < 121_000; ms += 10) {
                clock.advance(Duration.ofMillis(10));
                assertTrue((gets++ % 2 == 0 ? a : b).getSession("hot").isPresent(), "alive at " + ms + " ms");
            }
            clock.advance(Duration.ofMillis(10));
            assertFalse(a.getSession("hot").isPresent(), "it ends at its expiresAt (121 s) however often it is read");
            assertFalse(b.sessionExists("hot"));
            assertEquals(0, a.getSessionCount());
        }
    }

    /**
     * Found in review: with idle_timeout, reads moved a session past its ttl cap, and its subject's
     * and sid's sets (scored by that cap) then lost it, so revoking missed a live session.
     */
    @Test
    void readsNeverMoveASessionPastItsTtlCap() {
        try (RedisSessionStore s = store("ttl", "3s", "idle_timeout", "2s", "touch_after", "1s")) {
            Instant now = clock.instant();
            s.addSession(new Session("capped", "alice", "alice", now, now.plusSeconds(3_600), null, null, null, "idp"));
            for (int ms = 700; ms <= 2_800; ms += 700) {
                clock.advance(Duration.ofMillis(700));
                assertTrue(s.getSession("capped").isPresent(), "read at " + ms + " ms");
                assertEquals(1, s.sessionsOf("alice", 0, 10).size(), "listed at " + ms + " ms");
            }
            clock.advance(Duration.ofMillis(300)); // 3.1 s: past the ttl cap, however often it was read
            assertFalse(s.getSession("capped").isPresent());
            assertFalse(s.sessionExists("capped"));
            assertEquals(0, s.getSessionCount());
        }
    }
}
