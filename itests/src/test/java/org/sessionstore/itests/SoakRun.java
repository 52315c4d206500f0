package org.sessionstore.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.sessionstore.api.Session;

/**
 * An hour of load with nothing growing (issue 21): a benchmark, not a CI test (its name is not
 * one failsafe runs unless asked: {@code mvn -o verify -pl itests -Dit.test=SoakRun
 * -Dsoak.minutes=60}).
 *
 * <p>Four threads drive a mixed, paced load (gets, adds, deletes, states, revokes by subject)
 * through the published store, redis with a near cache, for {@code soak.minutes}. On the way the
 * redis bundle is updated 20 times and redis-server restarts twice: once with {@code SHUTDOWN},
 * once killed with SIGKILL (its AOF is fsynced on every write, so no acknowledged write may be
 * lost either way). Every minute it samples the heap after a full GC, the JVM's threads, its
 * file descriptors, Redis's connections and keys and the near cache's entries, prints a line and
 * writes {@code itests/target/soak/soak.csv} ({@code SoakPlot} in the benchmarks module draws it).
 *
 * <p>Each thread owns its ids and subjects, so it knows what the store must answer: a session it
 * added (and was told so) must be found until it deletes or revokes it, one it deleted must never
 * be found. Failures (the store down while Redis restarts) are counted, one line per kind.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SoakRun extends RedisTestSupport {

    static final int THREADS = 4;
    static final int IDS = 5_000;
    static final int SUBJECTS = 50;
    static final int UPGRADES = 20;

    final LongAdder ops = new LongAdder();
    final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    final AtomicLong lost = new AtomicLong();
    final AtomicLong stale = new AtomicLong();
    final List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());

    @Test
    public void anHourOfLoadNothingGrowing() throws Exception {
        double minutes = Double.parseDouble(System.getProperty("soak.minutes", "60"));
        long total = (long) (minutes * 60_000);
        int port = Integer.getInteger("itest.redis.port");
        Bundle redis = context.installBundle(System.getProperty("itest.redis.bundle"));
        redis.start();
        await("redis listed", Duration.ofSeconds(10), () -> typeAvailable("redis"));
        if (Integer.getInteger("soak.near", 20_000) > 0) {
            configure("redis", "addr", "127.0.0.1:" + port, "near_cache_size", System.getProperty("soak.near", "20000"),
                    "near_cache_max_age", "5s", "swap_timeout", "10s");
        } else {
            configure("redis", "addr", "127.0.0.1:" + port, "swap_timeout", "10s"); // -Dsoak.near=0: no near cache
        }
        Path out = Path.of(System.getProperty("itest.reactor"), "itests", "target", "soak");
        Files.createDirectories(out);
        RedisProcess server = new RedisProcess(port);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> load = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int me = t;
            Thread th = new Thread(() -> drive(me, stop), "soak-" + t);
            load.add(th);
            th.start();
        }
        long start = System.nanoTime();
        TreeMap<Long, String> plan = new TreeMap<>();
        for (int u = 1; u <= UPGRADES; u++) {
            plan.put(total * u / (UPGRADES + 1), "upgrade");
        }
        plan.put(total / 3 + 7_000, "restart-shutdown");
        plan.put(total * 2 / 3 + 7_000, "restart-kill");
        long nextSample = 0;
        int minute = 0;
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("soak.csv")))) {
            csv.println("minute,heap_mb,threads,fds,redis_clients,redis_keys,near_entries,ops,failures,events");
            StringBuilder events = new StringBuilder();
            while (true) {
                long elapsed = (System.nanoTime() - start) / 1_000_000;
                if (elapsed >= nextSample) {
                    sample(csv, minute, port, events.toString());
                    events.setLength(0);
                    minute++;
                    nextSample = minute * 60_000L;
                    if (elapsed >= total) {
                        break;
                    }
                }
                Map.Entry<Long, String> due = plan.firstEntry();
                if (due != null && elapsed >= due.getKey()) {
                    plan.pollFirstEntry();
                    String what = due.getValue();
                    long t0 = System.nanoTime();
                    switch (what) {
                        case "upgrade" -> upgrade(redis);
                        case "restart-shutdown" -> server.restart(false);
                        default -> server.restart(true);
                    }
                    System.out.printf("soak %6.1f min: %s (%d ms)%n", elapsed / 60_000.0, what,
                            (System.nanoTime() - t0) / 1_000_000);
                    events.append(events.length() == 0 ? "" : " ").append(what.startsWith("upgrade") ? "U" : "R");
                }
                Thread.sleep(100);
            }
        } finally {
            stop.set(true);
            for (Thread th : load) {
                th.join();
            }
            server.close();
        }
        System.out.printf("soak: %,d calls in %.0f min; acknowledged writes lost %d; deleted or replaced sessions served %d%n",
                ops.sum(), minutes, lost.get(), stale.get());
        failures.forEach((k, v) -> System.out.printf("soak: failure x%d: %s%n", v.sum(), k));
        violations.stream().limit(10).forEach(v -> System.out.println("soak: " + v));
        configure("memory");
        assertEquals("acknowledged writes lost: " + violations.stream().limit(5).toList(), 0, lost.get());
        assertEquals("deleted or replaced sessions served: " + violations.stream().limit(5).toList(), 0, stale.get());
        assertTrue("the load did not run", ops.sum() > minutes * 10_000);
    }

    /**
     * A bundle update as FileInstall and Karaf's {@code bundle:update} do it: the update, then a
     * refresh, which lets the framework drop the old revision (without it Felix kept every old
     * revision's classes: a first hour's run grew the heap by ~250 KB an update, 20 updates, and
     * nothing between them).
     */
    private void upgrade(Bundle b) throws Exception {
        b.update();
        if (!Boolean.parseBoolean(System.getProperty("soak.refresh", "true"))) {
            return;
        }
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        context.getBundle(0).adapt(org.osgi.framework.wiring.FrameworkWiring.class).refreshBundles(List.of(b), event -> {
            if (event.getType() == org.osgi.framework.FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        assertTrue("refresh did not finish", done.await(30, TimeUnit.SECONDS));
    }

    /** One thread's load: its own ids {@code t<me>-<k>}, subject {@code t<me>-u<k % SUBJECTS>}. */
    private void drive(int me, AtomicBoolean stop) {
        // TRUE: acknowledged as added; FALSE: acknowledged as gone; null: a call failed, unknown
        Boolean[] expected = new Boolean[IDS];
        java.util.Arrays.fill(expected, Boolean.FALSE);
        // the access token of the last acknowledged add (null: unknown), so an old version served counts too
        String[] token = new String[IDS];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (long i = 0; !stop.get(); i++) {
            int k = random.nextInt(IDS);
            String id = "t" + me + "-" + k;
            String sub = "t" + me + "-u" + (k % SUBJECTS);
            int op = (int) (i % 100);
            try {
                if (op < 60) {
                    Optional<Session> got = store.getSession(id);
                    check(expected[k], got.isPresent(), id);
                    if (got.isPresent() && expected[k] == Boolean.TRUE && token[k] != null
                            && !token[k].equals(got.get().accessToken())) {
                        stale.incrementAndGet();
                        violations.add("session " + id + " served in an older version than the last acknowledged add");
                    }
                } else if (op < 80) {
                    expected[k] = null;
                    token[k] = null;
                    Instant now = Instant.now();
                    store.addSession(new Session(id, "user-" + k, sub, now, now.plusSeconds(7_200), "at-" + i, "it", null));
                    expected[k] = Boolean.TRUE;
                    token[k] = "at-" + i;
                } else if (op < 95) {
                    expected[k] = null;
                    store.deleteSession(id);
                    expected[k] = Boolean.FALSE;
                } else if (op < 99) {
                    String state = "st-" + me + "-" + i;
                    store.addStateEntry(state, "ua", "https://app/" + k, "http://up", "v");
                    if (store.validateAndRemoveState(state, "ua").isEmpty()) {
                        violations.add("state " + state + " acknowledged, then not found");
                        lost.incrementAndGet();
                    }
                } else {
                    for (int j = k % SUBJECTS; j < IDS; j += SUBJECTS) {
                        expected[j] = expected[j] == Boolean.FALSE ? Boolean.FALSE : null;
                    }
                    store.deleteSessionsBySubject(sub);
                    for (int j = k % SUBJECTS; j < IDS; j += SUBJECTS) {
                        expected[j] = Boolean.FALSE;
                    }
                }
                ops.increment();
            } catch (RuntimeException e) {
                failures.computeIfAbsent(e.getClass().getSimpleName() + ": " + e.getMessage(), x -> new LongAdder())
                        .increment();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            // paced: ~1,000 calls a second a thread, so the sampler and the server have a core
            LockSupport.parkNanos(900_000);
        }
    }

    private void check(Boolean expected, boolean found, String id) {
        if (expected == null || expected == found) {
            return;
        }
        if (expected) {
            lost.incrementAndGet();
            violations.add("acknowledged session " + id + " not found");
        } else {
            stale.incrementAndGet();
            violations.add("deleted session " + id + " found");
        }
    }

    private void sample(PrintWriter csv, int minute, int port, String events) throws IOException {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        String[] fds = new File("/proc/self/fd").list();
        long clients = -1;
        long keys = -1;
        try {
            clients = Resp.clients(port);
            String db = Resp.command(port, "DBSIZE");
            keys = Long.parseLong(db.substring(1, db.indexOf('\r')));
        } catch (IOException | RuntimeException down) {
            // Redis restarting: -1 in the series
        }
        String near = store.details().getOrDefault("near cache", "");
        long entries = near.contains(" of ") ? Long.parseLong(near.substring(0, near.indexOf(" of ")).trim()) : -1;
        long failed = failures.values().stream().mapToLong(LongAdder::sum).sum();
        csv.printf("%d,%d,%d,%d,%d,%d,%d,%d,%d,%s%n", minute, heap, threads, fds == null ? -1 : fds.length, clients, keys,
                entries, ops.sum(), failed, events);
        csv.flush();
        System.out.printf("soak minute %3d: heap %d MB, threads %d, fds %d, redis clients %d, keys %d, near %d, calls %,d,"
                + " failed %d %s%n", minute, heap, threads, fds == null ? -1 : fds.length, clients, keys, entries, ops.sum(),
                failed, events);
    }

    /**
     * The redis-server the driver started, restarted from inside the framework (where the
     * testkit is not wired): its command line is read from {@code /proc}, and it is started again
     * with it, under a watchdog that kills it when this JVM ends.
     */
    static final class RedisProcess implements AutoCloseable {
        final int port;
        Process started;

        RedisProcess(int port) {
            this.port = port;
        }

        void restart(boolean kill) throws IOException, InterruptedException {
            String info = Resp.command(port, "INFO server");
            int at = info.indexOf("process_id:");
            long pid = Long.parseLong(info.substring(at + 11, info.indexOf('\r', at)).trim());
            // redis-server rewrites its process title, so its arguments are asked for, not read
            String dir = configGet("dir");
            List<String> args = List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", dir, "--save",
                    "", "--appendonly", "yes", "--appendfsync", configGet("appendfsync"), "--daemonize", "no",
                    "--logfile", dir + "/redis.log");
            // by name, not /proc/PID/exe: Debian's redis-server is a link whose name picks the mode
            String exe = System.getenv().getOrDefault("REDIS_SERVER", "redis-server");
            if (kill) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            } else {
                Resp.command(port, "SHUTDOWN");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) || answers()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("redis-server " + pid + " did not stop");
                }
                Thread.sleep(20);
            }
            Thread.sleep(2_000); // down for a while, as a real restart is
            String watchdog = "\"$0\" \"$@\" & c=$!; trap 'kill -9 $c 2>/dev/null' EXIT TERM; while kill -0 "
                    + ProcessHandle.current().pid() + " 2>/dev/null && kill -0 $c 2>/dev/null; do sleep 0.5; done";
            List<String> shell = new ArrayList<>(List.of("/bin/bash", "-c", watchdog, exe));
            shell.addAll(args);
            if (started != null) {
                started.destroy();
            }
            started = new ProcessBuilder(shell).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!answers()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("redis-server did not come back on " + port);
                }
                Thread.sleep(20);
            }
        }

        private String configGet(String key) throws IOException {
            String[] lines = Resp.command(port, "CONFIG GET " + key).split("\r\n");
            return lines[4]; // *2, $n, key, $n, value
        }

        private boolean answers() {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return Resp.command(port, "PING").contains("PONG");
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public void close() {
            if (started != null) {
                started.destroy();
            }
        }
    }
}
