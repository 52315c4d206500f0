package org.sessionstore.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.StateEntry;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.redis.RedisCluster;
import org.sessionstore.testkit.redis.RedisSentinels;
import org.sessionstore.testkit.redis.RedisServer;

/**
 * Kills the primary under 16 threads of load, on a sentinel-managed primary and on one shard of a
 * Redis Cluster, and checks what a proxy fleet relies on: calls fail only during the failover,
 * the same store recovers by itself, and with {@code min_replicas_ack=1} no acknowledged session,
 * delete or consumed state is lost or comes back. Without it, the losses are counted and printed:
 * that is the honest figure, not asserted (asynchronous replication may lose the last writes).
 *
 * <p>Each topology has two replicas per primary, so one is left to confirm writes after the other
 * is promoted.
 */
class RedisTopologyFailoverTest {

    private static final int THREADS = 16;
    private final MutableClock clock = new MutableClock(Instant.now());

    @Test
    void sentinelFailoverWithMinReplicasAckLosesNothingAcknowledged() throws Exception {
        try (RedisSentinels topology = new RedisSentinels(2)) {
            Outcome o = run("sentinel, min_replicas_ack=1", topology, "1");
            o.assertNothingLost();
        }
    }

    /**
     * Defect (found by {@code NearCacheReport sentinel}): after a second failover the first
     * promoted replica stays primary, with no replica, until the sentinels turn it into a replica
     * of the second (seconds later); the store still wrote there, every delete failed as not
     * confirmed, and its retry found nothing to delete and was acknowledged. The server then
     * resynced from the new primary, and the acknowledged deletes were undone. The second failover
     * is forced here ({@code SENTINEL FAILOVER}), with the first promoted replica alive.
     */
    @Test
    void sentinelDoubleFailoverWithMinReplicasAckLosesNothingAcknowledged() throws Exception {
        try (RedisSentinels topology = new RedisSentinels(2)) {
            RedisConfig config = RedisConfig.from(Map.of("sentinels", topology.sentinelAddrs(), "master_name",
                    RedisSentinels.MASTER_NAME, "min_replicas_ack", "1", "timeout", "1s"));
            try (RedisSessionStore store = new RedisSessionStore(config, clock)) {
                Outcome o = load("sentinel, two failovers, min_replicas_ack=1", store, () -> {
                    int port = topology.masterPort();
                    topology.primary().kill();
                    return () -> {
                        int first = topology.awaitFailover(port, 30);
                        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                        String answer = "";
                        while (!answer.startsWith("+OK") && System.nanoTime() < until) {
                            // refused (-NOGOODSLAVE, -INPROG) until the other replica follows the first
                            answer = topology.sentinels().get(0).command("SENTINEL FAILOVER " + RedisSentinels.MASTER_NAME);
                            sleep(200);
                        }
                        assertTrue(answer.startsWith("+OK"), "the second failover was refused: " + answer);
                        return topology.awaitFailover(first, 30);
                    };
                });
                o.assertNothingLost();
                assertTrue(o.deletesRetried() > 0, "no delete met the failovers: the test proved nothing");
            }
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Test
    void sentinelFailoverWithoutAckIsFollowedAndItsLossesCounted() throws Exception {
        try (RedisSentinels topology = new RedisSentinels(2)) {
            run("sentinel, min_replicas_ack=0", topology, "0");
        }
    }

    @Test
    void clusterShardFailoverWithMinReplicasAckLosesNothingAcknowledged() throws Exception {
        try (RedisCluster cluster = new RedisCluster(3, 2)) {
            Outcome o = run("cluster, min_replicas_ack=1", cluster, "1");
            o.assertNothingLost();
        }
    }

    @Test
    void clusterShardFailoverWithoutAckIsFollowedAndItsLossesCounted() throws Exception {
        try (RedisCluster cluster = new RedisCluster(3, 2)) {
            run("cluster, min_replicas_ack=0", cluster, "0");
        }
    }

    private Outcome run(String name, RedisSentinels topology, String ack) throws Exception {
        RedisConfig config = RedisConfig.from(Map.of("sentinels", topology.sentinelAddrs(), "master_name",
                RedisSentinels.MASTER_NAME, "min_replicas_ack", ack, "timeout", "1s"));
        try (RedisSessionStore store = new RedisSessionStore(config, clock)) {
            return load(name, store, () -> {
                RedisServer primary = topology.primary();
                int port = topology.masterPort();
                assertEquals(primary.port(), port);
                primary.kill();
                return () -> topology.awaitFailover(port, 30);
            });
        }
    }

    private Outcome run(String name, RedisCluster cluster, String ack) throws Exception {
        RedisConfig config = RedisConfig.from(Map.of("cluster_nodes", cluster.seeds(), "min_replicas_ack", ack,
                "timeout", "1s"));
        try (RedisSessionStore store = new RedisSessionStore(config, clock)) {
            return load(name, store, () -> {
                RedisServer victim = cluster.primaries().get(0);
                victim.kill();
                return () -> {
                    cluster.awaitFailover(victim, 30);
                    return 0;
                };
            });
        }
    }

    /** Kills something and returns how to wait until the topology has failed over. */
    interface Fault {
        Recovery inject() throws Exception;
    }

    interface Recovery {
        int await() throws IOException;
    }

    private Session session(String id) {
        Instant now = clock.instant();
        return new Session(id, "user-" + id, "sub-" + id, now, now.plusSeconds(3600), "at-" + id, "it-" + id, null);
    }

    /** What one run saw. */
    record Outcome(String name, long lost, long resurrected, long statesAgain, long failed, long ok, long deletesRetried) {
        void assertNothingLost() {
            assertEquals(0, lost, name + ": acknowledged sessions lost");
            assertEquals(0, resurrected, name + ": acknowledged deletes undone");
            assertEquals(0, statesAgain, name + ": consumed states handed out again");
        }
    }

    private Outcome load(String name, RedisSessionStore store, Fault fault) throws Exception {
        Set<String> added = ConcurrentHashMap.newKeySet();
        Set<String> deleted = ConcurrentHashMap.newKeySet();
        Set<String> consumed = ConcurrentHashMap.newKeySet();
        AtomicLong retried = new AtomicLong();
        java.util.concurrent.atomic.AtomicReference<String> lastMessage = new java.util.concurrent.atomic.AtomicReference<>();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong firstFailure = new AtomicLong(Long.MAX_VALUE);
        AtomicLong lastFailure = new AtomicLong();
        ConcurrentLinkedQueue<String> messages = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int n = t;
            Thread th = new Thread(() -> {
                List<String> mine = new ArrayList<>();
                for (long k = 0; !stop.get(); k++) {
                    String id = "t" + n + "-" + k;
                    try {
                        switch ((int) (k % 4)) {
                            case 0, 1 -> {
                                try {
                                    store.addSession(session(id));
                                } catch (StoreException inDoubt) {
                                    added.remove(id); // may or may not be there: counts neither way
                                    throw inDoubt;
                                }
                                added.add(id);
                                mine.add(id);
                            }
                            case 2 -> {
                                String state = "st-" + id;
                                store.addStateEntry(state, "ua", "https://app/r", "https://up", null);
                                Optional<StateEntry> e = store.validateAndRemoveState(state, "ua");
                                if (e.isPresent()) {
                                    consumed.add(state);
                                }
                            }
                            default -> {
                                if (mine.size() > 8) {
                                    // as a proxy revokes: retried until acknowledged (found or not:
                                    // the add was acknowledged, so a delete that finds nothing found
                                    // an earlier attempt's work)
                                    String victim = mine.get(0);
                                    added.remove(victim);
                                    try {
                                        store.deleteSession(victim);
                                    } catch (StoreException inDoubt) {
                                        retried.incrementAndGet(); // sent again in this thread's next round
                                        throw inDoubt;
                                    }
                                    mine.remove(0);
                                    deleted.add(victim);
                                }
                                if (!mine.isEmpty()) {
                                    store.getSession(mine.get(mine.size() - 1));
                                }
                            }
                        }
                        ok.incrementAndGet();
                    } catch (StoreException e) {
                        long now = System.nanoTime();
                        failed.incrementAndGet();
                        firstFailure.accumulateAndGet(now, Math::min);
                        lastFailure.accumulateAndGet(now, Math::max);
                        if (messages.size() < 200) {
                            messages.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                        }
                        lastMessage.set(e.getClass().getSimpleName() + ": " + e.getMessage());
                        try {
                            Thread.sleep(5); // a proxy answers its client; it does not spin on the store
                        } catch (InterruptedException stopped) {
                            return;
                        }
                    }
                }
            }, "load-" + t);
            threads.add(th);
            th.start();
        }
        Thread.sleep(1_500);
        long before = ok.get();
        long killedAt = System.nanoTime();
        Recovery recovery = fault.inject();
        recovery.await();
        long failedOverAt = System.nanoTime();
        // the same store, not reconfigured, must be serving again: wait for 2 s of calls with no failure
        long calmSince = System.nanoTime();
        long lastSeenFailures = failed.get();
        long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() - calmSince < Duration.ofSeconds(2).toNanos() && System.nanoTime() < giveUp) {
            Thread.sleep(100);
            if (failed.get() != lastSeenFailures) {
                lastSeenFailures = failed.get();
                calmSince = System.nanoTime();
            }
        }
        long okBeforeStop = ok.get();
        Thread.sleep(300);
        stop.set(true);
        for (Thread th : threads) {
            th.join();
        }
        assertTrue(System.nanoTime() - calmSince >= Duration.ofSeconds(2).toNanos(),
                name + ": calls still failed 30 s after the failover: " + messages.stream().skip(Math.max(0, messages.size() - 3)).toList());
        assertTrue(ok.get() > okBeforeStop, name + ": calls succeed after the failover");
        for (String m : messages) {
            assertTrue(m.startsWith("StoreUnavailableException") && !m.contains("\n"), name + ": " + m);
        }

        long lost = added.stream().filter(id -> !store.sessionExists(id)).count();
        long resurrected = deleted.stream().filter(store::sessionExists).count();
        long statesAgain = consumed.stream().filter(s -> store.validateAndRemoveState(s, "ua").isPresent()).count();
        long windowMs = failed.get() == 0 ? 0 : (lastFailure.get() - firstFailure.get()) / 1_000_000;
        System.out.printf("%s: %d calls before the kill, %d succeeded, %d failed; failures from %d ms to %d ms after"
                + " the kill (window %d ms), topology failed over after %d ms; %d acknowledged sessions checked: %d lost;"
                + " %d acknowledged deletes (" + retried.get() + " attempts failed and were retried): %d undone; %d consumed states: %d handed out again; %s%n", name, before,
                ok.get(), failed.get(), failed.get() == 0 ? 0 : (firstFailure.get() - killedAt) / 1_000_000,
                failed.get() == 0 ? 0 : (lastFailure.get() - killedAt) / 1_000_000, windowMs,
                (failedOverAt - killedAt) / 1_000_000, added.size(), lost, deleted.size(), resurrected, consumed.size(),
                statesAgain, store.details());
        if (!messages.isEmpty()) {
            System.out.println("  first failure: " + messages.peek());
            System.out.println("  last failure: " + lastMessage.get());
        }
        return new Outcome(name, lost, resurrected, statesAgain, failed.get(), ok.get(), retried.get());
    }
}
