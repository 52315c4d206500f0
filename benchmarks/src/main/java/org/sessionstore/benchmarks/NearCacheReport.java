package org.sessionstore.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.redis.RedisStoreFactory;
import org.sessionstore.registry.near.NearCache;
import org.sessionstore.testkit.bench.Samples;
import org.sessionstore.testkit.redis.RedisSentinels;
import org.sessionstore.testkit.redis.RedisServer;

/**
 * The near cache, measured (issue 21): {@code java -cp benchmarks/target/benchmarks.jar
 * org.sessionstore.benchmarks.NearCacheReport [seconds-per-round [revokes]]} (defaults 3 and 300;
 * about a minute), on a redis-server it starts; {@code ... NearCacheReport pg [revokes]}: the
 * invalidation measurement on PostgreSQL (the tests' database, a schema of its own; the kill is
 * {@code pg_terminate_backend} of the listening connections); {@code ... NearCacheReport sentinel
 * [revokes]}: the same on Redis Sentinel (a primary, 2 replicas, 3 sentinels, {@code min_replicas_ack=1}),
 * the primary killed mid-run (a failover; a stale answer is a session <em>served</em> past max age
 * after its delete, a get failing while the topology fails over is not one).
 *
 * <p><b>Hot get</b>: 16 threads get random sessions among 10,000 (~512 bytes each) for a round,
 * through the near cache over the redis store, the redis store alone, and Spring Session Data Redis
 * 3.5's {@code RedisSessionRepository} (one shared Lettuce connection, its default); three rounds each,
 * alternating; gets per second and the ratios near cache / Spring and store / Spring per round.
 *
 * <p><b>Invalidation across processes</b>: three JVMs (this jar, {@code node} mode), each a near
 * cache over its own redis store on the one server, each doing 3,000 gets a second of the 10,000 hot
 * sessions. For each revoke, two nodes watch the session (each serves it from memory, then polls it
 * until it is refused) and the third deletes it; the lag is from the end of the delete (the
 * revoking node's clock) to each watcher's first refusal (its clock: one host). In the middle,
 * {@code CLIENT KILL TYPE pubsub} kills every subscription; the revokes around it are reported on
 * their own. Printed: p50, p99 and max lag, and whether any watcher answered a session deleted
 * more than {@code near_cache_max_age} (5 s) before.
 */
public final class NearCacheReport {

    static final int HOT = 10_000;
    static final Duration MAX_AGE = Duration.ofSeconds(5);

