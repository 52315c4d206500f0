package org.sessionstore.redis;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.sessionstore.api.Session;
import org.sessionstore.testkit.RedisServer;

import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/**
 * One run, one redis-server (started here, no persistence), 16 client threads, 512-byte
 * sessions: {@code redis-benchmark -c 16 -d 512} for SET and GET; raw pooled Jedis sending the
 * very commands the store sends (its Lua scripts by SHA, HGETALL); and the store's addSession,
 * getSession and validateAndRemoveState. Prints operations per second and the ratios.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar org.sessionstore.redis.RedisReport [seconds]}
 * (or {@code benchmarks/redis-report.sh}). A harness in the redis backend's test sources (it sends
 * the store's own scripts), shipped in the benchmarks jar.
 */
public final class RedisReport {

    static final int THREADS = 16;
    static final int KEYS = 50_000;

    private RedisReport() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        try (RedisServer server = new RedisServer("--appendonly", "no", "--appendfsync", "no")) {
            server.command("CONFIG SET appendonly no");
            double benchSet = redisBenchmark(server.port(), "set");
            double benchGet = redisBenchmark(server.port(), "get");
            server.command("FLUSHALL");

            RedisConfig config = RedisConfig.from(Map.of("addr", server.addr(), "pool_size", Integer.toString(THREADS)));
            Session[] sessions = sessions();
            GenericObjectPoolConfig<Jedis> pc = new GenericObjectPoolConfig<>();
            pc.setMaxTotal(THREADS);
            pc.setMaxIdle(THREADS);
            pc.setJmxEnabled(false);
            try (JedisPool pool = new JedisPool(pc, new HostAndPort("127.0.0.1", server.port()),
                    DefaultJedisClientConfig.builder().build());
                    RedisSessionStore store = new RedisSessionStore(config, Clock.systemUTC())) {
                long now = System.currentTimeMillis();
                List<String> indexKey = List.of(config.sessionIndexKey());
                double rawAdd = run("raw add", seconds, i -> {
                    Session s = sessions[i % KEYS];
                    List<String> a = new ArrayList<>(18);
                    a.add(s.id());
                    a.add("3600000");
                    a.add(Long.toString(now + 3_600_000));
                    SessionHash.fields(s).forEach((k, v) -> {
                        a.add(k);
                        a.add(v);
                    });
                    try (Jedis j = pool.getResource()) {
                        Script.ADD_SESSION.run(j, List.of(config.sessionPrefix() + s.id(), indexKey.get(0)), a);
                    }
                });
                double storeAdd = run("store add", seconds, i -> store.addSession(sessions[i % KEYS]));
                double rawGet = run("raw get", seconds, i -> {
                    try (Jedis j = pool.getResource()) {
                        SessionHash.session(sessions[i % KEYS].id(), j.hgetAll(config.sessionPrefix() + sessions[i % KEYS].id()));
                    }
                });
                double storeGet = run("store get", seconds, i -> store.getSession(sessions[i % KEYS].id()));
                double rawState = runStates("raw validateAndRemoveState", seconds, store, (state) -> {
                    try (Jedis j = pool.getResource()) {
                        Script.CONSUME_STATE.run(j, List.of(config.statePrefix() + state, config.stateIndexKey()),
                                List.of(state));
                    }
                });
                double storeState = runStates("store validateAndRemoveState", seconds, store,
                        state -> store.validateAndRemoveState(state, "Mozilla/5.0 (X11; Linux x86_64)"));

                System.out.println();
                System.out.println("== Redis, 16 client threads, 512-byte values/sessions, one local redis-server (ops/s) ==");
                System.out.printf("redis-benchmark -c 16 -d 512   SET %,10.0f   GET %,10.0f%n", benchSet, benchGet);
                System.out.printf("raw Jedis (store's commands)   add %,10.0f   get %,10.0f   validate %,10.0f%n", rawAdd, rawGet, rawState);
                System.out.printf("store                          add %,10.0f   get %,10.0f   validate %,10.0f%n", storeAdd, storeGet, storeState);
                System.out.printf("store / raw Jedis              add %10.2f   get %10.2f   validate %10.2f%n",
                        storeAdd / rawAdd, storeGet / rawGet, storeState / rawState);
                System.out.printf("raw Jedis / redis-benchmark    add/SET %6.2f   get/GET %6.2f%n", rawAdd / benchSet, rawGet / benchGet);
            }
        }
    }

    private static Session[] sessions() {
        Session[] s = new Session[KEYS];
        Instant now = Instant.now();
        String token = "x".repeat(300);
        String idToken = "y".repeat(120);
        for (int i = 0; i < KEYS; i++) {
            // about 512 bytes of field names and values
            s[i] = new Session("bench-" + i, "user" + i + "@example.com", "sub-" + i, now, now.plusSeconds(3600),
                    token, idToken, "v".repeat(20));
        }
        return s;
    }

    private static double redisBenchmark(int port, String test) throws Exception {
        Process p = new ProcessBuilder("redis-benchmark", "-p", Integer.toString(port), "-c", "16", "-d", "512", "-n",
                "300000", "-r", Integer.toString(KEYS), "-t", test, "-q").redirectErrorStream(true).start();
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            out = String.join("\n", r.lines().toList());
        }
        p.waitFor();
        Matcher m = Pattern.compile("([0-9.]+) requests per second").matcher(out);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        if (last == null) {
            throw new IllegalStateException("redis-benchmark printed no figure: " + out);
        }
        return Double.parseDouble(last);
    }

    /** 16 threads call {@code op} with increasing numbers for {@code seconds}; returns calls per second. */
    private static double run(String what, int seconds, IntConsumer op) throws Exception {
        LongAdder calls = new LongAdder();
        AtomicInteger counter = new AtomicInteger();
        long[] window = new long[2];
        CyclicBarrier start = new CyclicBarrier(THREADS, () -> window[0] = System.nanoTime());
        long stopAt = System.nanoTime() + Duration.ofSeconds(seconds + 1).toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    // the first second warms up and is not counted
                    long countFrom = window[0] + Duration.ofSeconds(1).toNanos();
                    while (true) {
                        long now = System.nanoTime();
                        if (now > stopAt) {
                            return;
                        }
                        op.accept(counter.getAndIncrement());
                        if (now >= countFrom) {
                            calls.increment();
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        double perSecond = calls.sum() / (double) seconds;
        System.out.printf("%-32s %,12.0f ops/s%n", what, perSecond);
        return perSecond;
    }

    interface StateOp {
        void consume(String state);
    }

    /** Adds as many states as a run could consume, then times the consuming alone. */
    private static double runStates(String what, int seconds, RedisSessionStore store, StateOp op) throws Exception {
        int count = 80_000 * (seconds + 1);
        String prefix = what.startsWith("raw") ? "r" : "s";
        AtomicInteger added = new AtomicInteger();
        List<Thread> adders = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Thread th = new Thread(() -> {
                for (int i; (i = added.getAndIncrement()) < count;) {
                    store.addStateEntry(prefix + i, "Mozilla/5.0 (X11; Linux x86_64)", "https://app.example.com/page",
                            "http://upstream:8080", "verifier-" + i);
                }
            });
            adders.add(th);
            th.start();
        }
        for (Thread th : adders) {
            th.join();
        }
        return run(what, seconds, i -> op.consume(prefix + (i % count)));
    }
}
