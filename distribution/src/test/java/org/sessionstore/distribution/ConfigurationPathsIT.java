package org.sessionstore.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sessionstore.testkit.redis.RedisServer;

/**
 * The three doors of configuration (etc/*.cfg, the seed's YAML, a saved {@code use}) on the real
 * jar: what is found at start is in effect before the first line runs, edits never drop a live
 * session, and a bad file is refused with its file and line while the running store keeps serving.
 */
class ConfigurationPathsIT {

    @TempDir
    Path home;

    private Path etc() throws Exception {
        return Files.createDirectories(home.resolve("etc"));
    }

    /** Defect: the console started on the default store; the YAML's max_sessions: 1 came too late. Three times. */
    @Test
    void theYamlFoundAtStartIsInEffectBeforeTheFirstLine() throws Exception {
        Files.writeString(etc().resolve("session-store.yaml"),
                "session_store:\n  type: memory\n  config:\n    max_sessions: 1\n");
        for (int run = 0; run < 3; run++) {
            try (RunningJar jar = new RunningJar(home)) {
                assertEquals(1, jar.script("sessionstore:add s1 u1", "sessionstore:add s2 u2", "sessionstore:count"),
                        "s2 is refused, so the exit status is 1");
                assertTrue(jar.out().matches("(?s)added session s1 for u1.*\\n1\\n?"), jar.out());
                assertTrue(jar.err().contains("error: the memory store holds 1 session, its limit max_sessions=1"), jar.err());
            }
        }
    }

    @Test
    void theCfgFoundAtStartIsInEffectBeforeTheFirstLine() throws Exception {
        Files.writeString(etc().resolve("sessionstore.cfg"), "type = memory\nmax_sessions = 1\n");
        try (RunningJar jar = new RunningJar(home)) {
            assertEquals(1, jar.script("sessionstore:add s1 u1", "sessionstore:add s2 u2", "sessionstore:count"));
            assertTrue(jar.out().matches("(?s)added session s1 for u1.*\\n1\\n?"), jar.out());
        }
    }

    /**
     * Defects: raising max_sessions in etc/sessionstore.cfg emptied the store; a typo in the type
     * closed it; cfg errors named neither file nor line and echoed control bytes.
     */
    @Test
    void editingTheCfgNeverDropsALiveSession() throws Exception {
        Path cfg = etc().resolve("sessionstore.cfg");
        Files.writeString(cfg, "type = memory\nmax_sessions = 100\n");
        try (RunningJar jar = new RunningJar(home)) {
            jar.send("sessionstore:add kept alice 1h");
            Files.writeString(cfg, "type = memory\nmax_sessions = 200\n");
            jar.poll("sessionstore:info", o -> o.matches("(?s).*max_sessions +200.*"), 20_000);
            jar.send("sessionstore:count");

            Files.writeString(cfg, "type = memmory\nmax_sessions = 200\n");
            String out = jar.poll("sessionstore:info", o -> o.contains("PENDING"), 20_000);
            assertTrue(out.contains("configured type 'memmory' is pending"), out);
            assertTrue(out.matches("(?s).*sessions +1\\n.*"), "the running store keeps its session:\n" + out);
            jar.send("sessionstore:get kept");

            Files.writeString(cfg, "type = memory\nmax_sessions = lo\u001b[31mts\n");
            out = jar.poll("sessionstore:info", o -> o.contains("refused"), 20_000);
            assertTrue(out.contains(cfg.toString() + ":2: key 'max_sessions': bad value 'lo\\u001B[31mts'"), out);
            assertFalse(out.contains("\u001b"), "a control byte reached the terminal");
            assertTrue(out.matches("(?s).*sessions +1\\n.*"), out);
            assertEquals(0, jar.finish());
            assertTrue(jar.out().matches("(?s).*\\n1\\n.*username +alice.*"), jar.out());
            assertFalse(jar.err().contains("\u001b"), "a control byte reached the log");
        }
    }

