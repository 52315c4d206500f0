package org.sessionstore.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
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
 * What the metrics cost a call, on the cheapest backend there is (a memory get is a few dozen
 * nanoseconds, so nothing hides the cost): a get and an add through the published store with its
 * metrics ({@code metered*}) beside the same calls through the front alone ({@code front*}), the
 * published store before issue 20. Both serve the same memory store of 1,000,000 sessions. Half the
 * gets miss, so both results are counted.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class MetricsBenchmark {

    static final int SESSIONS = 1_000_000;

    SessionStore store;
    SessionStore front;
    SessionStore metered;
    String[] ids;
    Session[] sessions;

    @Setup
    public void fill() {
        store = new MemoryStoreFactory().create(Map.of("max_sessions", Integer.toString(2 * SESSIONS)));
        front = Fronts.published(store, "memory");
        metered = Fronts.publishedAndMetered(store, "memory");
        ids = new String[2 * SESSIONS];
        sessions = new Session[SESSIONS];
        Instant now = Instant.now();
        for (int i = 0; i < SESSIONS; i++) {
            ids[2 * i] = "session-" + Integer.toHexString(i * 0x9E3779B9);
            ids[2 * i + 1] = "absent-" + Integer.toHexString(i * 0x9E3779B9);
            sessions[i] = new Session(ids[2 * i], "user" + i, "sub" + i, now, now.plus(Duration.ofHours(1)),
                    "access-token-" + i, "id-token-" + i, null);
            store.addSession(sessions[i]);
        }
        System.gc();
    }

    @TearDown
    public void close() {
        store.close();
    }

    @Benchmark
    public Object frontGet() {
        return front.getSession(ids[ThreadLocalRandom.current().nextInt(2 * SESSIONS)]);
    }

    @Benchmark
    public Object meteredGet() {
        return metered.getSession(ids[ThreadLocalRandom.current().nextInt(2 * SESSIONS)]);
    }

    @Benchmark
    public void frontAdd() {
        front.addSession(sessions[ThreadLocalRandom.current().nextInt(SESSIONS)]);
    }

    @Benchmark
    public void meteredAdd() {
        metered.addSession(sessions[ThreadLocalRandom.current().nextInt(SESSIONS)]);
    }
}
