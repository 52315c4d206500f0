package org.sessionstore.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.memory.MemoryStoreFactory;
import org.sessionstore.registry.Fronts;

/**
 * The memory store's get and add over 1,000,000 sessions, beside a bare ConcurrentHashMap doing
 * the same work (a lookup by id; a put of a session by id) in the same run. Thread counts are set
 * by the runner ({@link org.sessionstore.benchmarks.MemoryReport}).
 * The store is built as the registry builds it, by the backend's public factory; {@code frontGet}
 * is the same get through the published service (the registry's front and encryption layer);
 * {@code frontAdd} and {@code frontAddHeard} are adds through it without and with an event subscriber.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class MemoryStoreBenchmark {

    /**
     * How many sessions (1,000,000 by default; {@code -p size=10000} for a working set that fits
     * the processor's caches, which shows what of a gap is cache misses).
     */
    @Param({"1000000"})
    int size;

    SessionStore store;
    /** The same store as consumers get it: the registry's front and its encryption layer (no key). */
    SessionStore published;
    /** The same again, with every event wanted and handed to a handler that counts them. */
    SessionStore heard;
    final java.util.concurrent.atomic.LongAdder delivered = new java.util.concurrent.atomic.LongAdder();
    ConcurrentHashMap<String, Session> map;
    /**
     * A second baseline: a map that keeps each session's end beside it and checks it on a get, the
     * least a store with expiry does (one more object per entry, allocated on each put).
     */
    ConcurrentHashMap<String, Expiring> expiring;
    long nowMillis;

    record Expiring(Session session, long endMillis) {
    }
    String[] ids;
    Session[] sessions;

    @Setup
    public void fill() {
        store = new MemoryStoreFactory().create(Map.of("max_sessions", Integer.toString(2 * size)));
        published = Fronts.published(store, "memory");
        heard = Fronts.publishedAndHeard(store, "memory", (topic, properties) -> delivered.increment());
        map = new ConcurrentHashMap<>();
        expiring = new ConcurrentHashMap<>();
        nowMillis = System.currentTimeMillis();
        ids = new String[size];
        sessions = new Session[size];
        Instant now = Instant.now();
        for (int i = 0; i < size; i++) {
            ids[i] = "session-" + Integer.toHexString(i * 0x9E3779B9);
            sessions[i] = new Session(ids[i], "user" + i, "sub" + i, now, now.plus(Duration.ofHours(1)),
                    "access-token-" + i, "id-token-" + i, null);
            store.addSession(sessions[i]);
            map.put(ids[i], sessions[i]);
            expiring.put(ids[i], new Expiring(sessions[i], sessions[i].expiresAt().toEpochMilli()));
        }
        // promote the million sessions now, so the first young collection does not land in a measurement
        System.gc();
    }

    @TearDown
    public void close() {
        System.out.printf("%n(events delivered to the counting handler: %,d)%n", delivered.sum());
        store.close();
    }

    @Benchmark
    public Object storeGet() {
        return store.getSession(ids[ThreadLocalRandom.current().nextInt(size)]);
    }

    @Benchmark
    public Object frontGet() {
        return published.getSession(ids[ThreadLocalRandom.current().nextInt(size)]);
    }

    @Benchmark
    public Object mapGet() {
        return map.get(ids[ThreadLocalRandom.current().nextInt(size)]);
    }

    @Benchmark
    public void storeAdd() {
        store.addSession(sessions[ThreadLocalRandom.current().nextInt(size)]);
    }

    @Benchmark
    public void frontAdd() {
        published.addSession(sessions[ThreadLocalRandom.current().nextInt(size)]);
    }

    /** frontAdd with a subscriber: what posting an event costs the call. */
    @Benchmark
    public void frontAddHeard() {
        heard.addSession(sessions[ThreadLocalRandom.current().nextInt(size)]);
    }

    @Benchmark
    public Object mapAdd() {
        Session s = sessions[ThreadLocalRandom.current().nextInt(size)];
        return map.put(s.id(), s);
    }

    @Benchmark
    public Object expiringMapGet() {
        Expiring e = expiring.get(ids[ThreadLocalRandom.current().nextInt(size)]);
        return e != null && e.endMillis() > nowMillis ? e.session() : null;
    }

    @Benchmark
    public Object expiringMapAdd() {
        Session s = sessions[ThreadLocalRandom.current().nextInt(size)];
        return expiring.put(s.id(), new Expiring(s, s.expiresAt().toEpochMilli()));
    }
}