    private NearCacheReport() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("node")) {
            node(args[1], args[2]);
            return;
        }
        if (args.length > 0 && args[0].equals("pg")) {
            // the same invalidation measurement on PostgreSQL (LISTEN/NOTIFY), on the tests' database
            int revokes = args.length > 1 ? Integer.parseInt(args[1]) : 300;
            try (org.sessionstore.jdbc.JdbcStores pg = new org.sessionstore.jdbc.JdbcStores()) {
                invalidation("pg:" + pg.url(), () -> {
                    try {
                        return "listening connections ended (pg_terminate_backend): " + pg.terminateListeners();
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }, revokes);
            }
            System.exit(0);
        }
        if (args.length > 0 && args[0].equals("sentinel")) {
            // the primary killed mid-run: the subscriptions break, the sentinels promote a replica
            int revokes = args.length > 1 ? Integer.parseInt(args[1]) : 300;
            try (RedisSentinels topology = new RedisSentinels(2)) {
                invalidation("sentinel:" + topology.sentinelAddrs(), () -> {
                    try {
                        int port = topology.masterPort();
                        topology.primary().kill();
                        long t0 = System.nanoTime();
                        Thread t = new Thread(() -> { // the revokes go on meanwhile, retried until acknowledged
                            try {
                                int now = topology.awaitFailover(port, 30);
                                System.out.printf("the sentinels promoted %d in %d ms%n", now, (System.nanoTime() - t0) / 1_000_000);
                            } catch (java.io.IOException e) {
                                System.out.println("no failover: " + e.getMessage());
                            }
                        });
                        t.setDaemon(true);
                        t.start();
                        return "primary " + port + " killed (SIGKILL), failing over";
                    } catch (java.io.IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, revokes);
            }
            System.exit(0);
        }
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int revokes = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        try (RedisServer server = new RedisServer()) {
            hotGets(server, seconds);
            invalidation("redis:" + server.port(), () -> {
                try {
                    return "CLIENT KILL TYPE pubsub: " + server.command("CLIENT KILL TYPE pubsub").strip();
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }, revokes);
        }
        System.exit(0);
    }

    private static Map<String, Object> keys(int port, String prefix) {
        Map<String, Object> k = new HashMap<>();
        k.put("addr", "127.0.0.1:" + port);
        k.put("session_prefix", prefix + "s:");
        k.put("state_prefix", prefix + "t:");
        k.put("pool_size", "16");
        return k;
    }

    static NearCache nearCache(int port, String prefix) throws InterruptedException {
        return nearCache(new RedisStoreFactory().create(keys(port, prefix)), "redis");
    }

    /** A store where {@code where} says: {@code redis:PORT}, {@code sentinel:ADDRS} or {@code pg:URL}. */
    static SessionStore store(String where) {
        if (where.startsWith("sentinel:")) {
            // a delete is acknowledged once a replica has it too, so the failover cannot undo it
            return new RedisStoreFactory().create(Map.of("sentinels", where.substring(9), "master_name",
                    RedisSentinels.MASTER_NAME, "min_replicas_ack", "1", "timeout", "1s", "session_prefix", "inv:s:",
                    "state_prefix", "inv:t:", "pool_size", "16"));
        }
        return where.startsWith("pg:") ? org.sessionstore.jdbc.JdbcStores.create(where.substring(3),
                Map.of("table_prefix", "ncr_", "pool_size", "8")) : new RedisStoreFactory().create(keys(
                        Integer.parseInt(where.substring(6)), "inv:"));
    }

    static NearCache nearCache(SessionStore store, String type) throws InterruptedException {
        NearCache c = NearCache.over(store, type, 100_000, MAX_AGE, Duration.ZERO, Duration.ZERO, Clock.systemUTC());
        while (!c.trusted()) {
            Thread.sleep(5);
        }
        return c;
    }

    // --- hot get -----------------------------------------------------------------------------

    private interface Get {
        boolean get(String id);
    }

    private static void hotGets(RedisServer server, int seconds) throws Exception {
        Session[] hot = Samples.sessions("hot-", HOT);
        String[] ids = Arrays.stream(hot).map(Session::id).toArray(String[]::new);
        SessionStore store = new RedisStoreFactory().create(keys(server.port(), "hg:"));
        for (Session s : hot) {
            store.addSession(s);
        }
        NearCache near = nearCache(server.port(), "hg:");
        // Spring Session's simple repository, set up as RedisReport sets it up
        org.sessionstore.redis.RedisReport.System3 spring = org.sessionstore.redis.RedisReport.springSimple(server);
        for (Session s : hot) {
            spring.add(s);
        }
        Get[] systems = {id -> near.getSession(id).isPresent(), id -> store.getSession(id).isPresent(),
            id -> {
                try {
                    spring.get(id); // throws when the session is lost
                    return true;
                } catch (Exception e) {
                    return false;
                }
            }};
        String[] names = {"near cache", "store", "Spring simple"};
        for (Get g : systems) {
            rate(g, ids, 1); // warm-up
        }
        System.out.println("hot get, 16 threads, 10,000 sessions of ~512 bytes, " + seconds + " s rounds (gets/s):");
        System.out.printf("%-8s %14s %14s %14s %16s %16s%n", "round", names[0], names[1], names[2], "near/Spring",
                "store/Spring");
        for (int round = 1; round <= 3; round++) {
            double[] r = new double[3];
            for (int k = 0; k < 3; k++) {
                int i = (k + round) % 3; // which goes first rotates
                r[i] = rate(systems[i], ids, seconds);
            }
            System.out.printf("%-8d %,14.0f %,14.0f %,14.0f %16.1f %16.2f%n", round, r[0], r[1], r[2], r[0] / r[2], r[1] / r[2]);
        }
        System.out.println("near cache: " + near.details().get("near cache"));
        near.close();
        store.close();
        spring.close();
    }

    private static double rate(Get g, String[] ids, int seconds) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder done = new LongAdder();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            Thread th = new Thread(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                long n = 0;
                while (!stop.get()) {
                    if (!g.get(ids[rnd.nextInt(ids.length)])) {
                        throw new IllegalStateException("a hot session was not found");
                    }
                    n++;
                }
                done.add(n);
            });
            threads.add(th);
        }
        long start = System.nanoTime();
        threads.forEach(Thread::start);
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread th : threads) {
            th.join();
        }
        return done.sum() / ((System.nanoTime() - start) / 1e9);
    }

    // --- invalidation across processes -------------------------------------------------------

    private record Child(Process process, PrintWriter in, BufferedReader out) {
        String ask(String line) throws Exception {
            in.println(line);
            in.flush();
            String r = out.readLine();
            if (r == null) {
                throw new IllegalStateException("a node ended");
            }
            return r;
        }
    }

    private static void invalidation(String where, java.util.function.Supplier<String> kill, int revokes) throws Exception {
        SessionStore seed = store(where);
        Session[] hot = Samples.sessions("hot-", HOT);
        for (Session s : hot) {
            seed.addSession(s);
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<Child> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    NearCacheReport.class.getName(), "node", where, "-")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Child c = new Child(p, new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8),
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
            if (!c.out.readLine().equals("ready")) {
                throw new IllegalStateException("a node did not start");
            }
            nodes.add(c);
        }
        for (Child c : nodes) {
            c.ask("load 3000");
        }
        Thread.sleep(2_000); // the hot set cached on every node
        List<Long> before = new ArrayList<>();
        List<Long> around = new ArrayList<>();
        long stale = 0;
        int killAt = revokes / 2;
        for (int i = 0; i < revokes; i++) {
            Child revoker = nodes.get(i % 3);
            Child w1 = nodes.get((i + 1) % 3);
            Child w2 = nodes.get((i + 2) % 3);
            Session s = hot[i];
            // both watchers serve it from memory first
            if (!w1.ask("watch " + s.id()).startsWith("watching") || !w2.ask("watch " + s.id()).startsWith("watching")) {
                throw new IllegalStateException("a watcher did not hold " + s.id());
            }
            if (i == killAt) {
                System.out.println(kill.get());
            }
            long deleted = Long.parseLong(revoker.ask("revoke " + s.id()).split(" ")[1]);
            for (Child w : List.of(w1, w2)) {
                String[] gone = w.ask("gone? " + s.id()).split(" ");
                long lag = Math.max(0, Long.parseLong(gone[1]) - deleted);
                (i >= killAt && i < killAt + 20 ? around : before).add(lag);
                // stale: the session served (not merely unanswered while failing over) past max age
                if (Long.parseLong(gone[2]) - deleted > MAX_AGE.toMillis()) {
                    stale++;
                }
            }
        }
        System.out.println();
        System.out.println("invalidation lag across 3 processes on " + (where.startsWith("pg:") ? "PostgreSQL"
                : where.startsWith("sentinel:") ? "Redis Sentinel (a primary, 2 replicas, 3 sentinels)" : "Redis")
                + " (3,000 gets/s each on 10,000 hot sessions), revoke on one, refused on the two others, ms:");
        report("steady (" + before.size() / 2 + " revokes)", before);
        report("the 20 revokes from the kill on", around);
        System.out.println("answers of a session deleted more than near_cache_max_age (" + MAX_AGE.toSeconds() + " s) before: "
                + stale);
        // a delete undone (a failover that lost it, a copy kept): every revoked session asked again
        // on every node and on the backend itself, after the run
        long back = 0;
        List<Integer> which = new ArrayList<>();
        for (int i = 0; i < revokes; i++) {
            if (seed.getSession(hot[i].id()).isPresent()) {
                back++;
                which.add(i);
            }
        }
        if (back > 0) {
            System.out.println("revoked sessions back on the backend after the run (revoke numbers; the kill came before "
                    + killAt + "): " + which);
        }
        StringBuilder perNode = new StringBuilder();
        for (Child c : nodes) {
            perNode.append(' ').append(c.ask("sweep " + revokes).split(" ")[1]);
        }
        System.out.println("revoked sessions answered after the run: by the backend " + back + ", by each node" + perNode);
        for (Child c : nodes) {
            System.out.println("node: " + c.ask("details"));
            c.in.println("quit");
            c.process.waitFor(10, TimeUnit.SECONDS);
        }
        seed.close();
    }

    private static void report(String what, List<Long> lags) {
        long[] a = lags.stream().mapToLong(Long::longValue).sorted().toArray();
        if (a.length == 0) {
            return;
        }
        System.out.printf("  %-48s p50 %4d  p99 %4d  max %5d  (%d refusals)%n", what, a[a.length / 2],
                a[Math.min(a.length - 1, (int) Math.ceil(a.length * 0.99) - 1)], a[a.length - 1], a.length);
    }

    /** Whether the node answers {@code id}, asking again while the store is unavailable (failing over). */
    private static boolean present(NearCache c, String id) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return c.getSession(id).isPresent();
            } catch (StoreUnavailableException failingOver) {
                if (System.nanoTime() > until) {
                    throw failingOver; // no failover within a minute: the report ends
                }
                Thread.sleep(20);
            }
        }
    }

    /** A node: a near cache of its own, commands on standard input, one answer line each. */
    private static void node(String where, String unused) throws Exception {
        NearCache c = nearCache(store(where), where.startsWith("pg:") ? "jdbc" : "redis");
        String[] ids = new String[HOT];
        for (int i = 0; i < HOT; i++) {
            ids[i] = "hot-" + i;
        }
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        out.println("ready");
        Map<String, Long> goneAt = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, Long> servedAt = new java.util.concurrent.ConcurrentHashMap<>();
        for (String line; (line = in.readLine()) != null;) {
            String[] w = line.split(" ");
            switch (w[0]) {
                case "load" -> {
                    int rate = Integer.parseInt(w[1]);
                    Thread t = new Thread(() -> {
                        long every = 1_000_000_000L / rate;
                        long next = System.nanoTime();
                        ThreadLocalRandom rnd = ThreadLocalRandom.current();
                        while (c.trusted() || !Thread.currentThread().isInterrupted()) {
                            try {
                                c.getSession(ids[rnd.nextInt(HOT)]);
                            } catch (StoreUnavailableException failingOver) {
                                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
                            } catch (RuntimeException closed) {
                                return; // the node is ending
                            }
                            next += every;
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                java.util.concurrent.locks.LockSupport.parkNanos(wait);
                            }
                        }
                    }, "load");
                    t.setDaemon(true);
                    t.start();
                    out.println("loading");
                }
                case "watch" -> {
                    String id = w[1];
                    present(c, id);
                    boolean held = present(c, id);
                    Thread t = new Thread(() -> {
                        long served = 0;
                        while (true) {
                            try {
                                if (c.getSession(id).isEmpty()) {
                                    break;
                                }
                                served = System.currentTimeMillis();
                            } catch (StoreUnavailableException failingOver) {
                                // neither served nor refused: keep polling
                            }
                            java.util.concurrent.locks.LockSupport.parkNanos(50_000); // 2 cores for 3 nodes and a server
                        }
                        servedAt.put(id, served);
                        goneAt.put(id, System.currentTimeMillis());
                    }, "watch");
                    t.setDaemon(true);
                    t.start();
                    out.println(held ? "watching " + id : "absent " + id);
                }
                case "revoke" -> {
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (true) {
                        try {
                            c.deleteSession(w[1]);
                            break;
                        } catch (StoreUnavailableException failingOver) {
                            if (System.nanoTime() > until) {
                                throw failingOver; // no failover within a minute: the report ends
                            }
                            Thread.sleep(20); // acknowledged only once it succeeds
                        }
                    }
                    out.println("revoked " + System.currentTimeMillis());
                }
                case "gone?" -> {
                    long until = System.currentTimeMillis() + 2 * MAX_AGE.toMillis();
                    while (!goneAt.containsKey(w[1]) && System.currentTimeMillis() < until) {
                        Thread.sleep(1);
                    }
                    out.println("gone " + goneAt.getOrDefault(w[1], Long.MAX_VALUE / 2) + " " + servedAt.getOrDefault(w[1],
                            Long.MAX_VALUE / 2));
                }
                case "sweep" -> {
                    int n = Integer.parseInt(w[1]);
                    int answered = 0;
                    for (int i = 0; i < n; i++) {
                        answered += present(c, ids[i]) ? 1 : 0;
                    }
                    out.println("answered " + answered);
                }
                case "details" -> out.println(c.details().get("near cache"));
                default -> {
                    c.close();
                    System.exit(0);
                }
            }
        }
        c.close();
        System.exit(0);
    }
}
