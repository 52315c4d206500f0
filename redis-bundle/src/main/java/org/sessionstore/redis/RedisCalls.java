package org.sessionstore.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

import org.sessionstore.api.StoreException;
import org.sessionstore.api.StoreUnavailableException;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * How a call to Redis runs, apart from what it does: within one deadline ({@code timeout}) in all
 * (the wait for a connection, connecting, the command), on the primary that serves its key
 * ({@link Topology}); a short call batched with the others queued for that primary
 * ({@link Batcher}), long work on the pool; a failure that says the topology changed is tried
 * again on the primary that serves the key then, and any failure becomes the API's exception
 * ({@link RedisFailures}). {@link #each} is the one helper for "one pipeline per primary, then the
 * keys that were redirected on their own".
 */
final class RedisCalls implements AutoCloseable {

    private final RedisConfig config;
    /** Which primary serves a key; each has a pool (long work) and a batcher (short calls). */
    private final Topology topology;
    final RedisFailures failures;
    private volatile boolean closed;

    RedisCalls(RedisConfig config) {
        this.config = config;
        this.failures = new RedisFailures(config);
        this.topology = Topology.of(config, this::loadScripts);
    }

    void ensureOpen() {
        if (closed) {
            throw new StoreUnavailableException("the redis session store is closed; use the store the registry publishes");
        }
    }

    /**
     * A connection of its own (not pooled) to the primary that serves {@code key} now, made within
     * the store's timeout: for a subscription, which holds its connection for as long as it lasts.
     */
    Jedis dedicated(String key) {
        ensureOpen();
        Connections.deadline(System.nanoTime() + config.timeout().toNanos());
        Node node = null;
        try {
            node = topology.node(key);
            return new Connections(config, node.address, topology.connectCheck()).create();
        } catch (JedisException e) {
            if (node != null) {
                topology.failed(node, e); // a primary that failed over: look again next time
            }
            throw failures.translate("subscribing to the near cache's channel", e);
        }
    }

    /** What the store is connected to now, for {@code info}: never a secret. */
    Map<String, String> details() {
        return topology.details();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            topology.close();
        }
    }

    /**
     * Runs one command per key, one pipeline per primary (in pages of {@code page} keys), then each
     * key whose slot moved meanwhile on its own where it is now. A key holding a value of another type
     * is given to {@code otherType} and left out.
     *
     * @param pipelined sends the command of one key in a pipeline
     * @param alone runs it on one connection (for a key that moved)
     * @param durable wait for {@code min_replicas_ack} replicas after each pipeline and each key alone
     * @return each key's answer, in the keys' order
     */
    <T> Map<String, T> each(String what, List<String> keys, int page, BiFunction<Pipeline, String, Response<T>> pipelined,
            BiFunction<Jedis, String, T> alone, boolean durable, Consumer<String> otherType) {
        Map<String, T> answers = new LinkedHashMap<>();
        List<String> moved = new ArrayList<>();
        for (List<String> onNode : byNode(keys).values()) {
            for (int from = 0; from < onNode.size(); from += page) {
                List<String> slice = onNode.subList(from, Math.min(onNode.size(), from + page));
                Map<String, T> got = new LinkedHashMap<>();
                List<String> again = new ArrayList<>();
                redis(what, slice.get(0), j -> {
                    got.clear();
                    again.clear();
                    Pipeline p = j.pipelined();
                    List<Response<T>> replies = new ArrayList<>(slice.size());
                    for (String key : slice) {
                        replies.add(pipelined.apply(p, key));
                    }
                    p.sync();
                    for (int i = 0; i < slice.size(); i++) {
                        try {
                            got.put(slice.get(i), replies.get(i).get());
                        } catch (JedisDataException redirected) {
                            again.add(slice.get(i)); // its slot is moving, or moved (or a wrong type): on its own below
                        }
                    }
                    if (durable) {
                        awaitReplicas(j, slice.get(0), got.values().stream().anyMatch(Replicas::changed));
                    }
                    return null;
                });
                answers.putAll(got);
                moved.addAll(again);
            }
        }
        for (String key : moved) {
            try {
                answers.put(key, redis(what, key, j -> {
                    T answer = alone.apply(j, key);
                    if (durable) {
                        awaitReplicas(j, key, Replicas.changed(answer));
                    }
                    return answer;
                }));
            } catch (RedisFailures.WrongType e) {
                otherType.accept(key);
            }
        }
        return answers;
    }

    /**
     * Whether a failure says the topology may have changed, so the call is worth one more try on
     * whatever primary serves the key then: a broken connection, a node that became a replica
     * (READONLY), a slot that moved (MOVED, ASK) or a cluster that is electing a new primary.
     */
    private static boolean movedOrDown(JedisException e) {
        if (e instanceof Batcher.Interrupted) {
            return false; // its command may have been sent: never twice
        }
        if (e instanceof JedisConnectionException || e instanceof JedisRedirectionException) {
            return true;
        }
        String m = String.valueOf(e.getMessage());
        return m.startsWith("READONLY") || m.startsWith("CLUSTERDOWN") || m.startsWith("TRYAGAIN")
                || m.startsWith("MASTERDOWN");
    }

    /**
     * Runs {@code op} on a pooled connection of the primary that serves {@code key}, within
     * {@code timeout} in all: the wait for a free connection, a connect, and the command share one
     * deadline (the socket timeout of a borrowed connection is cut to what is left), so a hung
     * Redis with more callers than connections still fails every call within {@code timeout}. A
     * failure that says the topology changed is tried once more (if half the time is left) on the
     * primary that serves the key then.
     */
    <T> T redis(String what, String key, Function<Jedis, T> op) {
        ensureOpen();
        long deadline = System.nanoTime() + config.timeout().toNanos();
        Connections.deadline(deadline); // a topology lookup on the way works within it too
        for (int attempt = 1;; attempt++) {
            try {
                return on(key, op, deadline);
            } catch (JedisException e) {
                if (!again(e, attempt, deadline)) {
                    throw failures.translate(what, e);
                }
            }
        }
    }

    /**
     * Whether a failed try is tried again, within the call's deadline: one that says the topology
     * changed (a broken connection, a moved slot, a read-only former primary) up to twice while a
     * quarter of the time is left, the topology having been read again; one that says a slot is
     * being moved ({@code TRYAGAIN}, a multi-key script while its keys are split between two
     * nodes) or the cluster is electing ({@code CLUSTERDOWN}) after a pause of up to 50 ms, while
     * time is left. An interrupted call never.
     */
    private boolean again(JedisException e, int attempt, long deadline) {
        if (!movedOrDown(e)) {
            return false;
        }
        long left = deadline - System.nanoTime();
        String m = String.valueOf(e.getMessage());
        if (m.startsWith("TRYAGAIN") || m.startsWith("CLUSTERDOWN")) {
            long pause = Math.min(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50), left / 4);
            if (pause < java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1)) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(pause);
            return !Thread.currentThread().isInterrupted() && deadline - System.nanoTime() > 0;
        }
        return attempt < 3 && left >= config.timeout().toNanos() / 4;
    }

    /** One try on the primary of {@code key}; a redirection to another node (ASK) is followed there. */
    private <T> T on(String key, Function<Jedis, T> op, long deadline) {
        Node node = topology.node(key);
        try {
            return once(node, op, deadline, false);
        } catch (JedisAskDataException ask) {
            // the slot is moving: this key is already on the target node, which answers after ASKING
            Node target = topology.nodeAt(new RedisConfig.Address(ask.getTargetNode().getHost(), ask.getTargetNode().getPort()));
            return once(target, op, deadline, true);
        } catch (JedisException e) {
            if (movedOrDown(e)) {
                topology.failed(node, e);
            }
            throw e;
        }
    }

    /**
     * A short call, sent together with whatever other callers of the same primary queued
     * meanwhile (see {@link Batcher}); the same deadline, retry and error translation as {@link #redis}.
     */
    <T> T batched(String what, String key, Function<Pipeline, Response<T>> send) {
        return batched(what, key, send, null, null, false);
    }

    /**
     * The same; takes {@code member} out of the index {@code index} (one ZREM per batch), and, if
     * {@code durable}, returns only once {@code min_replicas_ack} replicas confirmed it.
     */
    <T> T batched(String what, String key, Function<Pipeline, Response<T>> send, String index, String member,
            boolean durable) {
        ensureOpen();
        long deadline = System.nanoTime() + config.timeout().toNanos();
        Connections.deadline(deadline); // a topology lookup on the way works within it too
        for (int attempt = 1;; attempt++) {
            JedisException failed;
            try {
                return batchedOn(key, send, index, member, durable, deadline);
            } catch (JedisException e) {
                failed = e;
            } catch (IllegalStateException closedMeanwhile) {
                ensureOpen();
                failed = new JedisConnectionException("the node was replaced", closedMeanwhile);
            }
            if (!again(failed, attempt, deadline)) {
                throw failures.translate(what, failed);
            }
            Connections.deadline(deadline);
        }
    }

    private <T> T batchedOn(String key, Function<Pipeline, Response<T>> send, String index, String member,
            boolean durable, long deadline) {
        Node node = topology.node(key);
        try {
            return node.batcher(durable && config.minReplicasAck() > 0).call(send, deadline, confirmKey(key), index, member,
                    durable);
        } catch (JedisAskDataException ask) {
            // a slot on the move: this one call goes, unbatched, to where the key is now
            Node target = topology.nodeAt(new RedisConfig.Address(ask.getTargetNode().getHost(), ask.getTargetNode().getPort()));
            return once(target, j -> {
                Pipeline p = j.pipelined();
                Response<T> r = send.apply(p);
                if (index != null) {
                    p.zrem(index, member);
                }
                p.sync();
                T value = r.get();
                if (durable) {
                    awaitReplicas(j, key, Replicas.changed(value)); // ASKING again first: the same importing slot
                }
                return value;
            }, deadline, true);
        } catch (JedisException e) {
            if (movedOrDown(e)) {
                topology.failed(node, e);
            }
            throw e;
        }
    }

    /**
     * With {@code min_replicas_ack}: WAIT on this connection, failing if too few replicas confirm in
     * time, up to everything the primary had (see {@link Replicas#CONFIRM_SCRIPT}, written at
     * {@link Layout#confirmKey} of {@code key}). If the script is refused (out of memory, say), a call that {@code changed}
     * something was passed on anyway and is confirmed by the WAIT; one that changed nothing fails.
     */
    /** Where a call on {@code key} confirms ({@link Layout#confirmKey}). */
    private String confirmKey(String key) {
        return Layout.confirmKey(config.sessionPrefix(), config.mode() == RedisConfig.Mode.CLUSTER, key);
    }

    void awaitReplicas(Jedis j, String key, boolean changed) {
        int wanted = config.minReplicasAck();
        if (wanted > 0) {
            try {
                if (config.mode() == RedisConfig.Mode.CLUSTER) {
                    j.asking(); // this op may have come by an ASK redirection (a slot on the move): harmless otherwise
                }
                j.eval(Replicas.CONFIRM_SCRIPT, 1, confirmKey(key));
            } catch (JedisDataException refused) {
                if (!changed) {
                    throw Replicas.refusedConfirmation(refused);
                }
            }
            long waited = Replicas.waitMillis(Connections.leftMillis(config));
            long acked = waited > 0 ? j.waitReplicas(wanted, waited) : 0;
            if (acked < wanted) {
                throw new Replicas.NotReplicated(acked, wanted, waited);
            }
        }
    }

    /** A script sent batched by its SHA; if the server has lost it (SCRIPT FLUSH), sent in full on the pool. */
    Object batchedScript(String what, Script script, List<String> keys, List<String> args) {
        try {
            return batched(what, keys.get(0), p -> p.evalsha(script.sha(), keys, args), null, null, true);
        } catch (StoreException e) {
            if (e.getMessage() != null && e.getMessage().contains("NOSCRIPT")) {
                return redis(what, keys.get(0), j -> {
                    Object r = script.run(j, keys, args);
                    awaitReplicas(j, keys.get(0), Replicas.changed(r));
                    return r;
                });
            }
            throw e;
        }
    }

    /**
     * Loads the batched scripts on a new connection, so they run by SHA from the start. A user
     * whose ACL does not allow SCRIPT LOAD (the README's rules do not) is fine: the first call
     * that meets NOSCRIPT sends the script in full once, and the server keeps it.
     */
    private Void loadScripts(Jedis j) {
        try {
            for (Script s : Script.BATCHED) {
                j.scriptLoad(s.text());
            }
        } catch (JedisDataException refused) {
            // NOPERM: see above
        }
        failures.checkEvictionPolicy(j);
        return null;
    }

    private <T> T once(Node node, Function<Jedis, T> op, long deadline, boolean asking) {
        Connections.deadline(deadline);
        Jedis jedis = borrow(node, deadline);
        // only a reply read in full (a value, or an error reply) leaves the connection fit to reuse;
        // anything else (a broken connection, any throwable half-way through a pipeline) drops it,
        // so no later call ever reads a reply meant for this one
        boolean inStep = false;
        try {
            int left = Connections.leftMillis(config);
            Connections.bound(jedis, left);
            if (asking) {
                jedis.asking();
            }
            T result = op.apply(jedis);
            inStep = true;
            return result;
        } catch (JedisDataException e) {
            inStep = true; // an error reply, read in full
            throw e;
        } finally {
            release(node, jedis, !inStep);
        }
    }

    private Jedis borrow(Node node, long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new JedisConnectionException("no time left within the timeout");
        }
        try {
            return node.pool.borrowObject(Duration.ofNanos(left));
        } catch (NoSuchElementException busy) {
            throw new JedisConnectionException("all " + config.poolSize() + " connections (pool_size) stayed busy for the"
                    + " whole timeout");
        } catch (JedisException e) {
            throw e;
        } catch (IllegalStateException e) {
            ensureOpen();
            throw new JedisConnectionException("the connections to " + node + " were closed (the primary changed)", e);
        } catch (Exception e) {
            throw new JedisConnectionException(e.getMessage(), e);
        }
    }

    private static void release(Node node, Jedis jedis, boolean broken) {
        try {
            if (broken || jedis.getConnection().isBroken()) {
                node.pool.invalidateObject(jedis);
            } else {
                node.pool.returnObject(jedis);
            }
        } catch (Exception e) {
            // the pool is closed, or the connection could not be closed: nothing more to do
        }
    }

    /** Groups keys by the primary serving them now (a cluster's); unavailable if the topology cannot be read. */
    Map<Node, List<String>> byNode(List<String> keys) {
        try {
            return topology.byNode(keys);
        } catch (JedisException e) {
            throw failures.translate("finding the cluster's primaries", e);
        }
    }
}
