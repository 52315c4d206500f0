package org.sessionstore.redis;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.sessionstore.api.Session;
import org.sessionstore.testkit.redis.RedisServer;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.session.SessionRepository;
import org.springframework.session.data.redis.RedisIndexedSessionRepository;
import org.springframework.session.data.redis.RedisSessionRepository;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Pipeline;

/**
 * The redis store beside its peers, in one run, each system on its own private redis-server
 * started here with the same arguments (no persistence): {@code redis-benchmark -c 16 -d 512}
 * (SET, GET); raw pooled Jedis sending exactly the store's commands, one call per connection
 * (no batching); the store; Spring Session Data Redis 3.5's {@code RedisSessionRepository} on
 * one shared Lettuce connection (its default) and its {@code RedisIndexedSessionRepository}
 * (the feature equivalent of the store: an index of sessions and expiry handling), both set up
 * as Spring Session's configuration sets them up (string keys, JDK-serialized values).
 *
 * <p>Same ids, same ~512-byte sessions (user name, subject, a 300-character access token, a
 * 120-character ID token, a verifier), 16 client threads: {@value #SESSIONS} adds of new
 * sessions, {@value #GETS} reads of them, then {@value #SESSIONS} deletes of present sessions,
 * after a warm-up round of each on other ids. Beside each figure, the server's own view from
 * {@code INFO}: socket reads per operation ({@code total_reads_processed}, which is why a
 * shared or pipelined connection wins) and server CPU microseconds per operation
 * ({@code used_cpu_user + used_cpu_sys}). Then one thread's {@code get} latency, store against
 * raw Jedis and Spring.
 *
 * <p>{@code benchmarks/redis-report.sh} (builds, then runs
 * {@code java -cp benchmarks/target/benchmarks.jar org.sessionstore.redis.RedisReport}). Needs
 * {@code redis-server} and {@code redis-benchmark} (Debian: redis-server, redis-tools).
 */
public final class RedisReport {

    static final int THREADS = 16;
    static final int SESSIONS = 100_000;
    static final int GETS = 200_000;
    static final int WARM = 20_000;
    static final int LATENCY_CALLS = 20_000;

    /** The same server arguments for every system. */
    static final String[] SERVER_ARGS = {"--appendonly", "no", "--save", ""};

    private RedisReport() {
    }

    /** One operation on one numbered session. */
    interface Op {
        void run(int i) throws Exception;
    }

    /** What a system does for add, get and delete. */
    /** One system under measure: add, get (throws when the session is lost), delete. */
    public interface System3 extends AutoCloseable {
        void add(Session s) throws Exception;

        void get(String id) throws Exception;

        void delete(String id) throws Exception;

        @Override
        void close() throws Exception;
    }

    /** A figure: calls per second, and the server's socket reads and CPU per call. */
    record Figure(double opsPerSecond, double readsPerOp, double cpuMicrosPerOp, double clientMicrosPerOp) {
        String cell() {
            return String.format("%,9.0f  (%4.2f rd, %5.1f µs%s)", opsPerSecond, readsPerOp, cpuMicrosPerOp,
                    Double.isNaN(clientMicrosPerOp) ? "" : String.format(", client %5.1f µs", clientMicrosPerOp));
        }
    }

