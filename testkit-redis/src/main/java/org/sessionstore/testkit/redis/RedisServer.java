package org.sessionstore.testkit.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} for tests, on a free loopback port with its own data directory and
 * append-only persistence ({@code appendfsync always}, so a killed server loses no acknowledged
 * write). It can be killed and started again on the same port and data. A missing
 * {@code redis-server} fails with how to install it, never a skip.
 */
public final class RedisServer implements AutoCloseable {

    private final int port;
    private final int tlsPort;
    private final Path dir;
    private final List<String> extraArgs;
    /** The sentinel's configuration file, or null for a data server. */
    private final Path sentinelConf;
    private Process process;

    /**
     * Starts a server.
     *
     * @param extraArgs more {@code redis-server} arguments, such as {@code --requirepass}, {@code s3cret}
     * @throws IOException if it cannot be started
     */
    public RedisServer(String... extraArgs) throws IOException {
        this(0, extraArgs);
    }

    private RedisServer(int tlsPort, String... extraArgs) throws IOException {
        this(tlsPort, null, extraArgs);
    }

    private RedisServer(int tlsPort, List<String> sentinelConfLines, String... extraArgs) throws IOException {
        this.port = freePort();
        this.tlsPort = tlsPort;
        this.dir = Files.createTempDirectory("redis-test-");
        this.extraArgs = List.of(extraArgs);
        if (sentinelConfLines != null) {
            this.sentinelConf = dir.resolve("sentinel.conf");
            Files.write(sentinelConf, sentinelConfLines);
        } else {
            this.sentinelConf = null;
        }
        start();
    }

    /**
     * Starts a Redis Sentinel ({@code redis-server sentinel.conf --sentinel}) on a free loopback
     * port; the configuration file is written with {@code confLines} (such as
     * {@code sentinel monitor mymaster 127.0.0.1 6379 2}) and is the sentinel's to rewrite.
     *
     * @param confLines lines of its configuration file
     * @param extraArgs more arguments
     * @return the running sentinel
     * @throws IOException if it cannot be started
     */
    public static RedisServer sentinel(List<String> confLines, String... extraArgs) throws IOException {
        return new RedisServer(0, confLines, extraArgs);
    }

    /**
     * Starts a server that also listens for TLS on {@link #tlsPort()} (its plain port stays, for
     * the test's own commands).
     *
     * @param cert the server's PEM certificate
     * @param key its private key
     * @param ca the CA that client certificates must be signed by
     * @param authClients whether TLS clients must present a certificate ({@code tls-auth-clients})
     * @param extraArgs more arguments
     * @return the running server
     * @throws IOException if it cannot be started
     */
    public static RedisServer withTls(Path cert, Path key, Path ca, boolean authClients, String... extraArgs)
            throws IOException {
        int tls = freePort();
        List<String> args = new ArrayList<>(List.of("--tls-port", Integer.toString(tls), "--tls-cert-file", cert.toString(),
                "--tls-key-file", key.toString(), "--tls-ca-cert-file", ca.toString(), "--tls-auth-clients",
                authClients ? "yes" : "no"));
        args.addAll(List.of(extraArgs));
        return new RedisServer(tls, args.toArray(new String[0]));
    }

    /** @return the TLS port on 127.0.0.1, or 0 if the server has none */
    public int tlsPort() {
        return tlsPort;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * The redis-server executable: {@code REDIS_SERVER} if set, else the one on the PATH.
     *
     * @return its path
     */
    static String executable() {
        String configured = System.getenv("REDIS_SERVER");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "redis-server");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        for (String dir : new String[] {"/usr/bin", "/usr/local/bin", "/usr/sbin"}) {
            Path p = Path.of(dir, "redis-server");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new IllegalStateException("redis-server is not on the PATH, and the Redis tests need a real one. "
                + "Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) "
                + "or point the REDIS_SERVER environment variable at it.");
    }

    /**
     * Starts the server again (after {@link #kill()} or {@link #stop()}) on the same port and data.
     *
     * @throws IOException if it does not answer PING within 10 seconds
     */
    public void start() throws IOException {
        // a watchdog shell runs the server and kills it when this JVM is gone, however it ended
        // (a test JVM killed by its runner runs no shutdown hook)
        String watchdog = "\"$0\" \"$@\" & c=$!; trap 'kill -9 $c 2>/dev/null' EXIT TERM; "
                + "while kill -0 " + ProcessHandle.current().pid() + " 2>/dev/null && kill -0 $c 2>/dev/null; do sleep 0.5; done";
        List<String> cmd;
        if (sentinelConf != null) {
            cmd = new ArrayList<>(List.of("/bin/bash", "-c", watchdog, executable(), sentinelConf.toString(), "--sentinel",
                    "--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", dir.toString(), "--daemonize", "no",
                    "--logfile", dir.resolve("redis.log").toString()));
        } else {
            cmd = new ArrayList<>(List.of("/bin/bash", "-c", watchdog, executable(), "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--dir", dir.toString(), "--save", "", "--appendonly", "yes", "--appendfsync",
                    "always", "--daemonize", "no", "--logfile", dir.resolve("redis.log").toString()));
        }
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + "; see " + dir.resolve("redis.log"));
            }
            try {
                String reply = command(pingCommand());
                if (reply.contains("+PONG")) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        throw new IOException("redis-server on port " + port + " did not answer within 10s; see " + dir.resolve("redis.log"));
    }

