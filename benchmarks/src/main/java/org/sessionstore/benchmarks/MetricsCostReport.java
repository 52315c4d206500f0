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
 * What the front and the metrics cost a memory get, resolved to a few percent on a noisy machine:
 * in one JVM, rounds of 1,000,000 gets on the backend directly, through the registry's front, and
 * through the published store (the metered store over the front) follow each other (which goes
 * first rotates), on the same store of 1,000,000 sessions (half the gets miss); each round gives
 * the ratios front / direct, metered / front and published / direct, and the report prints their
 * median and the 2.5th and 97.5th percentiles. Each get's answer is used (a hit's user name is read), as a caller does: a loop that
 * drops the answers lets the processor overlap one get's cache misses with the next get's, which
 * any work after a get (a counter, a clock read) interrupts, and no caller runs gets that way.
 * JMH's separate forks (MetricsReport) differ more from fork to fork than the cost.
 *
 * <p>{@code java -Xmx4g -cp benchmarks/target/benchmarks.jar org.sessionstore.benchmarks.MetricsCostReport [rounds [redis]]}
 * (default 60 rounds, about a minute and a half; {@code redis}: on a redis-server it starts).
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
        SessionStore front = Fronts.published(store, redis ? "redis" : "memory");
        SessionStore metered = Fronts.publishedAndMetered(store, redis ? "redis" : "memory");
        String[] ids = new String[2 * n];
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            ids[2 * i] = "session-" + Integer.toHexString(i * 0x9E3779B9);
            ids[2 * i + 1] = "absent-" + Integer.toHexString(i * 0x9E3779B9);
            store.addSession(new Session(ids[2 * i], "user" + i, "sub" + i, now, now.plus(Duration.ofHours(1)), "at-" + i,
                    null, null));
        }
        System.gc();
        // three ways to the same store, in rounds that rotate which goes first: the backend called
        // directly, the registry's front, and the published store (the metered store over the front)
        SessionStore[] ways = {store, front, metered};
        for (int w = 0; w < 5; w++) {
            for (SessionStore way : ways) {
                round(way, ids, gets);
            }
        }
        double[] frontRatio = new double[pairs];
        double[] meteredRatio = new double[pairs];
        double[] publishedRatio = new double[pairs];
        double[] sums = new double[3];
        double[] t = new double[3];
        for (int p = 0; p < pairs; p++) {
            for (int k = 0; k < 3; k++) {
                int v = (p + k) % 3;
                t[v] = round(ways[v], ids, gets);
                sums[v] += t[v];
            }
            frontRatio[p] = t[0] / t[1]; // throughput front / direct = time direct / time front
            meteredRatio[p] = t[1] / t[2]; // metered / front, the figure of issue 20
            publishedRatio[p] = t[0] / t[2]; // published / direct
        }
        System.out.printf("== A %s get three ways, %d rounds of %,d gets each (which goes first rotates), %,d sessions ==%n",
                redis ? "redis" : "memory", pairs, gets, n);
        System.out.printf("direct %.1f ns/get, front %.1f ns/get, published (metered over the front) %.1f ns/get (means)%n",
                sums[0] / pairs / gets, sums[1] / pairs / gets, sums[2] / pairs / gets);
        System.out.println("throughput ratios (1.000 = free; the rounds' median, and the 2.5th and 97.5th percentiles of the rounds:"
                + " their range with fewer than 40 rounds):");
        System.out.println("  front / direct      " + spread(frontRatio));
        System.out.println("  metered / front     " + spread(meteredRatio));
        System.out.println("  published / direct  " + spread(publishedRatio));
        store.close();
        if (server != null) {
            server.close();
        }
    }

    private static String spread(double[] ratios) {
        double[] r = ratios.clone();
        Arrays.sort(r);
        int n = r.length;
        return String.format("median %.3f [%.3f, %.3f]; cost %.1f%%", r[n / 2], r[(int) (n * 0.025)],
                r[Math.min(n - 1, (int) (n * 0.975))], 100 * (1 - r[n / 2]));
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
