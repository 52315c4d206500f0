package org.sessionstore.registry;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.sessionstore.api.Migration;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.memory.MemoryStoreFactory;
import org.sessionstore.redis.RedisStoreFactory;
import org.sessionstore.testkit.redis.RedisServer;

/**
 * Sessions copied per second by a migration (the registry's {@link Migrator}) at 100,000
 * sessions, beside the baseline of the same sessions added one by one to the same kind of target
 * in the same run: memory to redis, redis to memory, memory to memory.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar org.sessionstore.registry.MigrationReport}
 * (a harness in the registry's test sources, shipped in the benchmarks jar).
 */
public final class MigrationReport {

    static final int SESSIONS = 100_000;

    private MigrationReport() {
    }

    public static void main(String[] args) throws Exception {
        try (RedisServer redis = new RedisServer("--appendonly", "no")) {
            Map<String, String> redisConfig = Map.of("addr", redis.addr());
            Session[] sessions = new Session[SESSIONS];
            Instant now = Instant.now();
            for (int i = 0; i < SESSIONS; i++) {
                sessions[i] = new Session("m-" + i, "user" + i, "sub" + i, now, now.plusSeconds(3600), "at-" + i, "it-" + i, null);
            }
            System.out.println("== --migrate at 100,000 sessions (sessions/s; ratio = copy / plain adds into the same target) ==");
            for (String[] pair : new String[][] {{"memory", "redis"}, {"redis", "memory"}, {"memory", "memory"}}) {
                redis.command("FLUSHALL");
                try (SessionStore from = create(pair[0], redisConfig)) {
                    for (Session s : sessions) {
                        from.addSession(s);
                    }
                    double copied;
                    try (SessionStore to = create(pair[1], redisConfig)) {
                        Migration m = Migrator.copy(pair[1], (org.sessionstore.api.TransferableStore) from, to, null,
                                line -> { });
                        copied = m.sessions() / seconds(m.took());
                    }
                    if (pair[1].equals("redis")) {
                        redis.command("FLUSHALL");
                    }
                    double plain;
                    try (SessionStore to = create(pair[1], Map.of("addr", redis.addr(), "session_prefix", "p:s:",
                            "state_prefix", "p:t:"))) {
                        long start = System.nanoTime();
                        for (Session s : sessions) {
                            to.addSession(s);
                        }
                        plain = SESSIONS / seconds(Duration.ofNanos(System.nanoTime() - start));
                    }
                    System.out.printf("%-6s -> %-6s  copied %,10.0f/s   plain adds %,10.0f/s   ratio %.2f%n", pair[0], pair[1],
                            copied, plain, copied / plain);
                }
            }
        }
    }

    private static SessionStore create(String type, Map<String, String> redisConfig) {
        return type.equals("redis") ? new RedisStoreFactory().create(redisConfig) : new MemoryStoreFactory().create(Map.of());
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