    private String pingCommand() {
        int pass = extraArgs.indexOf("--requirepass");
        return pass >= 0 ? "AUTH " + extraArgs.get(pass + 1) + "\r\nPING" : "PING";
    }

    /** Kills the server with SIGKILL, as a crash would. */
    public void kill() throws InterruptedException {
        process.toHandle().children().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        awaitPortFree();
    }

    /** Freezes the server (SIGSTOP), as a hung host would: connections stay open, nothing answers. */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Lets a {@linkplain #pause() frozen} server go on (SIGCONT). */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        for (ProcessHandle h : (Iterable<ProcessHandle>) process.toHandle().children()::iterator) {
            String command = h.info().command().orElse("");
            if (command.endsWith("sleep") || command.endsWith("bash")) {
                // the watchdog's sleep, or the watchdog forking it (redis-server itself may run as
                // redis-check-rdb, its Debian link)
                continue;
            }
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(h.pid())).inheritIO().start();
            if (kill.waitFor() != 0 && h.isAlive()) {
                throw new IOException("kill -" + name + " " + h.pid() + " failed");
            } // else a short-lived child of the watchdog that ended meanwhile: nothing to signal
        }
    }

    /**
     * Waits until this server, started as a replica ({@code --replicaof}), is in sync with its primary.
     *
     * @param auth an AUTH line for this server ({@code "AUTH pw\r\n"}), or empty
     * @throws IOException if it does not sync within 10 s
     */
    public void awaitInSync(String auth) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (command(auth + "INFO replication").contains("master_link_status:up")) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        throw new IOException("the replica did not sync with the primary within 10 s");
    }

    /** Removes the server's data (call it while the server is stopped): the next start is empty. */
    public void wipe() throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                if (!p.equals(dir) && !p.getFileName().toString().endsWith(".log")) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Stops the server (SIGTERM). */
    public void stop() throws InterruptedException {
        process.toHandle().children().forEach(ProcessHandle::destroy);
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            kill();
        }
        awaitPortFree();
    }

    private void awaitPortFree() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                Thread.sleep(20);
            } catch (IOException refused) {
                return;
            }
        }
    }

    /** @return the port, on 127.0.0.1 */
    public int port() {
        return port;
    }

    /** @return {@code 127.0.0.1:PORT} */
    public String addr() {
        return "127.0.0.1:" + port;
    }

    /**
     * Sends one or more inline commands (lines) and returns the raw RESP replies, for checks such as
     * {@code CLIENT LIST} or {@code INFO commandstats} without a client library.
     *
     * @param lines inline commands, separated by CRLF
     * @return the raw replies
     * @throws IOException if the server cannot be reached
     */
    public String command(String lines) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            if (sentinelConf == null) {
                out.write((lines + "\r\nQUIT\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            // a sentinel knows no QUIT: read until it has been quiet for a moment after replying
            out.write((lines + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            java.io.ByteArrayOutputStream reply = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0;) {
                    reply.write(buf, 0, n);
                    s.setSoTimeout(200);
                }
            } catch (java.net.SocketTimeoutException quiet) {
                if (reply.size() == 0) {
                    throw quiet;
                }
            }
            return reply.toString(StandardCharsets.UTF_8);
        }
    }

    /**
     * How many clients are connected, not counting the connection that asks.
     *
     * @param auth an {@code AUTH …} line to send first, or null
     * @return the number of other connected clients
     * @throws IOException if the server cannot be reached
     */
    public int connectedClients(String auth) throws IOException {
        String reply = command((auth == null ? "" : auth + "\r\n") + "CLIENT LIST");
        int count = 0;
        for (String line : reply.split("\r?\n")) {
            if (line.contains("addr=") && !line.contains("cmd=client")) {
                count++;
            }
        }
        return count;
    }

    /**
     * Kills the server and removes its directory, data and log (review: every test run left its
     * servers' directories in /tmp, hundreds of MB). {@code -Dsessionstore.keepRedisDirs=true} keeps
     * them, to read the servers' logs after a run.
     */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
        if (!Boolean.getBoolean("sessionstore.keepRedisDirs")) {
            try (var files = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException | java.io.UncheckedIOException leftBehind) {
                // a file the dead server still had open on an odd file system: only disk space
            }
        }
    }
}
