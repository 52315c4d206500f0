package org.sessionstore.testkit.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster on loopback ports, for tests: {@code primaries} primaries, each with one
 * replica, built by {@code redis-cli --cluster create}, with a node timeout of
 * {@value #NODE_TIMEOUT_MILLIS} ms so that killing a primary promotes its replica within a few
 * seconds. Every node is a real {@link RedisServer}. A missing {@code redis-cli} fails with how
 * to install it.
 */
public final class RedisCluster implements AutoCloseable {

    static final int NODE_TIMEOUT_MILLIS = 1_000;

    private final List<RedisServer> nodes = new ArrayList<>();
    private final int primaryCount;

    /**
     * Starts the nodes and creates the cluster; returns once every node reports it ok.
     *
     * @param primaries how many primaries (3 or more)
     * @param replicas replicas per primary (0, 1 or 2; with 2, one is left to confirm writes after the other is promoted)
     * @throws IOException if the cluster cannot be built within 30 s
     */
    public RedisCluster(int primaries, int replicas) throws IOException {
        primaryCount = primaries;
        try {
            for (int i = 0; i < primaries * (1 + replicas); i++) {
                nodes.add(new RedisServer("--cluster-enabled", "yes", "--cluster-node-timeout",
                        Integer.toString(NODE_TIMEOUT_MILLIS), "--appendonly", "no", "--cluster-require-full-coverage", "no",
                        // a replica of a freshly built, idle cluster may otherwise count as too stale to take over
                        "--cluster-replica-validity-factor", "0"));
            }
            List<String> cmd = new ArrayList<>(List.of(cli(), "--cluster", "create"));
            for (RedisServer n : nodes) {
                cmd.add(n.addr());
            }
            cmd.addAll(List.of("--cluster-replicas", Integer.toString(replicas), "--cluster-yes"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                out = String.join("\n", r.lines().toList());
            }
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("redis-cli --cluster create failed:\n" + out);
            }
            awaitOk(30);
            awaitReplicasInSync(30);
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            throw e;
        } catch (InterruptedException e) {
            closeQuietly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static String cli() {
        String server = RedisServer.executable();
        java.nio.file.Path sibling = java.nio.file.Path.of(server).resolveSibling("redis-cli");
        if (java.nio.file.Files.isExecutable(sibling)) {
            return sibling.toString();
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            java.nio.file.Path p = java.nio.file.Path.of(dir, "redis-cli");
            if (java.nio.file.Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new IllegalStateException("redis-cli is not on the PATH, and the cluster tests need it to build a"
                + " cluster. Install it (Debian/Ubuntu: sudo apt-get install redis-tools or redis-server).");
    }

    /**
     * Waits until every live node reports {@code cluster_state:ok} and agrees on the slots.
     *
     * @param seconds how long to wait
     * @throws IOException if it does not happen in time
     */
    public void awaitOk(int seconds) throws IOException {
        String[] last = {""};
        poll(seconds, () -> {
            for (RedisServer n : nodes) {
                try {
                    String info = n.command("CLUSTER INFO");
                    last[0] = info;
                    if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:16384")) {
                        return false;
                    }
                } catch (IOException down) {
                    // a killed node does not count
                }
            }
            return true;
        }, () -> "the cluster did not become ok within " + seconds + " s:\n" + last[0]);
    }


    /**
     * Waits until a replica of the killed primary {@code dead} has taken its place: as many
     * primaries answer as before, every slot is served and every live node reports ok.
     *
     * @param dead the primary that was killed
     * @param seconds how long to wait
     * @throws IOException if it does not happen in time
     */
    public void awaitFailover(RedisServer dead, int seconds) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        poll(seconds, () -> {
            List<RedisServer> now = primaries();
            return !now.contains(dead) && now.size() >= primaryCount;
        }, () -> "no replica took the place of " + dead.addr() + " within " + seconds + " s");
        awaitOk((int) Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime())));
    }


    /**
     * Waits until every live replica's link to its primary is up (its first sync done).
     *
     * @param seconds how long to wait
     * @throws IOException if it does not happen in time
     */
    public void awaitReplicasInSync(int seconds) throws IOException {
        String[] last = {""};
        poll(seconds, () -> {
            for (RedisServer n : nodes) {
                try {
                    String info = n.command("INFO replication");
                    if (info.contains("role:slave") && !info.contains("master_link_status:up")) {
                        last[0] = info;
                        return false;
                    }
                } catch (IOException down) {
                    // a killed node does not count
                }
            }
            return true;
        }, () -> "the replicas did not sync within " + seconds + " s:\n" + last[0]);
    }


    /** @return the seed nodes, {@code 127.0.0.1:P1,…}, every node */
    public String seeds() {
        return String.join(",", nodes.stream().map(RedisServer::addr).toList());
    }

    /** @return every node, primaries and replicas, in the order they were created */
    public List<RedisServer> nodes() {
        return nodes;
    }

    /**
     * The nodes that are primaries now.
     *
     * @return them
     * @throws IOException if a node cannot be asked
     */
    public List<RedisServer> primaries() throws IOException {
        List<RedisServer> out = new ArrayList<>();
        for (RedisServer n : nodes) {
            try {
                if (n.command("ROLE").contains("master")) {
                    out.add(n);
                }
            } catch (IOException down) {
                // not a primary any more
            }
        }
        return out;
    }

    /**
     * How many keys each live primary holds ({@code DBSIZE}), in {@link #primaries()} order.
     *
     * @return the counts
     * @throws IOException if a node cannot be asked
     */
    public List<Long> keysPerPrimary() throws IOException {
        List<Long> out = new ArrayList<>();
        for (RedisServer n : primaries()) {
            String r = n.command("DBSIZE");
            out.add(Long.parseLong(r.substring(r.indexOf(':') + 1, r.indexOf('\r'))));
        }
        return out;
    }

    /** A check that may fail to reach a node. */
    private interface Check {
        boolean done() throws IOException;
    }

    /** Polls {@code check} every 100 ms for up to {@code seconds}; else fails with {@code failure}'s text. */
    private static void poll(int seconds, Check check, java.util.function.Supplier<String> failure) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (check.done()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        throw new IOException(failure.get());
    }

    private void closeQuietly() {
        for (RedisServer n : nodes) {
            try {
                n.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
