package org.sessionstore.redis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.sessionstore.api.Redaction;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Which primary serves a key, and what to do when one fails: one server ({@link Standalone}),
 * the primary the sentinels name ({@link Sentinel}), or the primary of the key's slot in a Redis
 * Cluster ({@link Cluster}). Thread-safe: calls route through {@link #node} concurrently while a
 * failure makes the topology look again.
 */
abstract class Topology implements AutoCloseable {

    static final System.Logger LOG = System.getLogger("org.sessionstore.redis");

    final RedisConfig config;
    final Function<Jedis, Void> prepare;
    /** Every node made, by address: reused when an address comes back, closed with the topology. */
    final Map<RedisConfig.Address, Node> nodes = new ConcurrentHashMap<>();

    Topology(RedisConfig config, Function<Jedis, Void> prepare) {
        this.config = config;
        this.prepare = prepare;
    }

    static Topology of(RedisConfig config, Function<Jedis, Void> prepare) {
        return switch (config.mode()) {
            case STANDALONE -> new Standalone(config, prepare);
            case SENTINEL -> new Sentinel(config, prepare);
            case CLUSTER -> new Cluster(config, prepare);
        };
    }

    Node nodeAt(RedisConfig.Address a) {
        return nodes.computeIfAbsent(a, x -> new Node(config, x, connectCheck()));
    }

    /** What each new connection runs before use. */
    Function<Jedis, Void> connectCheck() {
        return prepare;
    }

    /**
     * The primary for a key now.
     *
     * @throws JedisConnectionException if none can be found now (the call fails as unavailable)
     */
    abstract Node node(String key);

    /**
     * A call on {@code node} failed in a way that says the topology may have changed (the
     * connection broke, the server is read-only or moved the slot): look again before the next call.
     */
    abstract void failed(Node node, JedisException why);

    /** What the store is connected to now, for {@code info}: never a secret. */
    abstract Map<String, String> details();

    /** Groups keys by the primary serving them now. */
    Map<Node, List<String>> byNode(List<String> keys) {
        Map<Node, List<String>> out = new LinkedHashMap<>();
        for (String k : keys) {
            out.computeIfAbsent(node(k), n -> new ArrayList<>()).add(k);
        }
        return out;
    }

    @Override
    public void close() {
        for (Node n : nodes.values()) {
            n.close();
        }
    }

    /** One server at {@code addr}. */
    static final class Standalone extends Topology {
        private final Node node;

        Standalone(RedisConfig config, Function<Jedis, Void> prepare) {
            super(config, prepare);
            node = nodeAt(config.address());
        }

        @Override
        Node node(String key) {
            return node;
        }

        @Override
        void failed(Node n, JedisException why) {
            n.reset();
        }

        @Override
        Map<String, String> details() {
            return Map.of("redis", "one server at " + node.address);
        }
    }

    /**
     * The primary the sentinels name for {@code master_name}. It is asked for when the store first
     * needs it and again after a failure of the primary in use (a broken connection, READONLY): a
     * failover is followed by itself, without a restart. Each new connection checks with
     * {@code ROLE} that its server is the primary, so a stale answer of a sentinel is never written to.
     */
    static final class Sentinel extends Topology {
        private volatile Node current;
        /** The primary the sentinels named last, for the log: a change is logged, not each asking (review: 3,399 lines in a failover test). */
        private Node named;
        private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

        Sentinel(RedisConfig config, Function<Jedis, Void> prepare) {
            super(config, prepare);
        }

        @Override
        Function<Jedis, Void> connectCheck() {
            return j -> {
                List<Object> role = j.role();
                Object first = role.isEmpty() ? "?" : role.get(0);
                String what = first instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8)
                        : String.valueOf(first);
                if (!"master".equals(what)) {
                    throw new JedisConnectionException("the server the sentinels named is a " + what
                            + ", not the primary (a failover is under way)");
                }
                return prepare.apply(j);
            };
        }

        @Override
        Node node(String key) {
            Node n = current;
            return n != null ? n : locate();
        }

        /**
         * Asks the sentinels, one after the other, within the call's deadline (each connection
         * within what is left of it). One call asks at a time; the others wait for its answer, each
         * no longer than its own deadline.
         */
        private Node locate() {
            long deadline = Connections.lookupDeadline(config);
            try {
                if (!lock.tryLock(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    throw new JedisConnectionException("no answer from the sentinels within the timeout (another call"
                            + " is asking them)");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JedisConnectionException("interrupted while asking the sentinels");
            }
            try {
                if (current != null) {
                    return current;
                }
                JedisException wrongName = null;
                JedisException last = null;
                for (RedisConfig.Address s : config.sentinels()) {
                    if (deadline - System.nanoTime() <= 0) {
                        break;
                    }
                    try (Jedis sentinel = Connections.sentinel(config, s)) {
                        List<String> hostPort = sentinel.sentinelGetMasterAddrByName(config.masterName());
                        if (hostPort == null || hostPort.size() < 2) {
                            wrongName = new JedisConnectionException("the sentinels know no primary named '"
                                    + Redaction.printable(config.masterName()) + "' (check master_name)");
                            continue;
                        }
                        RedisConfig.Address master = new RedisConfig.Address(hostPort.get(0),
                                Integer.parseInt(hostPort.get(1)));
                        Node n = nodeAt(master);
                        if (named != n) {
                            LOG.log(System.Logger.Level.INFO, "redis {0}: the primary is {1}", config.addr(), master);
                            named = n;
                        }
                        current = n;
                        return n;
                    } catch (JedisException | NumberFormatException e) {
                        last = new JedisConnectionException("no sentinel answered (last: " + s + ": "
                                + RedisFailures.reason(e) + ")", e);
                    }
                }
                // a sentinel that answered "no such primary" says more than one that did not answer
                throw wrongName != null ? wrongName : last != null ? last
                        : new JedisConnectionException("no answer from the sentinels within the timeout");
            } finally {
                lock.unlock();
            }
        }

        @Override
        void failed(Node n, JedisException why) {
            n.reset();
            if (current == n) {
                current = null; // the next call asks the sentinels again
                // the old primary's connections are closed; its node is kept (cheap: no connection
                // while unused) in case the sentinels name it again
            }
        }

        @Override
        Map<String, String> details() {
            Node n = current;
            return Map.of("redis", "Sentinel: primary '" + Redaction.printable(config.masterName()) + "' at "
                    + (n == null ? "(not asked yet, or failing over)" : n.address) + ", sentinels "
                    + String.join(",", config.sentinels().stream().map(RedisConfig.Address::toString).toList()));
        }
    }

    /**
     * A Redis Cluster: the slot table comes from {@code CLUSTER SLOTS} of any node that answers
     * (the configured ones, then every node seen since), and is read again when a call meets a
     * moved slot, a read-only node or a broken connection (at most every 100 ms however many
     * calls fail at once), so a failover or a resharding is followed by itself.
     */
    static final class Cluster extends Topology {
        static final long REFRESH_AT_MOST_EVERY_NANOS = 100_000_000L;
        private volatile Node[] bySlot = new Node[Layout.SLOTS];
        private final java.util.Set<RedisConfig.Address> known = new java.util.LinkedHashSet<>();
        private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        /** Why the last reading of the slot table failed, for the message of a call that needs it; never a secret. */
        private volatile String lastError;
        private long refreshedAt;

        Cluster(RedisConfig config, Function<Jedis, Void> prepare) {
            super(config, prepare);
            known.addAll(config.clusterNodes());
        }

        @Override
        Node node(String key) {
            int slot = JedisClusterCRC16.getSlot(key);
            Node n = bySlot[slot];
            if (n == null) {
                refresh(true);
                n = bySlot[slot];
                if (n == null) {
                    String why = lastError;
                    throw new JedisConnectionException("no node of the cluster serves slot " + slot + " now"
                            + (why == null ? "" : " (" + why + ")"));
                }
            }
            return n;
        }

        @Override
        void failed(Node n, JedisException why) {
            if (why instanceof redis.clients.jedis.exceptions.JedisMovedDataException moved) {
                // the answer names the slot's owner now: the next try goes there, whatever the
                // (rate-limited) reading of the whole table finds
                Node owner = nodeAt(new RedisConfig.Address(moved.getTargetNode().getHost(), moved.getTargetNode().getPort()));
                synchronized (this) {
                    Node[] table = bySlot.clone();
                    table[moved.getSlot()] = owner;
                    bySlot = table;
                }
            } else if (!(why instanceof redis.clients.jedis.exceptions.JedisRedirectionException)) {
                n.reset();
            }
            refresh(false);
        }

        /**
         * Reads the slot table again, from the first node that answers, within the call's deadline
         * (each connection within what is left of it); {@code force}: even if it was read less than
         * 100 ms ago. One call reads at a time; the others go on with the table they have, or, if
         * they need one, wait for it no longer than their own deadline.
         */
        private void refresh(boolean force) {
            long deadline = Connections.lookupDeadline(config);
            try {
                if (!lock.tryLock(force ? Math.max(0, deadline - System.nanoTime()) : 0,
                        java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    return; // another call is reading it
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                long now = System.nanoTime();
                if (!force && refreshedAt != 0 && now - refreshedAt < REFRESH_AT_MOST_EVERY_NANOS) {
                    return;
                }
                refreshedAt = now;
                List<RedisConfig.Address> ask = new ArrayList<>();
                // the primaries in use first (most likely up to date), then every other node known
                for (Node node : bySlot) {
                    if (node != null && !ask.contains(node.address)) {
                        ask.add(node.address);
                    }
                }
                for (RedisConfig.Address a : known) {
                    if (!ask.contains(a)) {
                        ask.add(a);
                    }
                }
                String last = null;
                for (RedisConfig.Address a : ask) {
                    if (deadline - System.nanoTime() <= 0) {
                        last = last == null ? "no node answered within the timeout" : last;
                        break;
                    }
                    try (Jedis j = new Connections(config, a, x -> null).create()) {
                        apply(a, j.clusterSlots());
                        lastError = null;
                        return;
                    } catch (JedisException | ClassCastException | IndexOutOfBoundsException e) {
                        last = "asking " + a + " for the slot table: " + RedisFailures.reason(
                                e instanceof JedisException je ? je : new JedisConnectionException(e.getMessage(), e));
                    }
                }
                lastError = last;
                if (last != null) {
                    LOG.log(System.Logger.Level.DEBUG, "no cluster node answered CLUSTER SLOTS: {0}", last);
                }
            } finally {
                lock.unlock();
            }
        }

        private void apply(RedisConfig.Address asked, List<Object> slots) {
            Node[] table = new Node[Layout.SLOTS];
            for (Object o : slots) {
                List<?> range = (List<?>) o;
                int from = ((Long) range.get(0)).intValue();
                int to = ((Long) range.get(1)).intValue();
                RedisConfig.Address primary = address(asked, (List<?>) range.get(2));
                Node n = nodeAt(primary);
                for (int s = from; s <= to; s++) {
                    table[s] = n;
                }
                for (int i = 2; i < range.size(); i++) {
                    known.add(address(asked, (List<?>) range.get(i)));
                }
            }
            bySlot = table;
        }

        private static RedisConfig.Address address(RedisConfig.Address asked, List<?> node) {
            String host = node.get(0) instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8)
                    : String.valueOf(node.get(0));
            int port = ((Long) node.get(1)).intValue();
            // an empty or unknown host means "the node you asked"
            return new RedisConfig.Address(host.isEmpty() || host.equals("?") ? asked.host() : host, port);
        }

        @Override
        Map<String, String> details() {
            Node[] table = bySlot;
            Map<RedisConfig.Address, Integer> slotsOf = new LinkedHashMap<>();
            int unserved = 0;
            for (Node n : table) {
                if (n == null) {
                    unserved++;
                } else {
                    slotsOf.merge(n.address, 1, Integer::sum);
                }
            }
            List<String> shards = new ArrayList<>();
            slotsOf.forEach((a, n) -> shards.add(a + " (" + n + " slots)"));
            return Map.of("redis", "Cluster: " + slotsOf.size() + " primaries" + (unserved == Layout.SLOTS
                    ? " (slot table not read yet)" : unserved > 0 ? ", " + unserved + " slots unserved" : "")
                    + (shards.isEmpty() ? "" : ": " + String.join(", ", shards)));
        }
    }
}
