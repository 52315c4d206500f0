package org.sessionstore.redis;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.sessionstore.api.Session;
import org.sessionstore.testkit.redis.RedisCluster;
import org.sessionstore.testkit.redis.RedisServer;

/**
 * The redis store on the topologies of issue 10, each beside its baseline in the same run:
 * add and get on a 3-primary Redis Cluster against the same code on one server; how evenly
 * 100,000 sessions spread over the shards; the cost of {@code min_replicas_ack=1} (a primary with
 * one replica, the same servers with and without it). 16 threads, ~512-byte sessions, servers
 * without persistence, three rounds. The failover windows come from {@code RedisTopologyFailoverTest}.
 *
 * <p>{@code mvn -q -DskipTests install && java -cp benchmarks/target/benchmarks.jar org.sessionstore.redis.TopologyReport}
 */
public final class TopologyReport {

    static final int THREADS = 16;
    static final int SESSIONS = 100_000;
    static final int GETS = 200_000;
    static final String[] SERVER_ARGS = {"--appendonly", "no", "--save", ""};

    interface Op {
        void run(int i) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        System.out.println("redis topologies, " + THREADS + " threads, ~512-byte sessions, ops/s; ratio against the"
                + " baseline of the same round");
        List<double[]> cluster = new ArrayList<>();
        List<double[]> ack = new ArrayList<>();
        for (int round = 1; round <= 3; round++) {
            // one server against a 3-primary cluster
            double[] single;
            try (RedisServer server = new RedisServer(SERVER_ARGS);
                    RedisSessionStore store = store(Map.of("addr", server.addr()))) {
                single = addGet(store, "r" + round + "-");
            }
            double[] sharded;
            try (RedisCluster c = new RedisCluster(3, 0);
                    RedisSessionStore store = store(Map.of("cluster_nodes", c.seeds()))) {
                sharded = addGet(store, "r" + round + "-");
                List<Long> keys = c.keysPerPrimary();
                // each primary also holds its share of the 128 bucket indexes
                long min = keys.stream().mapToLong(Long::longValue).min().orElseThrow();
                long max = keys.stream().mapToLong(Long::longValue).max().orElseThrow();
                System.out.printf("round %d: keys per shard after %,d sessions: %s (max/min %.3f, sessions %,d in the"
                        + " store's count)%n", round, SESSIONS, keys, (double) max / min, store.getSessionCount());
            }
            System.out.printf("round %d: one server add %,.0f get %,.0f | cluster of 3 add %,.0f (%.2f) get %,.0f (%.2f)%n",
                    round, single[0], single[1], sharded[0], sharded[0] / single[0], sharded[1], sharded[1] / single[1]);
            cluster.add(new double[] {sharded[0] / single[0], sharded[1] / single[1]});

            // min_replicas_ack: a primary and one replica, the same servers, with and without WAIT
            try (RedisServer primary = new RedisServer(SERVER_ARGS);
                    RedisServer replica = new RedisServer("--appendonly", "no", "--save", "", "--replicaof", "127.0.0.1",
                            Integer.toString(primary.port()))) {
                awaitSync(replica);
                double[] plain;
                double[] waited;
                double[] plainLatency;
                double[] waitedLatency;
                try (RedisSessionStore store = store(Map.of("addr", primary.addr()))) {
                    plain = addGet(store, "p" + round + "-");
                    plainLatency = addLatency(store, "pl" + round + "-");
                }
                try (RedisSessionStore store = store(Map.of("addr", primary.addr(), "min_replicas_ack", "1"))) {
                    waited = addGet(store, "w" + round + "-");
                    waitedLatency = addLatency(store, "wl" + round + "-");
                }
                System.out.printf("round %d: primary+replica add %,.0f, with min_replicas_ack=1 %,.0f (%.2f); get %,.0f /"
                        + " %,.0f (%.2f); one thread's add p50 %.0f µs, with ack %.0f µs (%.2f)%n", round, plain[0],
                        waited[0], waited[0] / plain[0], plain[1], waited[1], waited[1] / plain[1], plainLatency[0],
                        waitedLatency[0], waitedLatency[0] / plainLatency[0]);
                ack.add(new double[] {waited[0] / plain[0], waitedLatency[0] / plainLatency[0]});
            }
        }
        System.out.printf("median: cluster/one server add %.2f get %.2f; min_replicas_ack=1 add throughput %.2f,"
                + " one thread's add latency %.2fx%n", median(cluster, 0), median(cluster, 1), median(ack, 0),
                median(ack, 1));
    }

    private static double median(List<double[]> rows, int col) {
        double[] v = rows.stream().mapToDouble(r -> r[col]).sorted().toArray();
        return v[v.length / 2];
    }

    private static RedisSessionStore store(Map<String, String> config) {
        return new RedisSessionStore(RedisConfig.from(config), Clock.systemUTC());
    }

    private static void awaitSync(RedisServer replica) throws Exception {
        for (int i = 0; i < 200 && !replica.command("INFO replication").contains("master_link_status:up"); i++) {
            Thread.sleep(50);
        }
    }

    /** Adds {@value #SESSIONS} new sessions, then reads {@value #GETS} of them; ops/s of each. */
    private static double[] addGet(RedisSessionStore store, String prefix) throws Exception {
        Session[] warm = sessions(prefix + "warm-", 20_000);
        run(20_000, i -> store.addSession(warm[i]));
        run(20_000, i -> store.getSession(warm[i].id()));
        Session[] s = sessions(prefix, SESSIONS);
        double add = SESSIONS / run(SESSIONS, i -> store.addSession(s[i]));
        double get = GETS / run(GETS, i -> {
            if (store.getSession(s[i % SESSIONS].id()).isEmpty()) {
                throw new IllegalStateException("a session went missing");
            }
        });
        return new double[] {add, get};
    }

    /** One thread: p50 and p99 of an add, in microseconds. */
    private static double[] addLatency(RedisSessionStore store, String prefix) throws Exception {
        Session[] s = sessions(prefix, 10_000);
        long[] took = new long[s.length];
        for (int i = 0; i < s.length; i++) {
            long t0 = System.nanoTime();
            store.addSession(s[i]);
            took[i] = System.nanoTime() - t0;
        }
        Arrays.sort(took);
        return new double[] {took[took.length / 2] / 1e3, took[took.length * 99 / 100] / 1e3};
    }

    private static Session[] sessions(String prefix, int n) {
        return org.sessionstore.testkit.bench.Samples.sessions(prefix, n);
    }

    /** {@code calls} calls over {@value #THREADS} threads; the seconds they took. */
    private static double run(int calls, Op op) throws Exception {
        return org.sessionstore.testkit.bench.Threaded.run(THREADS, calls, (t, i) -> op.run(i));
    }
}
