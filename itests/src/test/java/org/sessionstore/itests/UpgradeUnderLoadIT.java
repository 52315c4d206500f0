package org.sessionstore.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.SynchronousBundleListener;
import org.sessionstore.api.Session;
import org.sessionstore.api.StoreFactory;

/**
 * The promise of the design: 16 threads call the published store without pause while the
 * active backend's bundle is updated 20 times, for memory and for redis. No call fails, no
 * session is lost. Printed, not asserted (no test asserts a speed): the p50/p99/max latency of
 * single calls during the updates beside the same load without updates, and where each update's
 * time goes (bundle stop, resolve and start, the factory registered, the first call served by
 * the new store).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class UpgradeUnderLoadIT extends RedisTestSupport {

    static final int THREADS = 16;
    static final int UPDATES = 20;
    static final long QUIET_MILLIS = 3_300;

    /**
     * Redis's own default AOF policy (an fsync a second): with an fsync after every write, the
     * disk's latency (up to ~300 ms on this machine, with no update at all) hides the stall
     * this test measures.
     */
    @Override
    protected String[] redisArgs() {
        return new String[] {"--appendfsync", "everysec"};
    }

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

    /**
     * Call latencies in buckets: 1 µs wide below 10 ms, 1 ms wide above (to 60 s). Threads add
     * to it concurrently.
     */
    static final class Latencies {
        static final int FINE = 10_000;
        final AtomicLongArray buckets = new AtomicLongArray(FINE + 60_000);
        final AtomicLong max = new AtomicLong();
        final AtomicLong count = new AtomicLong();

        void add(long nanos) {
            long micros = nanos / 1_000;
            int b = micros < FINE ? (int) micros : (int) Math.min(FINE + micros / 1_000, buckets.length() - 1);
            buckets.incrementAndGet(b);
            count.incrementAndGet();
            max.accumulateAndGet(nanos, Math::max);
        }

        /** The latency below which {@code q} of the calls fall, in milliseconds. */
        double quantile(double q) {
            long want = (long) Math.ceil(count.get() * q);
            long seen = 0;
            for (int b = 0; b < buckets.length(); b++) {
                seen += buckets.get(b);
                if (seen >= want && want > 0) {
                    return b < FINE ? b / 1_000.0 : (b - FINE) * 1.0;
                }
            }
            return 0;
        }

        String line() {
            return String.format("%,d calls, p50 %.3f ms, p99 %.3f ms, p99.99 %.1f ms, max %.1f ms", count.get(),
                    quantile(0.5), quantile(0.99), quantile(0.9999), max.get() / 1e6);
        }
    }

    /** When each step of one update happened (System.nanoTime), 0 if not seen. */
    static final class Timeline {
        volatile long update;
        volatile long unregistered;
        volatile long stopped;
        volatile long resolved;
        volatile long started;
        volatile long registered;
        final AtomicLong served = new AtomicLong();
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
        AtomicReference<Latencies> current = new AtomicReference<>(new Latencies());
        AtomicReference<Timeline> timeline = new AtomicReference<>(new Timeline());
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        java.util.Set<String> written = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Thread> load = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int me = t;
            Thread th = new Thread(() -> {
                for (int i = 0; !stop.get(); i++) {
                    String id = type + "-t" + me + "-" + (i % 2_000);
                    Latencies l = current.get();
                    try {
                        Instant at = Instant.now();
                        long t0 = System.nanoTime();
                        store.addSession(new Session(id, "u", "s", at, at.plusSeconds(3600), "at", "it", null));
                        long t1 = timed(l, timeline.get(), t0);
                        written.add(id);
                        Optional<Session> back = store.getSession(id);
                        long t2 = timed(l, timeline.get(), t1);
                        if (back.isEmpty()) {
                            failures.add("just added, not found: " + id);
                        }
                        store.addStateEntry("st-" + id, "ua", "r", "u", "v");
                        long t3 = timed(l, timeline.get(), t2);
                        boolean taken = store.validateAndRemoveState("st-" + id, "ua").isPresent();
                        timed(l, timeline.get(), t3);
                        if (!taken) {
                            failures.add("state lost: " + id);
                        }
                    } catch (RuntimeException e) {
                        failures.add(e.toString());
                    }
                }
            }, "load-" + t);
            load.add(th);
            th.start();
        }
        Thread.sleep(300);
        // the same load, no updates
        Latencies quiet = new Latencies();
        current.set(quiet);
        Thread.sleep(QUIET_MILLIS);

        Latencies updating = new Latencies();
        current.set(updating);
        List<Timeline> timelines = new ArrayList<>();
        SynchronousBundleListener bundles = e -> {
            if (e.getBundle().getBundleId() != backend.getBundleId()) {
                return;
            }
            Timeline tl = timeline.get();
            long at = System.nanoTime();
            switch (e.getType()) {
                case BundleEvent.STOPPED -> tl.stopped = at;
                case BundleEvent.RESOLVED -> tl.resolved = at;
                case BundleEvent.STARTED -> tl.started = at;
                default -> {
                }
            }
        };
        ServiceListener factories = e -> {
            Timeline tl = timeline.get();
            if (e.getServiceReference().getBundle() == null
                    || e.getServiceReference().getBundle().getBundleId() != backend.getBundleId()) {
                if (e.getType() != ServiceEvent.UNREGISTERING) {
                    return;
                }
            }
            if (e.getType() == ServiceEvent.UNREGISTERING && tl.unregistered == 0) {
                tl.unregistered = System.nanoTime();
            } else if (e.getType() == ServiceEvent.REGISTERED) {
                tl.registered = System.nanoTime();
            }
        };
        context.addBundleListener(bundles);
        context.addServiceListener(factories, "(objectClass=" + StoreFactory.class.getName() + ")");
        try {
            for (int u = 0; u < UPDATES; u++) {
                Timeline tl = new Timeline();
                tl.update = System.nanoTime();
                timeline.set(tl);
                backend.update();
                Thread.sleep(150);
                timelines.add(tl);
            }
            Thread.sleep(300);
        } finally {
            context.removeBundleListener(bundles);
            context.removeServiceListener(factories);
        }
        stop.set(true);
        for (Thread th : load) {
            th.join();
        }
        System.out.printf("%s: %d updates under %d threads, %d failed calls%n", type, UPDATES, THREADS, failures.size());
        System.out.printf("%s  no updates (%.1f s): %s%n", type, QUIET_MILLIS / 1e3, quiet.line());
        System.out.printf("%s  20 updates (%.1f s): %s%n", type, UPDATES * 0.15 + 0.3, updating.line());
        printTimelines(type, timelines);
        assertEquals("failed calls: " + failures.stream().limit(5).toList(), 0, failures.size());
        assertTrue("the load did not run", quiet.count.get() > 1_000 && updating.count.get() > 1_000);
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

    /** Records a call that started at {@code start}; the first call to end after the new factory came marks "served". */
    private static long timed(Latencies l, Timeline tl, long start) {
        long end = System.nanoTime();
        l.add(end - start);
        if (tl.registered != 0 && end > tl.registered && tl.served.get() == 0) {
            tl.served.compareAndSet(0, end);
        }
        return end;
    }

    /** Median and max over the updates of when each step happened, in milliseconds after update() was called. */
    private static void printTimelines(String type, List<Timeline> timelines) {
        String[] names = {"old factory unregistering", "bundle stopped", "new revision resolved", "bundle started",
            "new factory registered", "first call served after it"};
        double[][] steps = new double[names.length][timelines.size()];
        for (int i = 0; i < timelines.size(); i++) {
            Timeline t = timelines.get(i);
            long[] at = {t.unregistered, t.stopped, t.resolved, t.started, t.registered, t.served.get()};
            for (int s = 0; s < names.length; s++) {
                steps[s][i] = at[s] == 0 ? Double.NaN : (at[s] - t.update) / 1e6;
            }
        }
        System.out.printf("%s  when each step of an update happened (ms after update(); median / max of %d):%n", type,
                timelines.size());
        for (int s = 0; s < names.length; s++) {
            double[] v = Arrays.stream(steps[s]).filter(d -> !Double.isNaN(d)).sorted().toArray();
            System.out.printf("%s    %-30s %7.1f / %7.1f%s%n", type, names[s], v.length == 0 ? Double.NaN : v[v.length / 2],
                    v.length == 0 ? Double.NaN : v[v.length - 1], v.length < timelines.size() ? "  (seen in " + v.length
                            + ")" : "");
        }
    }
}
