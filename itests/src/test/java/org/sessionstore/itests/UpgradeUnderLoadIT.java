package org.sessionstore.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.sessionstore.api.Session;

/**
 * The promise of the design: 16 threads call the published store without pause while the
 * active backend's bundle is updated 20 times, for memory and for redis. No call fails, no
 * session is lost; the longest stall is printed.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class UpgradeUnderLoadIT extends RedisTestSupport {

    static final int THREADS = 16;
    static final int UPDATES = 20;

    @Test
    public void memoryUpgradedTwentyTimesUnderLoad() throws Exception {
        configure("memory", "swap_timeout", "10s");
        upgradeUnderLoad("memory", installed("org.sessionstore.memory"));
    }

    @Test
    public void redisUpgradedTwentyTimesUnderLoad() throws Exception {
        Bundle redis = context.installBundle(System.getProperty("itest.redis.bundle"));
        redis.start();
        await("redis listed", Duration.ofSeconds(10), () -> typeAvailable("redis"));
        configure("redis", "addr", "127.0.0.1:" + Integer.getInteger("itest.redis.port"), "swap_timeout", "10s");
        try {
            upgradeUnderLoad("redis", redis);
        } finally {
            configure("memory", "swap_timeout", "10s");
            redis.uninstall();
        }
    }

    private void upgradeUnderLoad(String type, Bundle backend) throws Exception {
        Instant now = Instant.now();
        for (int i = 0; i < 1_000; i++) {
            store.addSession(new Session(type + "-before-" + i, "u", "s", now, now.plusSeconds(3600), "at", "it", null));
        }
        for (int i = 0; i < 100; i++) {
            store.addStateEntry(type + "-pending-" + i, "ua", "https://app/" + i, "http://up", "v" + i);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong calls = new AtomicLong();
        LongAccumulator longestNanos = new LongAccumulator(Math::max, 0);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        java.util.Set<String> written = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Thread> load = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int me = t;
            Thread th = new Thread(() -> {
                for (int i = 0; !stop.get(); i++) {
                    String id = type + "-t" + me + "-" + (i % 2_000);
                    long start = System.nanoTime();
                    try {
                        Instant at = Instant.now();
                        store.addSession(new Session(id, "u", "s", at, at.plusSeconds(3600), "at", "it", null));
                        written.add(id);
                        Optional<Session> back = store.getSession(id);
                        if (back.isEmpty()) {
                            failures.add("just added, not found: " + id);
                        }
                        store.addStateEntry("st-" + id, "ua", "r", "u", "v");
                        if (store.validateAndRemoveState("st-" + id, "ua").isEmpty()) {
                            failures.add("state lost: " + id);
                        }
                    } catch (RuntimeException e) {
                        failures.add(e.toString());
                    }
                    longestNanos.accumulate(System.nanoTime() - start);
                    calls.addAndGet(4);
                }
            }, "load-" + t);
            load.add(th);
            th.start();
        }
        Thread.sleep(300);
        for (int u = 0; u < UPDATES; u++) {
            backend.update();
            Thread.sleep(150);
        }
        Thread.sleep(300);
        stop.set(true);
        for (Thread th : load) {
            th.join();
        }
        System.out.printf("%s: %d updates under %d threads: %d calls, %d failed, longest call %.1f ms%n", type, UPDATES,
                THREADS, calls.get(), failures.size(), longestNanos.get() / 1e6);
        assertEquals("failed calls: " + failures.stream().limit(5).toList(), 0, failures.size());
        assertTrue("the load did not run", calls.get() > 1_000);
        for (int i = 0; i < 1_000; i++) {
            assertTrue("lost " + type + "-before-" + i, store.sessionExists(type + "-before-" + i));
        }
        for (String id : written) {
            assertTrue("lost " + id, store.sessionExists(id));
        }
        for (int i = 0; i < 100; i++) {
            assertEquals("pending state " + i + " after the upgrades", Optional.of("https://app/" + i),
                    store.validateAndRemoveState(type + "-pending-" + i, "ua").map(e -> e.requestUrl()));
        }
    }
}
