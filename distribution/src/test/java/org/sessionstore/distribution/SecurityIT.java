package org.sessionstore.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sessionstore.testkit.redis.RedisServer;

/**
 * The distribution as an adversary finds it: secrets by reference never resolved into storage or
 * shown, data/ for its user only, a guarded deploy/, hostile text escaped.
 */
class SecurityIT {

    static final String SECRET = "sup3r-s3cret-pw";

    @TempDir
    Path home;

    private Path etc() throws Exception {
        return Files.createDirectories(home.resolve("etc"));
    }

    private void dropRedisJar() throws Exception {
        Files.createDirectories(home.resolve("deploy"));
        Files.copy(Path.of(System.getProperty("redis.bundle")), home.resolve("deploy/redis-bundle.jar"));
    }

    /** Every file under data/, read as text: none may hold the secret. */
    private void assertNoSecretAtRest() throws Exception {
        try (Stream<Path> files = Files.walk(home.resolve("data"))) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(p) && !p.toString().contains("felix-cache") && !p.toString().contains("system")) {
                    assertFalse(Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1).contains(SECRET),
                            "the secret is stored in clear in " + p);
                }
            }
        }
    }

    /** Defect: a password in etc/sessionstore.cfg, the YAML or use was saved resolved and shown by scr:info. */
    @Test
    void secretsByReferenceWorkAndAreNeverStoredOrShown() throws Exception {
        try (RedisServer redis = new RedisServer("--requirepass", SECRET)) {
            dropRedisJar();
            Files.createDirectories(etc().resolve("secrets"));
            Files.writeString(etc().resolve("secrets/redis_pw"), SECRET + "\n");
            Files.writeString(etc().resolve("sessionstore.cfg"),
                    "type = redis\naddr = " + redis.addr() + "\npassword = $[secret:redis_pw]\n");
            try (RunningJar jar = new RunningJar(home, Map.of("REDIS_PW", SECRET))) {
                jar.send("sessionstore:add a alice 1h --access-token tok");
                jar.send("sessionstore:info");
                jar.send("scr:info org.sessionstore.registry.SessionStoreRegistry");
                jar.send("scr:info org.sessionstore.redis.RedisStoreFactory");
                jar.send("inspect capability service org.sessionstore.registry");
                jar.send("sessionstore:use redis addr=" + redis.addr() + " 'password=$[env:REDIS_PW]' ttl=2h");
                jar.send("sessionstore:get a");
                assertEquals(0, jar.finish(), jar.err());
                assertTrue(jar.out().matches("(?s)added session a for alice, access token \\*\\*\\*.*type +redis\\nstate +ACTIVE.*"),
                        jar.out());
                assertFalse(jar.out().contains(SECRET) || jar.err().contains(SECRET), "the secret was printed");
                assertTrue(jar.out().contains("username      alice"), jar.out());
            }
            assertTrue(Files.readString(home.resolve("data/config/sessionstore.config")).contains("$[env:REDIS_PW]"));
            assertNoSecretAtRest();
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("data"))));
            assertEquals("rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("data/config/sessionstore.config"))));
        }
    }

    @Test
    void aSecretInTheYamlByReferenceAndAnUnresolvedOneSaysWhy() throws Exception {
        try (RedisServer redis = new RedisServer("--requirepass", SECRET)) {
            dropRedisJar();
            Files.createDirectories(etc().resolve("secrets"));
            Files.writeString(etc().resolve("secrets/redis_pw"), SECRET);
            Path yaml = etc().resolve("session-store.yaml");
            Files.writeString(yaml, "session_store:\n  type: redis\n  config:\n    addr: \"" + redis.addr()
                    + "\"\n    password: \"$[secret:redis_pw]\"\n");
            try (RunningJar jar = new RunningJar(home)) {
                jar.send("sessionstore:add y bob");
                jar.send("sessionstore:use memory 'encryption_key=$[secret:missing_key]'");
                assertEquals(1, jar.finish());
                assertTrue(jar.out().contains("added session y for bob"), jar.out() + jar.err());
                assertTrue(jar.err().contains("the placeholder $[secret:missing_key] in key 'encryption_key' was not resolved:"
                        + " no such file in the secrets directory"), jar.err());
            }
            assertNoSecretAtRest();
        }
    }

    @Test
    void aClearPasswordGivenToUseWorksAndIsWarnedAboutOnce() throws Exception {
        try (RedisServer redis = new RedisServer("--requirepass", SECRET)) {
            dropRedisJar();
            try (RunningJar jar = new RunningJar(home)) {
                jar.poll("sessionstore:types", o -> o.contains("redis"), 20_000);
                jar.send("sessionstore:use redis addr=" + redis.addr() + " password=" + SECRET);
                jar.send("sessionstore:use redis addr=" + redis.addr() + " password=" + SECRET + " ttl=1h");
                jar.send("sessionstore:add c carol");
                assertEquals(0, jar.finish(), jar.err());
                assertFalse(jar.out().contains(SECRET) || jar.err().contains(SECRET), "the secret was printed");
                assertEquals(1, jar.err().split("gives 'password' in clear", -1).length - 1, jar.err());
            }
            assertEquals("rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("data/config/sessionstore.config"))));
        }
    }

    /** Defect: info failed as a command when Redis was down or refused the login, exactly when it is needed. */
    @Test
    void infoNeverFailsAndSaysWhyTheBackendCannotAnswer() throws Exception {
        try (RedisServer redis = new RedisServer("--requirepass", SECRET)) {
            dropRedisJar();
            Files.writeString(etc().resolve("sessionstore.cfg"), "type = redis\naddr = " + redis.addr()
                    + "\npassword = wrong-password\ntimeout = 500ms\n");
            try (RunningJar jar = new RunningJar(home)) {
                jar.send("sessionstore:info");
                jar.awaitOut(o -> o.contains("last clean"), 20_000);
                redis.kill();
                jar.send("sessionstore:info");
                assertEquals(0, jar.finish(), jar.err());
                String out = jar.out();
                assertTrue(out.matches("(?s)type +redis\nstate +ACTIVE.*sessions +unavailable: redis at 127\\.0\\.0\\.1:\\d+"
                        + " refused the login.*sessions +unavailable: redis at .* is unavailable.*"), out);
                assertFalse(out.contains("wrong-password") || jar.err().contains("wrong-password"));
            }
        }
    }

    /** Defect: a jar in deploy/ with the registry's symbolic name replaced the core; a corrupt one said nothing. */
    @Test
    void deployRefusesTheCoresNamesAndInvalidFilesButTakesABackend() throws Exception {
        try (RunningJar jar = new RunningJar(home)) {
            jar.send("sessionstore:add kept alice 1h");
            drop("fake-registry.jar", fakeBundle("org.sessionstore.registry", "9.9.9", null));
            drop("truncated.jar", new byte[] {'P', 'K', 3, 4, 0, 0});
            drop("notes.txt", "hello".getBytes());
            drop("no-manifest.jar", fakeJarWithoutManifest());
            jar.poll("lb", o -> o.contains("Active"), 5_000);
            Thread.sleep(3_000); // FileInstall polls every second
            Files.delete(home.resolve("deploy/fake-registry.jar"));
            Thread.sleep(2_500);
            Path tmp = home.resolve("redis.tmp");
            Files.copy(Path.of(System.getProperty("redis.bundle")), tmp);
            Files.move(tmp, home.resolve("deploy/redis-bundle.jar"), StandardCopyOption.ATOMIC_MOVE);
            jar.poll("sessionstore:types", o -> o.contains("redis"), 20_000);
            jar.send("sessionstore:get kept");
            jar.send("lb");
            assertEquals(0, jar.finish(), jar.err());
            String err = jar.err();
            assertTrue(err.contains("deploy/fake-registry.jar is refused: its symbolic name org.sessionstore.registry belongs"
                    + " to a bundle the distribution ships"), err);
            assertTrue(err.contains("deploy/truncated.jar is refused: it is not a valid jar"), err);
            assertTrue(err.contains("deploy/notes.txt is refused: it is not a bundle jar"), err);
            assertTrue(err.contains("deploy/no-manifest.jar is refused: it is not an OSGi bundle"), err);
            assertFalse(jar.out().contains("9.9.9"), "the fake registry was installed:\n" + jar.out());
            assertTrue(jar.out().matches("(?s).*id +kept\\nusername +alice.*"), "the core kept serving:\n" + jar.out());
            assertTrue(jar.out().contains("Session Store registry"), jar.out());
        }
    }

    /** Found in review: hidden and .tmp names, exploded folders, fragments and in-place replacement slipped past. */
    @Test
    void noWayThroughDeployInstallsOrExtendsTheCore() throws Exception {
        try (RunningJar jar = new RunningJar(home)) {
            jar.send("sessionstore:add kept alice 1h");
            Path redisJar = Path.of(System.getProperty("redis.bundle"));
            drop("redis.jar", Files.readAllBytes(redisJar));
            jar.poll("sessionstore:types", o -> o.contains("redis"), 20_000);
            drop(".hidden.jar", fakeBundle("org.sessionstore.registry", "9.9.1", null));
            drop("x.tmp", fakeBundle("org.sessionstore.registry", "9.9.2", null));
            drop("frag.jar", fakeBundle("evil.fragment", "9.9.4", "org.sessionstore.registry"));
            Path exploded = home.resolve("exploded.part");
            Files.createDirectories(exploded.resolve("META-INF"));
            Files.writeString(exploded.resolve("META-INF/MANIFEST.MF"), "Manifest-Version: 1.0\nBundle-ManifestVersion: 2\n"
                    + "Bundle-SymbolicName: org.sessionstore.memory\nBundle-Version: 9.9.3\n");
            Files.move(exploded, home.resolve("deploy/exploded"), StandardCopyOption.ATOMIC_MOVE);
            // an installed backend jar replaced in place by one with the registry's name
            drop("redis.jar", fakeBundle("org.sessionstore.registry", "9.9.9", null));
            Thread.sleep(4_000);
            jar.send("lb");
            jar.send("sessionstore:get kept");
            jar.finish();
            String out = jar.out();
            for (String v : new String[] {"9.9.1", "9.9.2", "9.9.3", "9.9.4", "9.9.9"}) {
                assertFalse(out.matches("(?s).*\\|Active +\\|[^\\n]*" + v.replace(".", "\\.") + ".*"),
                        "a core name got in (" + v + "):\n" + out);
            }
            assertTrue(out.matches("(?s).*id +kept\nusername +alice.*"), out);
            String err = jar.err();
            assertTrue(err.contains("deploy/.hidden.jar is refused"), err);
            assertTrue(err.contains("deploy/x.tmp is refused") || err.contains("never resolves"), err);
            assertTrue(err.contains("deploy/frag.jar is refused: it is a fragment of org.sessionstore.registry"), err);
            assertTrue(err.contains("is refused: its symbolic name org.sessionstore.registry belongs to a bundle the"
                    + " distribution ships; it stays installed and never resolves"), "the in-place update:\n" + err);
        }
    }

    /**
     * Found in review: an extension fragment of system.bundle (the framework's alias) got past both
     * guards, made the framework restart itself, and the process exited 0 having run no command.
     * And a backend's -tests.jar beside it (same manifest) held the console back 30 s.
     */
    @Test
    void anExtensionOfTheFrameworkIsRefusedAndADuplicateJarHoldsNothingBack() throws Exception {
        drop("ext.jar", fakeBundle("x.fragsys", "1.0.0", "system.bundle;extension:=framework"));
        Path redisJar = Path.of(System.getProperty("redis.bundle"));
        drop("redis.jar", Files.readAllBytes(redisJar));
        drop("redis-tests.jar", Files.readAllBytes(redisJar)); // what cp redis-bundle/target/*.jar copies: same name and version
        long began = System.nanoTime();
        try (RunningJar jar = new RunningJar(home)) {
            assertEquals(0, jar.script("sessionstore:types", "sessionstore:count"), jar.err());
            long took = (System.nanoTime() - began) / 1_000_000;
            assertTrue(jar.out().contains("redis"), "the first line sees the backend in deploy/:\n" + jar.out());
            assertTrue(jar.err().contains("deploy/ext.jar is refused: it is a fragment of system.bundle"), jar.err());
            assertFalse(jar.err().contains("not installed and started after"), "the console waited for a jar:\n"
                    + jar.err() + "\n(" + took + " ms)");
        }
    }

    /** Found in review: a backend's defaults PID with a clear password was saved 0644, without a warning. */
    @Test
    void everyFileSavedUnderDataIsTheUsersOnly() throws Exception {
        Files.writeString(etc().resolve("sessionstore.redis.cfg"), "password = " + SECRET + "\n");
        try (RunningJar jar = new RunningJar(home)) {
            dropRedisJar();
            jar.poll("sessionstore:types", o -> o.contains("redis"), 20_000);
            jar.send("sessionstore:use memory max_sessions=5");
            Thread.sleep(1_000);
            assertEquals(0, jar.finish(), jar.err());
            assertFalse(jar.err().contains(SECRET));
        }
        try (Stream<Path> all = Files.walk(home.resolve("data"))) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isSymbolicLink(p) || p.equals(home.resolve("data"))) {
                    continue;
                }
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                assertEquals(Files.isDirectory(p) ? "rwx------" : "rw-------", mode, p.toString());
            }
        }
    }

    /** Found in review: cm:getConfiguration in the console bound PID sessionstore to Gogo, and the registry never got it again. */
    @Test
    void aConfigurationBoundToAnotherBundleIsBoundBack() throws Exception {
        try (RunningJar jar = new RunningJar(home)) {
            jar.send("cfg = (cm:getConfiguration sessionstore)");
            jar.awaitOut(o -> o.contains("BundleLocation"), 20_000);
            Files.writeString(etc().resolve("sessionstore.cfg"), "type = memory\nmax_sessions = 77\n");
            jar.poll("sessionstore:info", o -> o.matches("(?s).*max_sessions +77.*"), 20_000);
            jar.finish();
            assertTrue(jar.err().contains("the configuration sessionstore was bound to"), jar.err());
        }
    }

    /** Defect: a user name holding terminal escapes was printed raw by get. */
    @Test
    void hostileTextIsShownEscaped() throws Exception {
        try (RunningJar jar = new RunningJar(home)) {
            jar.send("sessionstore:add evil \"x\u001b]0;pwned\u0007y\" 1h");
            jar.send("sessionstore:get evil");
            jar.send("sessionstore:add \u202Egnp.exe u");
            assertEquals(1, jar.finish());
            assertFalse(jar.out().contains("\u001b") || jar.err().contains("\u001b"), "an escape reached the terminal");
            assertTrue(jar.out().contains("x\\u001B]0;pwned\\u0007y"), jar.out());
            assertTrue(jar.err().contains("session id contains an invisible format character (U+202E)"), jar.err());
        }
    }

    private void drop(String name, byte[] content) throws Exception {
        Files.createDirectories(home.resolve("deploy"));
        Path tmp = home.resolve(name + ".part");
        Files.write(tmp, content);
        Files.move(tmp, home.resolve("deploy").resolve(name), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static byte[] fakeBundle(String symbolicName, String version, String fragmentHost) throws Exception {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        mf.getMainAttributes().putValue("Bundle-SymbolicName", symbolicName);
        mf.getMainAttributes().putValue("Bundle-Version", version);
        if (fragmentHost != null) {
            mf.getMainAttributes().putValue("Fragment-Host", fragmentHost);
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (OutputStream o = bytes; JarOutputStream j = new JarOutputStream(o, mf)) {
            j.flush();
        }
        return bytes.toByteArray();
    }

    private static byte[] fakeJarWithoutManifest() throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(bytes)) {
            z.putNextEntry(new java.util.zip.ZipEntry("hello.txt"));
            z.write("hi".getBytes());
            z.closeEntry();
        }
        return bytes.toByteArray();
    }
}
