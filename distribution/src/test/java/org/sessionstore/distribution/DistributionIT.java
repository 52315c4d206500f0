package org.sessionstore.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sessionstore.testkit.redis.RedisCluster;
import org.sessionstore.testkit.redis.RedisSentinels;
import org.sessionstore.testkit.redis.RedisServer;

/** The runnable jar as an operator uses it: piped commands, deploy/ and etc/ while it runs. */
class DistributionIT {

    @TempDir
    Path home;

    @Test
    void pipedCommandsRunInOrderAndTheProcessExitsWithZero() throws Exception {
        try (RunningJar jar = new RunningJar(home)) {
            jar.send("sessionstore:types");
            jar.send("lb");
            jar.send("sessionstore:add s1 alice 30m");
            jar.send("sessionstore:get s1");
            jar.send("sessionstore:count");
            jar.send("sessionstore:add s1");
            jar.send("sessionstore:add s2 bob never");
            jar.send("sessionstore:delete s1");
            jar.send("sessionstore:count");
            jar.send("sessionstore:clean");
            jar.send("sessionstore:info");
            jar.send("sessionstore:use nope");
            assertEquals(1, jar.finish(), "a failed command makes the exit status 1");
            String out = jar.out();
            String err = jar.err();
            assertTrue(out.startsWith("  TYPE"), out);
            assertTrue(out.matches("(?s).*\\* memory +org\\.sessionstore\\.memory +0\\.1\\.0.*"), out);
            assertTrue(out.contains("Session Store registry"), out);
            for (String line : out.lines().filter(l -> l.matches(" *\\d+\\|.*")).toList()) {
                assertTrue(line.contains("|Active"), "not active: " + line);
            }
            assertTrue(out.contains("added session s1 for alice"), out);
            assertTrue(out.matches("(?s).*username +alice.*accessToken +-.*"), out);
            assertTrue(out.contains("deleted session s1"), out);
            assertTrue(out.matches("(?s).*\\n1\\n.*\\n0\\n.*"), out);
            assertTrue(out.contains("removed 0 expired sessions"), out);
            assertTrue(out.matches("(?s).*state +ACTIVE.*"), out);
            // issue 18: the command's usage, not Gogo's list of signatures
            assertTrue(err.contains("error: a session needs an id and a user name; usage: sessionstore:add [--access-token T]"
                    + " [--id-token T] [--sid SID] ID USERNAME [TTL]"), err);
            assertFalse(err.contains("Cannot coerce") || err.contains("(String, String"), err);
            assertTrue(err.contains("error: bad TTL: 'never' is not a duration"), err);
            assertTrue(err.contains("error: unsupported session store type 'nope' (available: memory)"), err);
            assertFalse(err.contains("\tat "), "a stack trace was printed:\n" + err);
        }
    }

    @Test
    void migrateHousekeepingAndBackendKeysFromTheShell() throws Exception {
        try (RunningJar jar = new RunningJar(home)) {
            jar.send("sessionstore:add m1 alice 1h");
            jar.send("sessionstore:add m2 bob 1h");
            jar.send("sessionstore:add short carol 1s");
            jar.send("sessionstore:use --migrate memory max_sessions=100");
            jar.send("sessionstore:count");
            jar.send("sessionstore:use memory max_sessions=200 clean_interval=1s");
            jar.send("sessionstore:count");
            jar.send("sessionstore:types -v");
            jar.poll("sessionstore:info", out -> out.matches("(?s).*last clean +\\d{4}-.*removed \\d+ sessions.*"), 20_000);
            assertEquals(0, jar.finish());
            String out = jar.out();
            assertTrue(out.matches("(?s).*active store: memory .*max_sessions=100.*; copied [23] sessions and 0 states in \\d+ ms\\n[23]\\n.*"), out);
            // reconfiguring the in-process store migrates its entries: nothing is dropped
            assertTrue(out.matches("(?s).*active store: memory .*clean_interval=1s.*max_sessions=200.*copied [23] sessions.*\\n[23]\\n.*"), out);
            assertTrue(out.matches("(?s).*max_sessions +0 +the most sessions held; a full store refuses new ones \\(0: fit to"
                    + " the heap.*"), out);
        }
    }

