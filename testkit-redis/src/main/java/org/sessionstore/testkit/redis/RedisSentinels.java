package org.sessionstore.testkit.redis;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sentinel-managed Redis on loopback ports, for tests: a primary, one or more replicas of it, and three
 * sentinels (quorum 2) that declare the primary down after {@value #DOWN_AFTER_MILLIS} ms and
 * promote the replica. Every server is a real {@link RedisServer}: killing the primary is a
 * real failover.
 */
public final class RedisSentinels implements AutoCloseable {

    /** The name the sentinels know the primary by. */
    public static final String MASTER_NAME = "sessions";
    static final int DOWN_AFTER_MILLIS = 1_000;

    private final RedisServer primary;
    private final List<RedisServer> replicas = new ArrayList<>();
    private final List<RedisServer> sentinels = new ArrayList<>();
    /** An AUTH line for the data servers, or empty. */
    private final String auth;

    /**
     * Starts the primary, one replica (waiting until it is in sync) and the sentinels.
     *
     * @param dataArgs more arguments for the primary and the replica (such as {@code --requirepass})
     * @throws IOException if a server cannot be started or the replica does not sync within 10 s
     */
    public RedisSentinels(String... dataArgs) throws IOException {
        this(1, dataArgs);
    }

    /**
     * Starts the primary, its replicas (waiting until they are in sync) and the sentinels. With
     * two replicas, one is left to confirm writes ({@code WAIT}) after the other is promoted.
     *
     * @param replicaCount how many replicas (1 or more)
     * @param dataArgs more arguments for the primary and the replicas (such as {@code --requirepass})
     * @throws IOException if a server cannot be started or a replica does not sync within 10 s
     */
    public RedisSentinels(int replicaCount, String... dataArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of("--appendonly", "no"));
        args.addAll(List.of(dataArgs));
        primary = new RedisServer(args.toArray(new String[0]));
        List<String> replicaArgs = new ArrayList<>(args);
        replicaArgs.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(primary.port())));
        int pass = args.indexOf("--requirepass");
        auth = pass >= 0 ? "AUTH " + args.get(pass + 1) + "\r\n" : "";
        if (pass >= 0) {
            replicaArgs.addAll(List.of("--masterauth", args.get(pass + 1)));
        }
        for (int i = 0; i < replicaCount; i++) {
            replicas.add(new RedisServer(replicaArgs.toArray(new String[0])));
        }
        for (RedisServer replica : replicas) {
            replica.awaitInSync(auth);
        }
        for (int i = 0; i < 3; i++) {
            List<String> conf = new ArrayList<>(List.of(
                    "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + primary.port() + " 2",
                    "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER_MILLIS,
                    "sentinel failover-timeout " + MASTER_NAME + " 10000",
                    "sentinel parallel-syncs " + MASTER_NAME + " 1"));
            if (pass >= 0) {
                conf.add("sentinel auth-pass " + MASTER_NAME + " " + args.get(pass + 1));
            }
            sentinels.add(RedisServer.sentinel(conf));
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** @return the sentinels' addresses, {@code 127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3} */
    public String sentinelAddrs() {
        return String.join(",", sentinels.stream().map(RedisServer::addr).toList());
    }

    /** @return the server that was the primary at the start */
    public RedisServer primary() {
        return primary;
    }

    /** @return the server that was the (first) replica at the start */
    public RedisServer replica() {
        return replicas.get(0);
    }

    /** @return the servers that were replicas at the start */
    public List<RedisServer> replicas() {
        return replicas;
    }

    /** @return the sentinels */
    public List<RedisServer> sentinels() {
        return sentinels;
    }

    /**
     * The primary's port as the first sentinel that answers sees it now.
     *
     * @return the port
     * @throws IOException if no sentinel answers
     */
    public int masterPort() throws IOException {
        IOException last = null;
        for (RedisServer s : sentinels) {
            try {
                String reply = s.command("SENTINEL get-master-addr-by-name " + MASTER_NAME);
                Matcher m = Pattern.compile("\\$\\d+\r\n(\\d+)\r\n").matcher(reply.substring(reply.indexOf("127.0.0.1")));
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            } catch (IOException | RuntimeException e) {
                last = e instanceof IOException io ? io : new IOException(e);
            }
        }
        throw last != null ? last : new IOException("no sentinel knows the primary");
    }

    /**
     * Waits until the sentinels name a primary other than {@code oldPort} and it accepts writes.
     *
     * @param oldPort the port of the primary that failed
     * @param seconds how long to wait
     * @return the new primary's port
     * @throws IOException if no failover happened in time
     */
    public int awaitFailover(int oldPort, int seconds) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try {
                int now = masterPort();
                if (now != oldPort) {
                    RedisServer s = primary;
                    for (RedisServer r : replicas) {
                        if (r.port() == now) {
                            s = r;
                        }
                    }
                    if (s.port() == now && s.command(auth + "ROLE").contains("master")) {
                        return now;
                    }
                }
            } catch (IOException notYet) {
                // sentinels busy
            }
            sleep(100);
        }
        throw new IOException("no failover from port " + oldPort + " within " + seconds + " s");
    }

    @Override
    public void close() throws InterruptedException {
        for (RedisServer s : sentinels) {
            s.close();
        }
        for (RedisServer r : replicas) {
            r.close();
        }
        primary.close();
    }
}