    /** This JVM's CPU time (every thread: the callers, Lettuce's event loops, Jedis), nanoseconds. */
    private static long clientCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    public static void main(String[] args) throws Exception {
        Session[] sessions = sessions("s-", SESSIONS);
        Session[] warm = sessions("w-", WARM);
        Map<String, Figure[]> rows = new LinkedHashMap<>();

        try (RedisServer server = new RedisServer(SERVER_ARGS)) {
            Figure set = redisBenchmark(server, "set");
            Figure get = redisBenchmark(server, "get");
            rows.put("redis-benchmark -c 16 -d 512 (SET, GET)", new Figure[] {set, get, null});
        }
        Map<String, double[]> latency = new LinkedHashMap<>();
        Map<String, String> deletes = new LinkedHashMap<>();
        String[] names = {"raw Jedis pool, the store's commands", "store (batched)", "Spring Session simple (Lettuce)",
            "Spring Session indexed (Lettuce)"};
        for (String name : names) {
            try (RedisServer server = new RedisServer(SERVER_ARGS); System3 system = open(name, server)) {
                // warm-up: the same calls on other ids, then a clean server
                run(THREADS, WARM, i -> system.add(warm[i]));
                run(THREADS, WARM, i -> system.get(warm[i].id()));
                run(THREADS, WARM, i -> system.delete(warm[i].id()));
                server.command("FLUSHALL");
                Figure add = measure(server, SESSIONS, i -> system.add(sessions[i]));
                Figure get = measure(server, GETS, i -> system.get(sessions[i % SESSIONS].id()));
                if (!name.startsWith("Spring Session indexed")) {
                    latency.put(name, latency(i -> system.get(sessions[i % SESSIONS].id())));
                }
                server.command("CONFIG RESETSTAT"); // commandstats: where the server's time of a delete goes
                Figure del = measure(server, SESSIONS, i -> system.delete(sessions[i].id()));
                deletes.put(name, commandStats(server.command("INFO commandstats"), SESSIONS));
                rows.put(name, new Figure[] {add, get, del});
            }
        }

        System.out.println();
        System.out.printf("== Redis, %d client threads, ~512-byte sessions, each system on its own redis-server ==%n", THREADS);
        System.out.println("ops/s (server socket reads per op, server CPU µs per op, this JVM's CPU µs per op)");
        System.out.printf("%-40s %-30s %-30s %-30s%n", "", "add", "get", "delete");
        rows.forEach((name, f) -> System.out.printf("%-40s %-30s %-30s %-30s%n", name, f[0] == null ? "" : f[0].cell(),
                f[1] == null ? "" : f[1].cell(), f[2] == null ? "" : f[2].cell()));
        Figure[] ours = rows.get("store (batched)");
        Figure[] raw = rows.get("raw Jedis pool, the store's commands");
        Figure[] simple = rows.get("Spring Session simple (Lettuce)");
        Figure[] indexed = rows.get("Spring Session indexed (Lettuce)");
        Figure[] bench = rows.get("redis-benchmark -c 16 -d 512 (SET, GET)");
        System.out.println();
        System.out.printf("store / Spring simple      add %5.2f   get %5.2f   delete %5.2f%n", ratio(ours, simple, 0),
                ratio(ours, simple, 1), ratio(ours, simple, 2));
        System.out.printf("store / Spring indexed     add %5.2f   get %5.2f   delete %5.2f%n", ratio(ours, indexed, 0),
                ratio(ours, indexed, 1), ratio(ours, indexed, 2));
        System.out.printf("store / redis-benchmark    add/SET %5.2f   get/GET %5.2f%n", ratio(ours, bench, 0),
                ratio(ours, bench, 1));
        System.out.printf("store / raw Jedis pool     add %5.2f   get %5.2f   delete %5.2f%n", ratio(ours, raw, 0),
                ratio(ours, raw, 1), ratio(ours, raw, 2));
        System.out.println();
        System.out.printf("one thread, get latency (µs)   %-40s %8s %8s %8s%n", "", "mean", "p50", "p99");
        latency.forEach((name, l) -> System.out.printf("                               %-40s %8.1f %8.1f %8.1f%n", name,
                l[0], l[1], l[2]));
        System.out.println();
        System.out.println("delete, the server's commands per delete (INFO commandstats: calls per delete, server µs per delete):");
        deletes.forEach((name, stats) -> System.out.printf("  %-40s %s%n", name, stats));
        double[] storeLatency = latency.get("store (batched)");
        double[] rawLatency = latency.get("raw Jedis pool, the store's commands");
        System.out.printf("store / raw Jedis, one thread, mean get latency %5.2f (lower is better)%n",
                storeLatency[0] / rawLatency[0]);
    }

    private static double ratio(Figure[] a, Figure[] b, int op) {
        return a[op] == null || b[op] == null ? Double.NaN : a[op].opsPerSecond() / b[op].opsPerSecond();
    }

    private static System3 open(String name, RedisServer server) throws Exception {
        if (name.startsWith("raw")) {
            return rawJedis(server);
        }
        if (name.startsWith("store")) {
            RedisSessionStore store = new RedisSessionStore(RedisConfig.from(Map.of("addr", server.addr(), "pool_size",
                    Integer.toString(THREADS))), Clock.systemUTC());
            return new System3() {
                @Override
                public void add(Session s) {
                    store.addSession(s);
                }

                @Override
                public void get(String id) {
                    if (store.getSession(id).isEmpty()) {
                        throw new IllegalStateException("lost " + id);
                    }
                }

                @Override
                public void delete(String id) {
                    if (!store.deleteSession(id)) {
                        throw new IllegalStateException("not there: " + id);
                    }
                }

                @Override
                public void close() {
                    store.close();
                }
            };
        }
        return spring(server, name.contains("indexed"));
    }