    @Test
    void configInEtcAndBundlesInDeployArePickedUpWhileRunning() throws Exception {
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/sessionstore.cfg"), "type = memory\nmax_sessions = 7\n");
        try (RunningJar jar = new RunningJar(home)) {
            jar.poll("sessionstore:info", out -> out.matches("(?s).*max_sessions +7.*"), 20_000);

            Files.writeString(home.resolve("etc/sessionstore.cfg"), "type = memory\nmax_sessions = 9\n");
            jar.poll("sessionstore:info", out -> out.matches("(?s).*max_sessions +9.*"), 20_000);

            Manifest mf = new Manifest();
            mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            mf.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
            mf.getMainAttributes().putValue("Bundle-SymbolicName", "test.hotdeploy");
            mf.getMainAttributes().putValue("Bundle-Version", "1.2.3");
            Path tmp = home.resolve("hotdeploy.jar");
            try (OutputStream o = Files.newOutputStream(tmp); JarOutputStream j = new JarOutputStream(o, mf)) {
                j.flush();
            }
            Files.move(tmp, home.resolve("deploy/hotdeploy.jar"));
            jar.poll("lb", out -> out.matches("(?s).*\\|Active +\\| +\\d+\\|test\\.hotdeploy \\(1\\.2\\.3\\).*"), 20_000);
            assertEquals(0, jar.finish());
        }
    }

    /** The one redis jar dropped into a running distribution, used from the shell, then configured from etc/. */
    @Test
    void redisJarDroppedIntoDeployBecomesUsableWithoutRestart() throws Exception {
        Path redisJar = Path.of(System.getProperty("redis.bundle"));
        try (RedisServer redis = new RedisServer("--requirepass", "dist-pw")) {
            try (RunningJar jar = new RunningJar(home)) {
                jar.poll("sessionstore:types", out -> out.contains("* memory"), 20_000);
                Path tmp = home.resolve("redis.tmp");
                Files.copy(redisJar, tmp);
                Files.move(tmp, home.resolve("deploy/redis-bundle.jar"), StandardCopyOption.ATOMIC_MOVE);
                jar.poll("sessionstore:types", out -> out.matches("(?s).*  redis +org\\.sessionstore\\.redis +0\\.1\\.0.*"), 20_000);

                jar.send("sessionstore:use redis addr=" + redis.addr() + " ttl=24h password=dist-pw");
                jar.poll("sessionstore:info", out -> out.matches("(?s)type +redis.*state +ACTIVE.*password +\\*\\*\\*.*"), 20_000);
                jar.send("sessionstore:add r1 bob 10m");
                jar.poll("sessionstore:get r1", out -> out.matches("(?s).*username +bob.*"), 10_000);
                assertTrue(redis.command("AUTH dist-pw\r\nHGET session:r1 username").contains("bob"));
                assertEquals(0, jar.finish());
                assertFalse(jar.out().contains("dist-pw") || jar.err().contains("dist-pw"), "the password was printed");
            }
            // the same settings from etc/, read again at the next start
            Files.writeString(home.resolve("etc/sessionstore.cfg"),
                    "type = redis\naddr = " + redis.addr() + "\npassword = dist-pw\nttl = 24h\n");
            try (RunningJar jar = new RunningJar(home)) {
                jar.send("sessionstore:info");
                jar.send("sessionstore:get r1");
                assertEquals(0, jar.finish());
                assertTrue(jar.out().matches("(?s)type +redis.*state +ACTIVE.*username +bob.*"), jar.out() + jar.err());
                assertFalse(jar.out().contains("dist-pw") || jar.err().contains("dist-pw"), "the password was printed");
            }
        }
    }

