package org.sessionstore.distribution;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The built session-store.jar running as a real process in a folder of its own. */
final class RunningJar implements AutoCloseable {

    static final Path JAR = Path.of(System.getProperty("sessionstore.jar", "target/session-store.jar")).toAbsolutePath();

    private final Process process;
    private final StringBuffer out = new StringBuffer();
    private final StringBuffer err = new StringBuffer();
    private final OutputStream stdin;

    RunningJar(Path home, String... jvmArgs) throws IOException {
        this(home, java.util.Map.of(), jvmArgs);
    }

    /** With more environment variables (for $[env:…] placeholders). */
    RunningJar(Path home, java.util.Map<String, String> env, String... jvmArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-jar", JAR.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile());
        pb.environment().putAll(env);
        process = pb.start();
        stdin = process.getOutputStream();
        pump(process.getInputStream(), out);
        pump(process.getErrorStream(), err);
    }

    private static void pump(InputStream in, StringBuffer into) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0;) {
                    into.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // process gone
            }
        });
        t.setDaemon(true);
        t.start();
    }

    /** A free port on loopback, for the jar's HTTP. */
    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** An {@code Authorization} header value for HTTP Basic. */
    static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Writes raw bytes to standard input. */
    void sendBytes(byte[] bytes) throws IOException {
        stdin.write(bytes);
        stdin.flush();
    }

    /** Runs a whole script: sends its lines, closes input, waits for the exit; returns the status. */
    int script(String... lines) throws Exception {
        for (String l : lines) {
            send(l);
        }
        return finish();
    }

    void send(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** Waits until standard output satisfies {@code until}. */
    void awaitOut(Predicate<String> until, long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!until.test(out.toString())) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("no expected output in " + timeoutMillis + " ms; stdout:\n" + out + "\nstderr:\n" + err);
            }
            Thread.sleep(20);
        }
    }

    /** Sends {@code command} every half second until the output since then satisfies {@code until}. */
    String poll(String command, Predicate<String> until, long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            int from = out.length();
            send(command);
            Thread.sleep(500);
            String got = out.substring(from);
            if (until.test(got)) {
                return got;
            }
        }
        throw new AssertionError("no expected output from '" + command + "' in " + timeoutMillis + " ms; stdout:\n" + out
                + "\nstderr:\n" + err);
    }

    /** Closes standard input and waits for the process to exit; returns its status. */
    int finish() throws Exception {
        stdin.close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the jar did not exit at the end of its input");
        }
        Thread.sleep(100);
        return process.exitValue();
    }

    /** The process id. */
    long pid() {
        return process.pid();
    }

    String out() {
        return out.toString();
    }

    String err() {
        return err.toString();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