    /** Defects: a bad YAML logged every second forever; a large one cost seconds of CPU per edit; a YAML naming an absent type was never retried. */
    @Test
    void theYamlWatcherReportsEachBadFileOnceAndRetriesAWaitingType() throws Exception {
        Path yaml = etc().resolve("session-store.yaml");
        Path redisJar = Path.of(System.getProperty("redis.bundle"));
        try (RedisServer redis = new RedisServer(); RunningJar jar = new RunningJar(home)) {
            jar.send("sessionstore:add kept alice 1h");
            byte[] big = new byte[8 << 20];
            java.util.Arrays.fill(big, (byte) '#');
            Files.write(yaml, big);
            String out = jar.poll("sessionstore:info", o -> o.contains("refused"), 20_000);
            assertTrue(out.contains("session-store.yaml: the file is 8388608 bytes long; at most 65536 are read"), out);

            Files.write(yaml, new byte[] {'s', 'e', (byte) 0xff, (byte) 0xfe, '\n'});
            out = jar.poll("sessionstore:info", o -> o.contains("not UTF-8"), 20_000);
            Thread.sleep(2_500);

            Files.writeString(yaml, "session_store:\n  type: redis\n  config:\n    addr: \"" + redis.addr() + "\"\n");
            out = jar.poll("sessionstore:info", o -> o.contains("PENDING"), 20_000);
            assertTrue(out.contains("configured type 'redis' is pending"), out);

            Path tmp = home.resolve("redis.tmp");
            Files.copy(redisJar, tmp);
            Files.move(tmp, home.resolve("deploy/redis-bundle.jar"), StandardCopyOption.ATOMIC_MOVE);
            out = jar.poll("sessionstore:info", o -> o.matches("(?s)type +redis.*state +ACTIVE.*"), 30_000);
            jar.send("sessionstore:get kept");
            assertEquals(0, jar.finish());
            assertTrue(jar.out().matches("(?s).*id +kept\\n+username +alice.*"), "migrated into redis:\n" + jar.out());
            assertTrue(redis.command("HGET session:kept username").contains("alice"));
            String err = jar.err();
            assertEquals(1, count(err, "not UTF-8"), "a bad file is reported once per change:\n" + err);
            assertEquals(1, count(err, "8388608 bytes long"), err);
        }
    }

    /** Found in review: removing etc/sessionstore.cfg switched to an empty default store. */
    @Test
    void removingTheCfgKeepsTheRunningConfigurationAndUseSaysTheFileWins() throws Exception {
        Path cfg = etc().resolve("sessionstore.cfg");
        Files.writeString(cfg, "type = memory\nmax_sessions = 100\n");
        try (RunningJar jar = new RunningJar(home)) {
            jar.send("sessionstore:add kept alice 1h");
            jar.send("sessionstore:use memory max_sessions=150");
            jar.awaitOut(o -> o.contains("active store"), 20_000);
            Files.delete(cfg);
            jar.poll("sessionstore:count", o -> o.equals("1\n"), 5_000);
            Thread.sleep(2_500); // FileInstall notices the removal within a second
            jar.send("sessionstore:info");
            assertEquals(0, jar.finish());
            assertTrue(jar.out().contains("note: " + cfg + " sets this configuration at every start, so this change lasts"
                    + " until the next restart; edit that file to keep it"), jar.out());
            assertTrue(jar.out().matches("(?s).*sessions +1\n.*max_sessions +150\n.*"), jar.out());
            assertTrue(jar.err().contains("the configuration of PID sessionstore was deleted"), jar.err());
        }
    }

    /** Defect: after a saved 'use redis', every restart stalled 30 s waiting for 'memory'. */
    @Test
    void aSavedUseIsTheStoreAtTheNextStartWithoutAStall() throws Exception {
        Path redisJar = Path.of(System.getProperty("redis.bundle"));
        try (RedisServer redis = new RedisServer()) {
            Files.createDirectories(home.resolve("deploy"));
            Files.copy(redisJar, home.resolve("deploy/redis-bundle.jar"));
            try (RunningJar jar = new RunningJar(home)) {
                jar.poll("sessionstore:types", o -> o.contains("redis"), 20_000);
                assertEquals(0, jar.script("sessionstore:use redis addr=" + redis.addr(), "sessionstore:add r1 bob 1h"));
            }
            long start = System.nanoTime();
            try (RunningJar jar = new RunningJar(home)) {
                assertEquals(0, jar.script("sessionstore:info", "sessionstore:get r1"));
                long seconds = (System.nanoTime() - start) / 1_000_000_000L;
                assertTrue(jar.out().matches("(?s)type +redis\\nstate +ACTIVE.*source +ConfigAdmin PID sessionstore.*username +bob.*"),
                        jar.out());
                assertFalse(jar.err().contains("warning:"), jar.err());
                assertTrue(seconds < 20, "the restart took " + seconds + " s");
            }
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
