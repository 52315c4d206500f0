package org.sessionstore.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.sessionstore.testkit.redis.RedisServer;

/**
 * Live operations of the runnable jar, each beside a baseline from the same run:
 * <ul>
 * <li>a jar landing in {@code deploy/} until {@code redis} is listed, beside an empty bundle
 * landing there until {@code lb} lists it (FileInstall's own floor);</li>
 * <li>{@code sessionstore:use redis …} until the first successful call, beside {@code use memory}.</li>
 * </ul>
 * {@code java -cp benchmarks/target/benchmarks.jar org.sessionstore.benchmarks.LiveOpsReport}
 * after {@code mvn -q -DskipTests install}.
 */
public final class LiveOpsReport {

    private final Process process;
    private final StringBuffer out = new StringBuffer();
    private final OutputStream in;

    private LiveOpsReport(Path home, Path jar) throws IOException {
        process = new ProcessBuilder("java", "-jar", jar.toString()).directory(home.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        in = process.getOutputStream();
        Thread t = new Thread(() -> {
            byte[] b = new byte[8192];
            try (InputStream s = process.getInputStream()) {
                for (int n; (n = s.read(b)) > 0;) {
                    out.append(new String(b, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // gone
            }
        });
        t.setDaemon(true);
        t.start();
    }

    /** Sends {@code command} every 20 ms until {@code marker} appears in its output; returns ms since {@code since}. */
    private double until(String command, String marker, long since) throws Exception {
        while (true) {
            int from = out.length();
            in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            Thread.sleep(20);
            if (out.substring(from).contains(marker)) {
                return (System.nanoTime() - since) / 1e6;
            }
            if (System.nanoTime() - since > 60_000_000_000L) {
                throw new IllegalStateException("no '" + marker + "' after 60 s:\n" + out);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath();
        Path jar = root.resolve("distribution/target/session-store.jar");
        Path redisJar;
        try (var files = Files.list(root.resolve("redis-bundle/target"))) {
            redisJar = files.filter(p -> p.getFileName().toString().matches("redis-bundle-.*\\.jar")).findFirst().orElseThrow();
        }
        Path home = Files.createTempDirectory("liveops-");
        try (RedisServer redis = new RedisServer("--appendonly", "no")) {
            LiveOpsReport run = new LiveOpsReport(home, jar);
            run.until("sessionstore:types", "* memory", System.nanoTime());

            Path empty = home.resolve("empty.tmp");
            Manifest mf = new Manifest();
            mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            mf.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
            mf.getMainAttributes().putValue("Bundle-SymbolicName", "liveops.empty");
            try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(empty), mf)) {
                j.flush();
            }
            long t0 = System.nanoTime();
            Files.move(empty, home.resolve("deploy/empty.jar"), StandardCopyOption.ATOMIC_MOVE);
            double emptyListed = run.until("lb", "liveops.empty", t0);

            Files.copy(redisJar, home.resolve("redis.tmp"));
            long t1 = System.nanoTime();
            Files.move(home.resolve("redis.tmp"), home.resolve("deploy/redis-bundle.jar"), StandardCopyOption.ATOMIC_MOVE);
            double redisListed = run.until("sessionstore:types", "org.sessionstore.redis", t1);

            long t2 = System.nanoTime();
            run.in.write("sessionstore:use memory max_sessions=5000\n".getBytes(StandardCharsets.UTF_8));
            double memoryFirst = run.until("sessionstore:count", "\n0\n", t2);
            long t3 = System.nanoTime();
            run.in.write(("sessionstore:use redis addr=" + redis.addr() + "\n").getBytes(StandardCharsets.UTF_8));
            double redisFirst = run.until("sessionstore:count", "\n0\n", t3);
            run.in.close();
            run.process.waitFor();

            System.out.println("== Live operations of the runnable jar (ms; ratio = figure / baseline of the same run) ==");
            System.out.printf("jar in deploy/ -> redis listed       %7.0f ms   empty bundle listed %7.0f ms   ratio %.2f%n",
                    redisListed, emptyListed, redisListed / emptyListed);
            System.out.printf("use redis -> first successful call   %7.0f ms   use memory          %7.0f ms   ratio %.2f%n",
                    redisFirst, memoryFirst, redisFirst / memoryFirst);
        }
    }
}
