package org.sessionstore.benchmarks;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
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
import org.sessionstore.api.crypto.EncryptedStore;
import org.sessionstore.api.crypto.TokenKeys;
import org.sessionstore.memory.MemoryStoreFactory;

/**
 * What token encryption costs: the memory store's get and add of sessions with three tokens
 * (access ~800 bytes, ID ~900, verifier 43), plain and behind {@link EncryptedStore} as the
 * registry puts it with {@code encryption_key}, in the same run (the memory store, so the cipher
 * is what is measured, not a network). {@link EncryptionReport} prints the ratios.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class EncryptionBenchmark {

    static final int SESSIONS = 100_000;

    SessionStore plain;
    SessionStore encrypted;
    String[] ids;
    Session[] sessions;

    @Setup
    public void fill() {
        MemoryStoreFactory factory = new MemoryStoreFactory();
        plain = factory.create(Map.of("max_sessions", Integer.toString(2 * SESSIONS)));
        encrypted = EncryptedStore.of(factory.create(Map.of("max_sessions", Integer.toString(2 * SESSIONS))),
                TokenKeys.of(Base64.getEncoder().encodeToString(new byte[32]), null));
        ids = new String[SESSIONS];
        sessions = new Session[SESSIONS];
        Instant now = Instant.now();
        String access = "a".repeat(800);
        String id = "i".repeat(900);
        for (int i = 0; i < SESSIONS; i++) {
            ids[i] = "session-" + Integer.toHexString(i * 0x9E3779B9);
            sessions[i] = new Session(ids[i], "user" + i, "sub" + i, now, now.plus(Duration.ofHours(1)), access + i, id + i,
                    "verifier-verifier-verifier-verifier-" + i);
            plain.addSession(sessions[i]);
            encrypted.addSession(sessions[i]);
        }
        System.gc();
    }

    @TearDown
    public void close() {
        plain.close();
        encrypted.close();
    }

    @Benchmark
    public Object plainGet() {
        return plain.getSession(ids[ThreadLocalRandom.current().nextInt(SESSIONS)]);
    }

    @Benchmark
    public Object encryptedGet() {
        return encrypted.getSession(ids[ThreadLocalRandom.current().nextInt(SESSIONS)]);
    }

    @Benchmark
    public void plainAdd() {
        plain.addSession(sessions[ThreadLocalRandom.current().nextInt(SESSIONS)]);
    }

    @Benchmark
    public void encryptedAdd() {
        encrypted.addSession(sessions[ThreadLocalRandom.current().nextInt(SESSIONS)]);
    }
}