    /**
     * Issue 10: a Redis Cluster from the shell, then a sentinel-managed primary (sentinels with a
     * password) from the seed YAML, its list form included; info shows the topology, types -v the keys.
     */
    @Test
    void clusterFromTheShellAndSentinelFromTheYaml() throws Exception {
        Path redisJar = Path.of(System.getProperty("redis.bundle"));
        Files.createDirectories(home.resolve("deploy"));
        Files.copy(redisJar, home.resolve("deploy/redis-bundle.jar"));
        try (RedisServer single = new RedisServer("--appendonly", "no");
                RedisCluster cluster = new RedisCluster(3, 0);
                RedisSentinels sentinels = new RedisSentinels(1, "--requirepass", "data-pw-10")) {
            try (RunningJar jar = new RunningJar(home)) {
                jar.poll("sessionstore:types", out -> out.contains("redis"), 20_000);
                // a live standalone store moved into the cluster
                jar.send("sessionstore:use redis addr=" + single.addr() + " ttl=1h");
                jar.poll("sessionstore:info", out -> out.matches("(?s)type +redis.*state +ACTIVE.*one server at.*"), 20_000);
                jar.send("sessionstore:add c0 dora 10m");
                jar.send("sessionstore:use --migrate redis cluster_nodes=" + cluster.nodes().get(0).addr() + " ttl=1h");
                jar.poll("sessionstore:info", out -> out.matches("(?s)type +redis.*state +ACTIVE.*cluster_nodes.*"), 20_000);
                jar.send("sessionstore:get c0");
                jar.send("sessionstore:add c1 carol 10m");
                jar.poll("sessionstore:info", out -> out.matches("(?s).*Cluster: 3 primaries: 127\\.0\\.0\\.1:\\d+ \\(\\d+ slots\\).*"),
                        20_000);
                jar.send("sessionstore:get c1");
                jar.send("sessionstore:types -v");
                Path yaml = home.resolve("etc/session-store.yaml");
                Files.writeString(yaml, "session_store:\n  type: redis\n  config:\n    sentinels:\n"
                        + String.join("", java.util.Arrays.stream(sentinels.sentinelAddrs().split(","))
                                .map(a -> "      - \"" + a + "\"\n").toList())
                        + "    master_name: sessions\n    password: data-pw-10\n    min_replicas_ack: 1\n");
                jar.poll("sessionstore:info", out -> out.matches("(?s).*Sentinel: primary 'sessions' at 127\\.0\\.0\\.1:"
                        + sentinels.primary().port() + ".*"), 20_000);
                jar.send("sessionstore:add s1 sam 10m");
                jar.send("sessionstore:get s1");
                assertEquals(0, jar.finish());
                String out = jar.out();
                assertTrue(out.matches("(?s).*active store: redis .*cluster_nodes=.*; copied 1 session and 0 states in \\d+ ms.*"), out);
                assertTrue(out.matches("(?s).*username +dora.*username +carol.*"), out);
                assertTrue(out.matches("(?s).*\\n +cluster_nodes +\\(none\\) +host:port list of Redis Cluster nodes.*"), out);
                assertTrue(out.matches("(?s).*\\n +min_replicas_ack +0 +when above 0.*"), out);
                assertTrue(out.matches("(?s).*\\n +sentinel_password +\\(secret\\) +AUTH password of the sentinels.*"), out);
                assertTrue(out.matches("(?s).*username +sam.*"), out + jar.err());
                assertFalse(out.contains("data-pw-10") || jar.err().contains("data-pw-10"), "the password was printed");
            }
            assertTrue(sentinels.primary().command("AUTH data-pw-10\r\nHGET session:s1 username").contains("sam"));
        }
    }

