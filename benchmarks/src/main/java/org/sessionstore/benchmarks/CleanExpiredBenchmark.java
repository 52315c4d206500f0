package org.sessionstore.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.memory.MemoryStoreFactory;

/**
 * {@code cleanExpired()} removing 10,000 expired sessions among 1,000,000, beside the same removal
 * done by a full scan of a ConcurrentHashMap (what an index-less store must do), in the same run.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class CleanExpiredBenchmark {

    static final int LIVE = 990_000;
    static final int EXPIRING = 10_000;

    SessionStore store;
    ConcurrentHashMap<String, Session> map;
    int round;

    @Setup(Level.Trial)
    public void fill() {
        store = new MemoryStoreFactory().create(Map.of("max_sessions", "2000000"));
        map = new ConcurrentHashMap<>();
        Instant now = Instant.now();
        for (int i = 0; i < LIVE; i++) {
            Session s = new Session("live-" + i, "u", "s", now, now.plus(Duration.ofDays(365)), "at", "it", null);
            store.addSession(s);
            map.put(s.id(), s);
        }
        System.gc();
    }

    /**
     * Before each shot: 10,000 sessions that expire 300 to 500 ms later (so none has expired before
     * it is added), then a wait (not measured) until the second they expire in is over, as the
     * store's index counts in whole seconds.
     */
    @Setup(Level.Invocation)
    public void addExpiring() throws InterruptedException {
        round++;
        Instant now = Instant.now();
        for (int i = 0; i < EXPIRING; i++) {
            Session s = new Session("dying-" + round + "-" + i, "u", "s", now, now.plusMillis(300 + i % 200), "at", "it",
                    null);
            store.addSession(s);
            map.put(s.id(), s);
        }
        long last = now.plusMillis(500).toEpochMilli();
        long secondOver = (last / 1000 + 1) * 1000 + 5;
        Thread.sleep(Math.max(0, secondOver - System.currentTimeMillis()));
    }

    @Benchmark
    public int indexedClean() {
        int removed = store.cleanExpired();
        if (removed != EXPIRING) {
            throw new IllegalStateException("removed " + removed + ", expected " + EXPIRING);
        }
        return removed;
    }

    @Benchmark
    public int fullScanClean() {
        long now = System.currentTimeMillis();
        int removed = 0;
        for (var it = map.values().iterator(); it.hasNext();) {
            if (it.next().expiresAt().toEpochMilli() <= now) {
                it.remove();
                removed++;
            }
        }
        if (removed != EXPIRING) {
            throw new IllegalStateException("removed " + removed + ", expected " + EXPIRING);
        }
        return removed;
    }
}
