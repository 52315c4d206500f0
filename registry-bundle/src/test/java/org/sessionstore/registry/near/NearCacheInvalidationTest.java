package org.sessionstore.registry.near;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.sessionstore.api.Session;
import org.sessionstore.redis.RedisStoreFactory;
import org.sessionstore.testkit.redis.RedisExtension;

/**
 * Two nodes, each a near cache over its own redis store on one real redis-server: a change on one
 * is refused on the other once its message arrives (a delete, a subject's revoke, a sid's); while
 * the channel is down (the subscription killed with CLIENT KILL TYPE pubsub) nothing is served from
 * memory; what no message told of ends at near_cache_max_age; readers racing a delete never keep
 * the old answer.
 */
class NearCacheInvalidationTest {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private final List<NearCache> nodes = new ArrayList<>();
    private String prefix;

    @AfterEach
    void close() {
        nodes.forEach(NearCache::close);
    }

    private NearCache node(Duration maxAge) {
        Map<String, Object> keys = new HashMap<>();
        keys.put("addr", REDIS.server().addr());
        keys.put("session_prefix", prefix);
        keys.put("state_prefix", prefix.replace(":session:", ":state:"));
        keys.put("timeout", "1s");
        NearCache c = NearCache.over(new RedisStoreFactory().create(keys), "redis", 1_000, maxAge, Duration.ZERO,
                Duration.ZERO, Clock.systemUTC());
        nodes.add(c);
        await(c::trusted, "the channel up");
        return c;
    }

    private NearCache[] twoNodes(Duration maxAge) {
        prefix = "inv" + PREFIXES.incrementAndGet() + ":session:";
        return new NearCache[] {node(maxAge), node(maxAge)};
    }

    private static void await(BooleanSupplier done, String what) {
        long until = System.currentTimeMillis() + 10_000;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > until) {
                throw new AssertionError("not within 10 s: " + what);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static Session session(String id, String sub, String sid) {
        Instant now = Instant.now();
        return new Session(id, sub, sub, now, now.plusSeconds(600), "at-" + id, null, null, sid);
    }

    /** One inline command to the server; its first reply line. */
    private static String redis(String command) throws Exception {
        try (Socket s = new Socket("127.0.0.1", REDIS.server().port())) {
            OutputStream out = s.getOutputStream();
            out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != -1 && c != '\n';) {
                line.append((char) c);
            }
            return line.toString().strip();
        }
    }

    private static long hits(NearCache c) {
        return (long) c.figures()[0];
    }

    @Test
    void aChangeOnOneNodeIsRefusedOnTheOtherOnceItsMessageArrives() {
        NearCache[] n = twoNodes(Duration.ofSeconds(30));
        NearCache a = n[0];
        NearCache b = n[1];
        a.addSession(session("s1", "alice", "sid-1"));
        a.addSession(session("s2", "alice", "sid-2"));
        a.addSession(session("s3", "bob", "sid-3"));
        for (String id : List.of("s1", "s2", "s3")) {
            assertTrue(b.getSession(id).isPresent());
            long before = hits(b);
            assertTrue(b.getSession(id).isPresent());
            assertEquals(before + 1, hits(b), "the second get of " + id + " is served from memory");
        }
        a.deleteSession("s1");
        await(() -> b.getSession("s1").isEmpty(), "b refuses a session a deleted");
        a.deleteSessionsBySubject("alice");
        await(() -> b.getSession("s2").isEmpty(), "b refuses a subject a revoked");
        a.deleteSessionsBySid("sid-3");
        await(() -> b.getSession("s3").isEmpty(), "b refuses a sid a revoked");
        assertTrue(b.figures()[2] >= 3, "invalidations received: " + b.details());
        assertFalse(Double.isNaN(b.figures()[3]), "a lag figure");
        assertTrue(b.details().get("near cache").contains("channel up"), b.details().toString());
        String text = new org.sessionstore.registry.metrics.Metrics().prometheus();
        assertTrue(text.matches("(?s).*\nsessionstore_near_cache_gets_total\\{result=\"hit\"\\} [1-9][0-9]*\n.*"), text);
        assertTrue(text.contains("\nsessionstore_near_cache_up 1\n"), text);
        assertTrue(text.contains("\nsessionstore_near_cache_lag_p99_seconds "), text);
    }

    @Test
    void whileTheChannelIsDownNothingIsServedFromMemory() throws Exception {
        NearCache[] n = twoNodes(Duration.ofSeconds(30));
        NearCache b = n[1];
        n[0].addSession(session("k1", "carol", null));
        n[0].addSession(session("k2", "carol", null));
        b.getSession("k1");
        b.getSession("k2");
        long before = hits(b);
        b.getSession("k1");
        assertEquals(before + 1, hits(b));
        long downs = b.downs();
        assertTrue(Integer.parseInt(redis("CLIENT KILL TYPE pubsub").replace(":", "")) >= 2, "both subscriptions killed");
        await(() -> b.downs() > downs, "b hears its channel is down");
        // a change no message tells of (the subscription is gone): b must not answer from memory
        assertEquals(":1", redis("DEL " + prefix + "k1"));
        assertTrue(b.getSession("k1").isEmpty(), "a session removed while the channel was down is not served");
        await(b::trusted, "the channel back up");
        b.getSession("k2");
        long again = hits(b);
        b.getSession("k2");
        assertEquals(again + 1, hits(b), "served from memory again once the channel is back");
    }