    /**
     * The jdbc backend as a user deploys it: its jar and the PostgreSQL driver's jar in deploy/;
     * the type waits for the driver, then works against the real PostgreSQL, revoke included.
     */
    @Test
    void jdbcJarAndTheDriverJarInDeployGiveAPostgresqlStore() throws Exception {
        String schema = "dist_" + Long.toHexString(System.nanoTime());
        String url = "jdbc:postgresql://127.0.0.1:5432/test";
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "postgres", "");
                java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        try (RunningJar jar = new RunningJar(home)) {
            jar.poll("sessionstore:types", out -> out.contains("* memory"), 20_000);
            Files.createDirectories(home.resolve("deploy"));
            Path tmp = home.resolve("jdbc.tmp");
            Files.copy(Path.of(System.getProperty("jdbc.bundle")), tmp);
            Files.move(tmp, home.resolve("deploy/jdbc-bundle.jar"), StandardCopyOption.ATOMIC_MOVE);
            // without the driver the type is not there
            Thread.sleep(3_000);
            jar.send("sessionstore:types");
            Files.copy(Path.of(System.getProperty("postgresql.driver")), tmp);
            Files.move(tmp, home.resolve("deploy/postgresql.jar"), StandardCopyOption.ATOMIC_MOVE);
            jar.poll("sessionstore:types", out -> out.matches("(?s).*  jdbc +org\\.sessionstore\\.jdbc .*"), 20_000);
            // quoted: Gogo reads a ? in a word as a file-name pattern
            jar.send("sessionstore:use jdbc 'url=" + url + "?currentSchema=" + schema + "' user=postgres ttl=1h");
            jar.send("sessionstore:add j1 jane 10m");
            jar.send("sessionstore:add j2 jane 10m");
            jar.send("sessionstore:get j1");
            jar.send("sessionstore:revoke jane");
            jar.send("sessionstore:count");
            jar.send("sessionstore:info");
            assertEquals(0, jar.finish(), jar.out() + jar.err());
            String out = jar.out();
            assertFalse(out.matches("(?s).*  jdbc +org\\.sessionstore\\.jdbc .*  TYPE.*"), "jdbc listed without its driver: " + out);
            assertTrue(out.matches("(?s).*active store: jdbc .*username +jane.*revoked 2 sessions of subject 'jane'\\n0\\n.*"),
                    out + jar.err());
            assertTrue(out.matches("(?s).*postgresql +jdbc:postgresql://127\\.0\\.0\\.1:5432/test, tables sessionstore_sessions.*"), out);
        } finally {
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "postgres", "");
                    java.sql.Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    /** sessionstore:health for a liveness probe: OK with the probe's time, CRITICAL (exit status 1) when the backend is gone. */
    @Test
    void healthSaysOkThenCriticalWithExitStatusOne() throws Exception {
        Files.createDirectories(home.resolve("deploy"));
        Files.copy(Path.of(System.getProperty("redis.bundle")), home.resolve("deploy/redis-bundle.jar"));
        RedisServer redis = new RedisServer("--requirepass", "health-pw");
        try (RunningJar jar = new RunningJar(home)) {
            jar.send("sessionstore:health");
            // the Felix Health Check is there too, tagged sessionstore
            jar.send("inspect capability service org.sessionstore.healthcheck");
            jar.poll("sessionstore:types", out -> out.contains("redis"), 20_000);
            jar.send("sessionstore:use redis addr=" + redis.addr() + " password=health-pw timeout=500ms");
            jar.poll("sessionstore:health", out -> out.contains("OK redis ACTIVE"), 20_000);
            redis.close();
            jar.send("sessionstore:health");
            assertEquals(1, jar.finish(), jar.out() + jar.err());
            assertTrue(jar.out().matches("(?s)OK memory ACTIVE, probe \\d+\\.\\d ms\\n.*OK redis ACTIVE, probe \\d+\\.\\d ms\\n.*"),
                    jar.out() + jar.err());
            assertTrue(jar.err().matches("(?s).*error: CRITICAL redis ACTIVE: redis at 127\\.0\\.0\\.1:\\d+ is unavailable.*"),
                    jar.err());
            assertTrue(jar.out().matches("(?s).*org\\.apache\\.felix\\.hc\\.api\\.HealthCheck.*hc\\.tags.*sessionstore.*"),
                    jar.out());
            assertFalse((jar.out() + jar.err()).contains("health-pw"), "the password was printed");
        } finally {
            redis.close();
        }
    }

