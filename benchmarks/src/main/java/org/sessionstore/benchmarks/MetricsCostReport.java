package org.sessionstore.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.memory.MemoryStoreFactory;
import org.sessionstore.registry.Fronts;

/**
 * What the metrics cost a memory get, resolved to a few percent on a noisy machine: in one JVM,
 * rounds of 1,000,000 gets through the front alone and through the metered store alternate (which
 * goes first alternates too), on the same store of 1,000,000 sessions (half the gets miss); each
 * pair of rounds gives a ratio, and the report prints their median and the 2.5th and 97.5th
 * percentiles. Each get's answer is used (a hit's user name is read), as a caller does: a loop that
 * drops the answers lets the processor overlap one get's cache misses with the next get's, which
 * any work after a get (a counter, a clock read) interrupts, and no caller runs gets that way.
 * JMH's separate forks (MetricsReport) differ more from fork to fork than the cost.
 *
 * <p>{@code java -Xmx4g -cp benchmarks/target/benchmarks.jar org.sessionstore.benchmarks.MetricsCostReport [pairs [redis]]}
 * (default 60 pairs, about a minute; {@code redis}: on a redis-server it starts).
 */
public final class MetricsCostReport {

    private MetricsCostReport() {
    }

    static volatile Object sink;

    public static void main(String[] args) throws Exception {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        // "redis": the same on the redis store of a redis-server it starts (10,000 sessions, rounds of 5,000 gets)
        boolean redis = args.length > 1 && args[1].equals("redis");
        org.sessionstore.testkit.redis.RedisServer server = redis ? new org.sessionstore.testkit.redis.RedisServer() : null;
        int n = redis ? 10_000 : 1_000_000;
        int gets = redis ? 5_000 : n;
        SessionStore store = redis ? new org.sessionstore.redis.RedisStoreFactory().create(Map.of("addr", server.addr()))
                : new MemoryStoreFactory().create(Map.of("max_sessions", Integer.toString(2 * n)));
        SessionStore front = Fronts.published(store, "memory");
        SessionStore metered = Fronts.publishedAndMetered(store, "memory");
        String[] ids = new String[2 * n];
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            ids[2 * i] = "session-" + Integer.toHexString(i * 0x9E3779B9);
            ids[2 * i + 1] = "absent-" + Integer.toHexString(i * 0x9E3779B9);
            store.addSession(new Session(ids[2 * i], "user" + i, "sub" + i, now, now.plus(Duration.ofHours(1)), "at-" + i,
                    null, null));
        }
        System.gc();
        for (int w = 0; w < 5; w++) {
            round(front, ids, gets);
            round(metered, ids, gets);
        }
        double[] ratios = new double[pairs];
        double frontSum = 0;
        double meteredSum = 0;
        for (int p = 0; p < pairs; p++) {
            double f;
            double m;
            if (p % 2 == 0) {
                f = round(front, ids, gets);
                m = round(metered, ids, gets);
            } else {
                m = round(metered, ids, gets);
                f = round(front, ids, gets);
            }
            ratios[p] = f / m; // throughput ratio metered/front = time front / time metered
            frontSum += f;
            meteredSum += m;
        }
        Arrays.sort(ratios);
        System.out.printf("== Metrics on a %s get, %d alternating pairs of %,d gets, %,d sessions ==%n", redis ? "redis" : "memory",
                pairs, gets, n);
        System.out.printf("front %.1f ns/get, metered %.1f ns/get (means)%n", frontSum / pairs / gets, meteredSum / pairs / gets);
        System.out.printf("throughput ratio metered/front: median %.3f, 95%% of pairs within [%.3f, %.3f]; cost %.1f%%%n",
                ratios[pairs / 2], ratios[(int) (pairs * 0.025)], ratios[Math.min(pairs - 1, (int) (pairs * 0.975))],
                100 * (1 - ratios[pairs / 2]));
        store.close();
        if (server != null) {
            server.close();
        }
    }

    /** Nanoseconds for {@code n} gets of random ids. */
    private static double round(SessionStore s, String[] ids, int n) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long used = 0;
        long t = System.nanoTime();
        for (int i = 0; i < n; i++) {
            // as a proxy does: the answer decides what happens next (here, what is added up)
            java.util.Optional<Session> found = s.getSession(ids[r.nextInt(ids.length)]);
            used += found.isPresent() ? found.get().username().length() : 1;
        }
        long elapsed = System.nanoTime() - t;
        sink = used;
        return elapsed;
    }
}