    /** A server that stops answering (SIGSTOP: no RST, the subscription's socket just goes quiet) is noticed. */
    @Test
    void aSilentServerIsNoticedAndNothingIsServedFromMemory() throws Exception {
        try (org.sessionstore.testkit.redis.RedisServer quiet = new org.sessionstore.testkit.redis.RedisServer()) {
            Map<String, Object> keys = new HashMap<>();
            keys.put("addr", quiet.addr());
            keys.put("timeout", "1s");
            NearCache c = NearCache.over(new RedisStoreFactory().create(keys), "redis", 100, Duration.ofSeconds(60),
                    Duration.ZERO, Duration.ZERO, Clock.systemUTC());
            nodes.add(c);
            await(c::trusted, "the channel up");
            c.addSession(session("q1", "quinn", null));
            c.getSession("q1");
            quiet.pause();
            try {
                await(() -> !c.trusted(), "the channel down while the server is silent");
                assertTrue(c.details().get("near cache").contains("DOWN"), c.details().toString());
            } finally {
                quiet.resume();
            }
            await(c::trusted, "the channel up again");
        }
    }

    @Test
    void messagesNameStripesNeverIdsSubjectsOrSids() throws Exception {
        NearCache[] n = twoNodes(Duration.ofSeconds(30));
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (AutoCloseable spy = n[0].broadcast().orElseThrow().subscribe(new org.sessionstore.api.Broadcast.Listener() {
            @Override
            public void received(String message) {
                seen.add(message);
            }

            @Override
            public void up() {
            }

            @Override
            public void down(String why) {
            }
        })) {
            Thread.sleep(200);
            n[0].addSession(session("secret-id-77", "frank@example.com", "sid-secret-9"));
            n[0].deleteSessionsBySid("sid-secret-9");
            n[0].deleteSessionsBySubject("frank@example.com");
            await(() -> seen.size() >= 3, "three messages");
        }
        for (String m : seen) {
            assertTrue(m.matches("[0-9a-f]+\\|[0-9]+\\|[isd]\\|[0-9]+"), m);
            assertFalse(m.contains("secret") || m.contains("frank"), m);
        }
    }

    /** Redis caps a session at its ttl: the cached copy ends with the key, not at the session's own expiresAt. */
    @Test
    void aSessionIsNotServedPastTheStoresTtlCap() throws Exception {
        prefix = "ttl" + PREFIXES.incrementAndGet() + ":session:";
        Map<String, Object> keys = new HashMap<>();
        keys.put("addr", REDIS.server().addr());
        keys.put("session_prefix", prefix);
        keys.put("state_prefix", prefix.replace(":session:", ":state:"));
        keys.put("ttl", "1s");
        NearCache c = NearCache.over(new RedisStoreFactory().create(keys), "redis", 100, Duration.ofSeconds(60), Duration.ZERO,
                Duration.ZERO, Clock.systemUTC());
        nodes.add(c);
        await(c::trusted, "the channel up");
        c.addSession(session("t1", "tess", null)); // lives 600 s, capped at 1 s by ttl
        assertTrue(c.getSession("t1").isPresent());
        Thread.sleep(1_300);
        assertTrue(c.getSession("t1").isEmpty(), "served past the ttl cap");
    }

    @Test
    void whatNoMessageToldOfEndsAtMaxAge() throws Exception {
        NearCache[] n = twoNodes(Duration.ofMillis(300));
        NearCache b = n[1];
        n[0].addSession(session("m1", "dan", null));
        assertTrue(b.getSession("m1").isPresent());
        assertEquals(":1", redis("DEL " + prefix + "m1")); // behind every node's back
        Thread.sleep(350);
        assertTrue(b.getSession("m1").isEmpty(), "near_cache_max_age bounds what a lost message leaves");
    }

    @Test
    void readersRacingADeleteNeverKeepTheOldAnswer() throws Exception {
        NearCache[] n = twoNodes(Duration.ofSeconds(30));
        NearCache a = n[0];
        NearCache b = n[1];
        for (int round = 0; round < 50; round++) {
            String id = "r" + round;
            a.addSession(session(id, "erin", null));
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                Thread th = new Thread(() -> {
                    while (!stop.get()) {
                        b.getSession(id);
                    }
                });
                th.start();
                readers.add(th);
            }
            Thread.sleep(2);
            long received = (long) b.figures()[2];
            a.deleteSession(id);
            await(() -> b.figures()[2] > received, "the delete's message at b");
            Thread.sleep(2);
            stop.set(true);
            for (Thread th : readers) {
                th.join();
            }
            assertTrue(b.getSession(id).isEmpty(), "round " + round + ": a read that raced the delete was kept");
        }
    }
}