    /** A JedisPool of 16, one command (or script, or two-command pipeline for delete) per borrowed connection. */
    private static System3 rawJedis(RedisServer server) {
        GenericObjectPoolConfig<Jedis> pc = new GenericObjectPoolConfig<>();
        pc.setMaxTotal(THREADS);
        pc.setMaxIdle(THREADS);
        pc.setJmxEnabled(false);
        JedisPool pool = new JedisPool(pc, new HostAndPort("127.0.0.1", server.port()), DefaultJedisClientConfig.builder().build());
        RedisConfig config = RedisConfig.from(Map.of("addr", server.addr()));
        List<String> keys = List.of("", config.sessionIndexKey());
        Layout layout = new Layout(config.sessionPrefix(), config.statePrefix(), false);
        return new System3() {
            @Override
            public void add(Session s) {
                // the store's arguments (RedisSessionStore.addSession, one server, no limit, no idle timeout)
                long now = System.currentTimeMillis();
                long end = Math.min(s.expiresAt().toEpochMilli(), now + config.ttl().toMillis());
                long pttl = end - now;
                List<String> absent = new ArrayList<>(SessionHash.absent(s));
                absent.add("deadline");
                absent.add("cap");
                List<String> a = new ArrayList<>(28);
                a.add(s.id());
                a.add(Long.toString(pttl));
                a.add(Long.toString(end));
                a.add(s.sub() == null ? "" : "s");
                a.add("0");
                a.add("r");
                a.add(s.sub() == null ? "" : s.sub());
                a.add(Long.toString(end));
                a.add(Integer.toString(absent.size()));
                a.addAll(absent);
                SessionHash.fields(s).forEach((k, v) -> {
                    a.add(k);
                    a.add(v);
                });
                List<String> k = s.sub() == null ? List.of(config.sessionPrefix() + s.id(), keys.get(1))
                        : List.of(config.sessionPrefix() + s.id(), keys.get(1), layout.subjectKey(s.sub()));
                try (Jedis j = pool.getResource()) {
                    Script.ADD_SESSION.run(j, k, a);
                }
            }

            @Override
            public void get(String id) {
                try (Jedis j = pool.getResource()) {
                    if (SessionHash.session(id, j.hgetAll(config.sessionPrefix() + id)) == null) {
                        throw new IllegalStateException("lost " + id);
                    }
                }
            }

            @Override
            public void delete(String id) {
                try (Jedis j = pool.getResource()) {
                    Pipeline p = j.pipelined();
                    p.unlink(config.sessionPrefix() + id);
                    p.zrem(keys.get(1), id);
                    p.sync();
                }
            }

            @Override
            public void close() {
                pool.close();
            }
        };
    }

    /**
     * Spring Session as {@code @EnableRedisHttpSession} / {@code @EnableRedisIndexedHttpSession} set it
     * up: a Lettuce connection factory sharing one native connection, a template with string keys
     * and JDK-serialized values; the session's id is ours (a session id generator handing the
     * caller's id), its attributes our session's fields.
     */
    /** Spring Session's simple repository as this report sets it up, for other harnesses (NearCacheReport). */
    public static System3 springSimple(RedisServer server) {
        return spring(server, false);
    }