    /** The example backend of the README (examples/file-store) dropped into deploy/: listed with its keys, usable. */
    @Test
    void theExampleFileBackendIsListedAndUsableWhenItsJarLands() throws Exception {
        try (RunningJar jar = new RunningJar(home)) {
            jar.poll("sessionstore:types", out -> out.contains("* memory"), 20_000);
            Files.createDirectories(home.resolve("deploy"));
            Path tmp = home.resolve("file-store.tmp");
            Files.copy(Path.of(System.getProperty("file.store.bundle")), tmp);
            Files.move(tmp, home.resolve("deploy/file-store.jar"), StandardCopyOption.ATOMIC_MOVE);
            jar.poll("sessionstore:types", out -> out.matches("(?s).*  file +org\\.example\\.filestore .*"), 20_000);
            jar.send("sessionstore:types -v");
            jar.send("sessionstore:use file dir=" + home.resolve("files"));
            jar.send("sessionstore:add f1 frida 10m");
            jar.send("sessionstore:get f1");
            jar.send("sessionstore:count");
            assertEquals(0, jar.finish());
            String out = jar.out();
            assertTrue(out.matches("(?s).*\\n +dir +data/sessions +directory of the session and state files.*"), out);
            assertTrue(out.matches("(?s).*active store: file .*username +frida.*\\n1\\n.*"), out + jar.err());
        }
    }

    /** The Go original's YAML, applied at start and on change; a bad file names file, line and key and changes nothing. */
    @Test
    void seedYamlIsAppliedAndItsErrorsNameFileLineAndKey() throws Exception {
        Files.createDirectories(home.resolve("etc"));
        Path yaml = home.resolve("etc/session-store.yaml");
        Files.writeString(yaml, "session_store:\n  type: memory\n  config:\n    max_sessions: 42\n");
        try (RunningJar jar = new RunningJar(home)) {
            jar.poll("sessionstore:info", out -> out.matches("(?s).*max_sessions +42.*"), 20_000);

            Files.writeString(yaml, "session_store:\n  type: memory\n  config:\n    max_sessions: lots\n");
            String out = jar.poll("sessionstore:info", o -> o.contains("refused"), 20_000);
            assertTrue(out.contains("session-store.yaml:4: key 'max_sessions': bad value 'lots'"), out);
            assertTrue(out.matches("(?s).*max_sessions +42.*"), "the running store changed:\n" + out);

            // a type no bundle provides yet is pending: the running store keeps serving until one arrives
            Files.writeString(yaml, "session_store:\n  type: mongo\n  config: {}\n");
            out = jar.poll("sessionstore:info", o -> o.contains("mongo"), 20_000);
            assertTrue(out.matches("(?s).*state +PENDING.*provider +org\\.sessionstore\\.memory.*"), out);
            assertTrue(out.contains("configured type 'mongo' is pending: no bundle provides store.type=mongo (available: memory)"), out);
            Files.writeString(yaml, "session_store:\n  type: memory\n  config:\n    max_sessions: 42\n");
            jar.poll("sessionstore:info", o -> o.matches("(?s).*state +ACTIVE.*max_sessions +42.*"), 20_000);

            Files.writeString(yaml, "session_store:\n  type: memory\n  config: {max_sessions: 43\n");
            out = jar.poll("sessionstore:info", o -> o.contains("not valid YAML"), 20_000);
            assertTrue(out.matches("(?s).*session-store\\.yaml:\\d+: not valid YAML.*"), out);
            assertTrue(out.matches("(?s).*max_sessions +42.*"), out);
            assertEquals(0, jar.finish());
        }
    }
}
