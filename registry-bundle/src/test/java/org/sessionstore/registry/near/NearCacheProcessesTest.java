package org.sessionstore.registry.near;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.jdbc.JdbcStores;
import org.sessionstore.redis.RedisStoreFactory;
import org.sessionstore.testkit.redis.RedisServer;

/**
 * The invalidation across real processes: three JVMs, each a node with a near cache of its own
 * over one real backend (a redis-server; PostgreSQL), every node holding the same sessions in
 * memory. Each session is deleted on one node and must then be refused by the two others long
 * before {@code near_cache_max_age} (two minutes here: only a message, or a channel known down,
 * can make a node refuse it in time). Half-way the channel is cut under the nodes (the
 * subscriptions killed, or the listening connections ended), and the deletes go on.
 */
class NearCacheProcessesTest {

    private static final Duration MAX_AGE = Duration.ofMinutes(2);
    /** Far below max age: a node that still serves a deleted session after this never heard of its delete. */
    private static final long REFUSED_WITHIN_MILLIS = 10_000;
    private static final int SESSIONS = 30;

    @Test
    void threeRedisNodesRefuseWhatAnotherDeletedAcrossAChannelCut() throws Exception {
        try (RedisServer server = new RedisServer("--appendonly", "no")) {
            String where = "redis:" + server.addr();
            across(where, () -> server.command("CLIENT KILL TYPE pubsub").strip());
        }
    }

    @Test
    void threePostgresNodesRefuseWhatAnotherDeletedAcrossAChannelCut() throws Exception {
        try (JdbcStores pg = new JdbcStores()) {
            across("pg:" + pg.url(), () -> ":" + pg.terminateListeners());
        }
    }

    interface Cut {
        String cut() throws Exception;
    }

    private static void across(String where, Cut cut) throws Exception {
        List<Node> nodes = new ArrayList<>();
        try (SessionStore seed = store(where)) {
            Instant now = Instant.now();
            for (int i = 0; i < SESSIONS; i++) {
                seed.addSession(new Session("p-" + i, "user", "sub-" + i, now, now.plusSeconds(3600), "at", "it", null));
            }
            for (int n = 0; n < 3; n++) {
                nodes.add(Node.start(where));
            }
            for (Node node : nodes) {
                for (int i = 0; i < SESSIONS; i++) {
                    assertEquals("present", node.ask("get p-" + i), "a node could not read a seeded session");
                }
            }
            List<Long> lags = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                if (i == SESSIONS / 2) {
                    System.out.println("near cache across processes (" + where.substring(0, where.indexOf(':'))
                            + "): channel cut: " + cut.cut());
                }
                String id = "p-" + i;
                assertEquals("deleted", until("deleted", nodes.get(i % 3), "delete " + id), "the delete of " + id);
                long deleted = System.nanoTime();
                for (int k = 1; k <= 2; k++) {
                    Node other = nodes.get((i + k) % 3);
                    String answer;
                    while ((answer = other.ask("get " + id)).equals("present")) {
                        long ms = (System.nanoTime() - deleted) / 1_000_000;
                        assertTrue(ms < REFUSED_WITHIN_MILLIS, "node " + other.process.pid() + " still served " + id + " "
                                + ms + " ms after another node's delete was acknowledged (max age " + MAX_AGE + ")");
                        Thread.sleep(1);
                    }
                    lags.add((System.nanoTime() - deleted) / 1_000_000);
                    assertTrue(answer.equals("absent") || answer.equals("unavailable"), answer);
                }
            }
            // after the run, every node refuses every deleted session, from memory or not
            for (Node node : nodes) {
                for (int i = 0; i < SESSIONS; i++) {
                    assertEquals("absent", until("absent", node, "get p-" + i), "p-" + i + " after the run");
                }
                assertEquals("true", until("true", node, "trusted"), "the channel came back on every node");
            }
            lags.sort(null);
            System.out.println("near cache across processes (" + where.substring(0, where.indexOf(':')) + "): " + lags.size()
                    + " refusals, ms from the delete's acknowledgement: p50 " + lags.get(lags.size() / 2) + ", max "
                    + lags.get(lags.size() - 1));
        } finally {
            for (Node node : nodes) {
                node.close();
            }
        }
    }

    /** Asks {@code node} until it answers {@code wanted} or 30 s have passed (an unavailable backend, a channel coming back). */
    private static String until(String wanted, Node node, String line) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String answer;
        while (!(answer = node.ask(line)).equals(wanted) && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        return answer;
    }

    static SessionStore store(String where) {
        if (where.startsWith("pg:")) {
            return JdbcStores.create(where.substring(3), Map.of("table_prefix", "ncp_", "pool_size", "4"));
        }
        Map<String, Object> keys = new HashMap<>();
        keys.put("addr", where.substring(6));
        keys.put("session_prefix", "ncp:s:");
        keys.put("state_prefix", "ncp:t:");
        keys.put("timeout", "1s");
        return new RedisStoreFactory().create(keys);
    }

    /** A node in a JVM of its own: a near cache over the backend, one command a line on its input. */
    record Node(Process process, PrintWriter in, BufferedReader out) implements AutoCloseable {

        static Node start(String where) throws Exception {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process p = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                    Node.class.getName(), where).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Node n = new Node(p, new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8),
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
            // a node that hangs ends after 3 minutes, so a read of its answer ends too (as "node ended")
            Thread reaper = new Thread(() -> {
                try {
                    if (!p.waitFor(3, TimeUnit.MINUTES)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                }
            }, "node-reaper");
            reaper.setDaemon(true);
            reaper.start();
            String first = n.out.readLine();
            if (!"ready".equals(first)) {
                p.destroyForcibly();
                throw new IllegalStateException("a node did not start: " + first);
            }
            return n;
        }

        String ask(String line) throws Exception {
            in.println(line);
            String r = out.readLine();
            if (r == null) {
                throw new IllegalStateException("node " + process.pid() + " ended");
            }
            return r;
        }

        @Override
        public void close() throws Exception {
            in.close(); // the node ends at the end of its input, however this JVM ends
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }

        /** The node's own main: {@code get ID}, {@code delete ID}, {@code trusted}; ends with its input. */
        public static void main(String[] args) throws Exception {
            String where = args[0];
            PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
            System.setOut(System.err); // the answers alone on standard output, whatever a library prints
            NearCache c = NearCache.over(store(where), where.startsWith("pg:") ? "jdbc" : "redis", 1_000, MAX_AGE,
                    Duration.ZERO, Duration.ZERO, Clock.systemUTC());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!c.trusted() && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            out.println(c.trusted() ? "ready" : "the channel did not come up within 30 s");
            for (String line; (line = in.readLine()) != null;) {
                String[] w = line.split(" ");
                try {
                    out.println(switch (w[0]) {
                        case "get" -> c.getSession(w[1]).isPresent() ? "present" : "absent";
                        case "delete" -> {
                            c.deleteSession(w[1]);
                            yield "deleted";
                        }
                        case "trusted" -> Boolean.toString(c.trusted());
                        default -> "unknown command " + w[0];
                    });
                } catch (StoreUnavailableException e) {
                    out.println("unavailable");
                }
            }
            c.close();
            System.exit(0);
        }
    }
}