    private static System3 spring(RedisServer server, boolean indexed) {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1",
                server.port()));
        factory.afterPropertiesSet();
        factory.start();
        RedisTemplate<String, Object> template = new RedisTemplate<>();
        template.setKeySerializer(RedisSerializer.string());
        template.setHashKeySerializer(RedisSerializer.string());
        template.setConnectionFactory(factory);
        template.afterPropertiesSet();
        ThreadLocal<String> nextId = new ThreadLocal<>();
        if (indexed) {
            RedisIndexedSessionRepository repo = new RedisIndexedSessionRepository(template);
            repo.setDefaultMaxInactiveInterval(Duration.ofHours(1));
            repo.setSessionIdGenerator(nextId::get);
            return springOps(repo, nextId, factory);
        }
        RedisSessionRepository repo = new RedisSessionRepository(template);
        repo.setDefaultMaxInactiveInterval(Duration.ofHours(1));
        repo.setSessionIdGenerator(nextId::get);
        return springOps(repo, nextId, factory);
    }

    private static <S extends org.springframework.session.Session> System3 springOps(SessionRepository<S> repo,
            ThreadLocal<String> nextId, LettuceConnectionFactory factory) {
        return new System3() {
            @Override
            public void add(Session s) {
                nextId.set(s.id());
                S r = repo.createSession();
                attributes(s).forEach(r::setAttribute);
                repo.save(r);
            }

            @Override
            public void get(String id) {
                if (repo.findById(id) == null) {
                    throw new IllegalStateException("lost " + id);
                }
            }

            @Override
            public void delete(String id) {
                repo.deleteById(id);
            }

            @Override
            public void close() {
                factory.destroy();
            }
        };
    }

    private static Map<String, Object> attributes(Session s) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("username", s.username());
        a.put("sub", s.sub());
        a.put("access_token", s.accessToken());
        a.put("id_token", s.idToken());
        a.put("code_verifier", s.codeVerifier());
        return a;
    }

    private static Session[] sessions(String prefix, int n) {
        return org.sessionstore.testkit.bench.Samples.sessions(prefix, n);
    }

    /** Server counters: socket reads, CPU seconds. */
    private static double[] serverCounters(RedisServer server) throws Exception {
        String info = server.command("INFO stats\r\nINFO cpu");
        return new double[] {number(info, "total_reads_processed"), number(info, "used_cpu_user") + number(info,
            "used_cpu_sys")};
    }

    /** {@code cmdstat_X:calls=N,usec=U,...} lines: each command's calls and µs per operation, the total µs first. */
    static String commandStats(String info, int ops) {
        Matcher m = Pattern.compile("(?m)^cmdstat_([a-z|_-]+):calls=(\\d+),usec=(\\d+)").matcher(info);
        StringBuilder b = new StringBuilder();
        double total = 0;
        while (m.find()) {
            String cmd = m.group(1);
            if (cmd.equals("info") || cmd.startsWith("config")) {
                continue; // the report's own
            }
            double calls = Double.parseDouble(m.group(2)) / ops;
            double usec = Double.parseDouble(m.group(3)) / ops;
            total += usec;
            b.append(String.format(java.util.Locale.ROOT, "  %s %.2f calls %.2f µs", cmd, calls, usec));
        }
        return String.format(java.util.Locale.ROOT, "%.2f µs in commands:", total) + b;
    }

    private static double number(String info, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":([0-9.]+)").matcher(info);
        if (!m.find()) {
            throw new IllegalStateException(name + " is not in INFO: " + info);
        }
        return Double.parseDouble(m.group(1));
    }

    private static Figure measure(RedisServer server, int calls, Op op) throws Exception {
        double[] before = serverCounters(server);
        long client = clientCpuNanos();
        double seconds = run(THREADS, calls, op);
        client = clientCpuNanos() - client;
        double[] after = serverCounters(server);
        // the INFO command itself is one read
        return new Figure(calls / seconds, (after[0] - before[0] - 1) / calls, (after[1] - before[1]) * 1e6 / calls,
                client / 1e3 / calls);
    }

    /** {@code threads} threads share calls 0..calls-1; returns the seconds from start to the last one's end. */
    private static double run(int threads, int calls, Op op) throws Exception {
        return org.sessionstore.testkit.bench.Threaded.run(threads, calls, (t, i) -> op.run(i));
    }

    /** One thread: mean, p50, p99 of a get, in microseconds. */
    private static double[] latency(Op op) throws Exception {
        long[] took = new long[LATENCY_CALLS];
        for (int i = 0; i < LATENCY_CALLS; i++) {
            op.run(i); // warm
        }
        long total = 0;
        for (int i = 0; i < LATENCY_CALLS; i++) {
            long t0 = System.nanoTime();
            op.run(i);
            took[i] = System.nanoTime() - t0;
            total += took[i];
        }
        Arrays.sort(took);
        return new double[] {total / 1e3 / LATENCY_CALLS, took[LATENCY_CALLS / 2] / 1e3, took[LATENCY_CALLS * 99 / 100] / 1e3};
    }

    private static Figure redisBenchmark(RedisServer server, String test) throws Exception {
        int n = 300_000;
        double[] before = serverCounters(server);
        Process p = new ProcessBuilder("redis-benchmark", "-p", Integer.toString(server.port()), "-c", "16", "-d", "512",
                "-n", Integer.toString(n), "-r", "50000", "-t", test, "-q").redirectErrorStream(true).start();
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            out = String.join("\n", r.lines().toList());
        }
        p.waitFor();
        double[] after = serverCounters(server);
        Matcher m = Pattern.compile("([0-9.]+) requests per second").matcher(out);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        if (last == null) {
            throw new IllegalStateException("redis-benchmark printed no figure: " + out);
        }
        return new Figure(Double.parseDouble(last), (after[0] - before[0] - 1) / n, (after[1] - before[1]) * 1e6 / n,
                Double.NaN);
    }
}
