package org.sessionstore.redis;

import java.util.function.Function;

import org.apache.commons.pool2.impl.GenericObjectPool;

import redis.clients.jedis.Jedis;

/**
 * One Redis primary the store talks to: its pool (long work) and its batcher (short calls).
 * One server has one; a cluster one per primary; Sentinel one per primary it has followed.
 */
final class Node implements AutoCloseable {

    /** Connections batched calls share: enough to keep Redis busy while one lane waits for its replies. */
    static final int LANES = 2;

    final RedisConfig.Address address;
    final GenericObjectPool<Jedis> pool;
    /** Short calls. */
    final Batcher batcher;
    /**
     * Short writes that wait for replicas ({@code min_replicas_ack}): lanes of their own, so a
     * {@code WAIT} never holds up a read (with no replica connected, it blocks a round for the
     * whole timeout). The same as {@link #batcher} without {@code min_replicas_ack}.
     */
    final Batcher durable;

    /**
     * @param onConnect prepares each new connection (loads scripts; in Sentinel mode, checks it is
     *        the primary); its failure fails the call that made the connection
     */
    Node(RedisConfig config, RedisConfig.Address address, Function<Jedis, Void> onConnect) {
        this.address = address;
        Connections factory = new Connections(config, address, onConnect);
        this.pool = Connections.pool(config, factory);
        this.batcher = new Batcher(Math.min(config.poolSize(), LANES), factory, config);
        this.durable = config.minReplicasAck() > 0
                ? new Batcher(Math.min(config.poolSize(), LANES), factory, config, true) : batcher;
    }

    /** The batcher for a call: {@link #durable} for a write that waits for replicas. */
    Batcher batcher(boolean waitsForReplicas) {
        return waitsForReplicas ? durable : batcher;
    }

    /** Drops every idle connection (the server failed, or is not the primary any more); calls make new ones. */
    void reset() {
        batcher.reset();
        durable.reset();
        pool.clear();
    }

    @Override
    public void close() {
        batcher.close();
        durable.close();
        pool.close();
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
