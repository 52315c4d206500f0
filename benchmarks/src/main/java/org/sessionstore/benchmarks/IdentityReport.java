package org.sessionstore.benchmarks;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.jdbc.JdbcStoreFactory;
import org.sessionstore.memory.MemoryStoreFactory;
import org.sessionstore.redis.RedisStoreFactory;
import org.sessionstore.testkit.redis.RedisServer;

/**
 * What issue 19's features cost, each against its baseline in the same run, on each backend
 * (memory; redis on a private redis-server; jdbc on the PostgreSQL at 127.0.0.1:5432, database
 * {@code test}, user {@code postgres}, as the tests use it), 8 client threads:
 *
 * <ul>
 * <li><b>add with a per-subject limit</b> ({@code max_sessions_per_subject=5}, evict_oldest) vs
 * add without: 1,000 subjects, each of their logins past the fifth evicts one;</li>
 * <li><b>get with {@code idle_timeout}</b> (30m, {@code touch_after} 3m) vs get without;</li>
 * <li><b>writes caused by touches</b>: {@code idle_timeout=10s touch_after=1s}, 8 threads reading
 * 100 sessions as fast as they can for 5 s; on redis the server's own count of the touch
 * script's HSET ({@code INFO commandstats}) per second and per session, against the bound of one
 * write per session per {@code touch_after}.</li>
 * </ul>
 *
 * <p>{@code mvn -q -DskipTests install && java -cp benchmarks/target/benchmarks.jar
 * org.sessionstore.benchmarks.IdentityReport} (about 3 minutes). Each pair runs twice, side by side;
 * the second round is printed.
 */
public final class IdentityReport {

    private static final int THREADS = 8;

    private IdentityReport() {
    }

    public static void main(String[] args) throws Exception {
        try (RedisServer redis = new RedisServer("--appendonly", "no", "--save", "")) {
            Map<String, Function<Map<String, Object>, SessionStore>> backends = new LinkedHashMap<>();
            backends.put("memory", c -> new MemoryStoreFactory().create(c));
            backends.put("redis", c -> {
                Map<String, Object> m = new LinkedHashMap<>(c);
                m.put("addr", redis.addr());
                m.put("session_prefix", "r" + System.nanoTime() + ":s:");
                m.put("state_prefix", "r" + System.nanoTime() + ":t:");
                return new RedisStoreFactory().create(m);
            });
            backends.put("jdbc", c -> {
                Map<String, Object> m = new LinkedHashMap<>(c);
                m.put("url", System.getProperty("sessionstore.pg.url", "jdbc:postgresql://127.0.0.1:5432/test"));
                m.put("user", System.getProperty("sessionstore.pg.user", "postgres"));
                m.put("table_prefix", "bench" + (System.nanoTime() % 1_000_000) + "_");
                return new JdbcStoreFactory(new org.postgresql.osgi.PGDataSourceFactory()).create(m);
            });
            for (var b : backends.entrySet()) {
                String name = b.getKey();
                int adds = name.equals("memory") ? 400_000 : name.equals("redis") ? 60_000 : 12_000;
                double plain = 0;
                double limited = 0;
                double gets = 0;
                double idleGets = 0;
                // two rounds, each baseline beside its variant; the first warms the JIT and the servers up
                for (int round = 0; round < 2; round++) {
                    plain = addRate(b.getValue().apply(Map.of()), adds);
                    limited = addRate(b.getValue().apply(Map.of("max_sessions_per_subject", "5")), adds);
                    gets = getRate(b.getValue().apply(Map.of()), adds * 5);
                    idleGets = getRate(b.getValue().apply(Map.of("idle_timeout", "30m", "touch_after", "3m")), adds * 5);
                }
                System.out.printf("%-7s add with limit / without: %.2f (%,.0f vs %,.0f/s); get with idle_timeout / without:"
                        + " %.2f (%,.0f vs %,.0f/s)%n", name, limited / plain, limited, plain, idleGets / gets, idleGets, gets);
            }
            // touches: the server counts what they write
            SessionStore s = backends.get("redis").apply(Map.of("idle_timeout", "10s", "touch_after", "1s"));
            Instant now = Instant.now();
            for (int i = 0; i < 100; i++) {
                s.addSession(new Session("hot" + i, "u", "sub" + i, now, now.plusSeconds(3600), "at", null, null));
            }
            redis.command("CONFIG RESETSTAT");
            long reads = runFor(THREADS, 5_000, (t, n) -> s.getSession("hot" + (n % 100)));
            long writes = hsets(redis.command("INFO commandstats"));
            System.out.printf("redis   touches (idle_timeout 10s, touch_after 1s): %,d reads in 5 s wrote %d deadlines:"
                    + " %.1f writes/s, %.2f per session per second (bound 1.00); %.5f writes per read%n", reads, writes,
                    writes / 5.0, writes / 5.0 / 100, (double) writes / reads);
            s.close();
        }
    }

    private static long hsets(String info) {
        Matcher m = Pattern.compile("cmdstat_hset:calls=(\\d+)").matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** Adds of 1,000 subjects' sessions (each subject logs in again and again), per second. */
    private static double addRate(SessionStore store, int n) throws Exception {
        Instant now = Instant.now();
        Session[] all = new Session[n];
        for (int i = 0; i < n; i++) {
            all[i] = new Session("a" + i, "u", "sub" + (i % 1_000), now.plusMillis(i), now.plusSeconds(3_600 + i % 60),
                    "access-token-" + i, null, null);
        }
        run(THREADS, n / 10, (t, k) -> store.addSession(all[(int) ((k * THREADS + t) % (n / 10))]));
        long start = System.nanoTime();
        run(THREADS, n, (t, k) -> store.addSession(all[(int) k]));
        double rate = n / ((System.nanoTime() - start) / 1e9);
        store.close();
        return rate;
    }

    /** Gets of 10,000 live sessions, per second. */
    private static double getRate(SessionStore store, int n) throws Exception {
        Instant now = Instant.now();
        for (int i = 0; i < 10_000; i++) {
            store.addSession(new Session("g" + i, "u", "sub" + i, now, now.plusSeconds(3_600), "access-token-" + i, null, null));
        }
        run(THREADS, n / 10, (t, k) -> store.getSession("g" + (k % 10_000)));
        long start = System.nanoTime();
        run(THREADS, n, (t, k) -> store.getSession("g" + (k % 10_000)));
        double rate = n / ((System.nanoTime() - start) / 1e9);
        store.close();
        return rate;
    }

    interface Op {
        void run(int thread, long n) throws Exception;
    }

    /** {@code count} operations spread over {@code threads}. */
    private static long run(int threads, long count, Op op) throws Exception {
        return run(threads, count, op, false, 0);
    }

    /** As many operations as {@code threads} run in {@code millis}; returns how many ran. */
    private static long runFor(int threads, long millis, Op op) throws Exception {
        return run(threads, Long.MAX_VALUE, op, true, millis);
    }

    private static long run(int threads, long count, Op op, boolean timed, long millis) throws Exception {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        AtomicLong next = new AtomicLong();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> ts = new ArrayList<>();
        List<Throwable> failed = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int me = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    while (true) {
                        long k = next.getAndIncrement();
                        if (timed ? System.nanoTime() > deadline : k >= count) {
                            return;
                        }
                        op.run(me, k);
                    }
                } catch (Throwable e) {
                    failed.add(e);
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        if (!failed.isEmpty()) {
            throw new IllegalStateException("a run failed", failed.get(0));
        }
        return timed ? next.get() - threads : count;
    }
}
