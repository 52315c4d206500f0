package org.sessionstore.redis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import org.apache.commons.pool2.PooledObjectFactory;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Lets callers that arrive together share a round trip, as Lettuce's shared connection does,
 * without a dispatcher thread: each command is queued with its future on one of a few lanes (a
 * connection each); whichever caller finds the lane free sends everything queued in one
 * pipeline, reads the replies in order, completes the others' futures, and goes on while more is
 * queued. A lone caller sends its own command at once, so its latency is a direct call's.
 *
 * <p>Every reply, error included, reaches its own caller. A caller waits for its future no longer
 * than its deadline; the caller that sends reads with the socket timeout of its own deadline, so a
 * hung server fails every call within its timeout. A connection that fails is dropped and made
 * again for the next batch (scripts are loaded on each new connection).
 *
 * <p>Lock-free: a lane's queue is a concurrent queue and its "someone is sending" flag an atomic
 * boolean. The sender re-checks the queue after it clears the flag, so no command is left behind
 * (a caller that enqueued while the flag was set either is drained by the sender's next round or
 * takes the flag itself).
 */
final class Batcher implements AutoCloseable {

    /** The most commands one pipeline carries; more wait for the next round. */
    static final int MAX_BATCH = 256;

    /** One queued command. */
    private static final class Call<T> {
        final Function<Pipeline, Response<T>> send;
        final CompletableFuture<T> result = new CompletableFuture<>();
        final long deadline;
        /** A member to take out of a sorted set along with the command, or null (merged per batch). */
        final String zremKey;
        final String zremMember;
        Response<T> response;

        Call(Function<Pipeline, Response<T>> send, long deadline, String zremKey, String zremMember) {
            this.send = send;
            this.deadline = deadline;
            this.zremKey = zremKey;
            this.zremMember = zremMember;
        }

        void queue(Pipeline p) {
            response = send.apply(p);
        }

        void finish() {
            try {
                result.complete(response.get());
            } catch (JedisException | ClassCastException e) {
                result.completeExceptionally(e);
            }
        }
    }

    /** A connection and the commands waiting for it. */
    private static final class Lane {
        final ConcurrentLinkedQueue<Call<?>> queue = new ConcurrentLinkedQueue<>();
        final AtomicBoolean sending = new AtomicBoolean();
        /** Touched only by the caller that holds {@link #sending}. */
        Jedis connection;
    }

    private final Lane[] lanes;
    private final PooledObjectFactory<Jedis> connections;
    private final Function<Jedis, Void> onConnect;
    private final RedisConfig config;
    private volatile boolean closed;

    /**
     * @param lanes how many connections batches travel on
     * @param connections makes a connection (within the current call's deadline)
     * @param onConnect prepares a new connection (loads the scripts)
     */
    Batcher(int lanes, PooledObjectFactory<Jedis> connections, Function<Jedis, Void> onConnect, RedisConfig config) {
        this.lanes = new Lane[lanes];
        for (int i = 0; i < lanes; i++) {
            this.lanes[i] = new Lane();
        }
        this.connections = connections;
        this.onConnect = onConnect;
        this.config = config;
    }

    /**
     * Sends a command with whatever else is queued, and waits for its reply.
     *
     * @param send queues the command on a pipeline and returns its response
     * @param deadline when the caller gives up (System.nanoTime)
     * @return the reply
     * @throws JedisException the command's own error, or the connection's
     */
    <T> T call(Function<Pipeline, Response<T>> send, long deadline) {
        return call(send, deadline, null, null);
    }

    /**
     * The same, and takes {@code member} out of the sorted set {@code zremKey} after the command, in
     * one {@code ZREM} shared by every call of the batch that names the same set (its reply is not
     * the caller's: the command's own is).
     */
    <T> T call(Function<Pipeline, Response<T>> send, long deadline, String zremKey, String member) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        Call<T> c = new Call<>(send, deadline, zremKey, member);
        Lane lane = pick();
        lane.queue.add(c);
        drive(lane);
        if (!c.result.isDone()) {
            long left = deadline - System.nanoTime();
            try {
                return c.result.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new JedisConnectionException("no answer within the timeout");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JedisConnectionException("interrupted while waiting for redis");
            } catch (ExecutionException e) {
                throw rethrow(e.getCause());
            }
        }
        try {
            return c.result.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw rethrow(e.getCause());
        }
    }

    /**
     * The first lane no one is sending on (so a lone caller always uses the same warm connection),
     * else a random one (callers that arrive while every lane is busy spread over them).
     */
    private Lane pick() {
        for (Lane l : lanes) {
            if (!l.sending.get()) {
                return l;
            }
        }
        return lanes[ThreadLocalRandom.current().nextInt(lanes.length)];
    }

    private static JedisException rethrow(Throwable t) {
        if (t instanceof JedisException j) {
            return j;
        }
        return new JedisConnectionException(String.valueOf(t.getMessage()), t);
    }

    /** Sends what the lane holds, round after round, if no one else is sending. */
    private void drive(Lane lane) {
        while (!lane.queue.isEmpty() && lane.sending.compareAndSet(false, true)) {
            try {
                List<Call<?>> batch = new ArrayList<>();
                for (Call<?> c; batch.size() < MAX_BATCH && (c = lane.queue.poll()) != null;) {
                    if (!c.result.isDone()) {
                        batch.add(c);
                    }
                }
                if (!batch.isEmpty()) {
                    send(lane, batch);
                }
            } finally {
                lane.sending.set(false);
            }
        }
    }

    private void send(Lane lane, List<Call<?>> batch) {
        long latest = batch.stream().mapToLong(c -> c.deadline).max().getAsLong();
        try {
            Connections.deadline(latest);
            if (lane.connection == null || lane.connection.getConnection().isBroken()) {
                dropConnection(lane);
                lane.connection = connections.makeObject().getObject();
                onConnect.apply(lane.connection);
            }
            int left = Connections.leftMillis(config);
            if (lane.connection.getConnection().getSoTimeout() != left) {
                lane.connection.getConnection().setSoTimeout(left);
            }
            Pipeline p = lane.connection.pipelined();
            Map<String, List<String>> zrems = null;
            for (Call<?> c : batch) {
                c.queue(p);
                if (c.zremKey != null) {
                    if (zrems == null) {
                        zrems = new HashMap<>(2);
                    }
                    zrems.computeIfAbsent(c.zremKey, k -> new ArrayList<>()).add(c.zremMember);
                }
            }
            if (zrems != null) {
                zrems.forEach((key, members) -> p.zrem(key, members.toArray(new String[0])));
            }
            p.sync();
        } catch (Exception e) {
            // the connection failed (or could not be made): every caller of the batch hears it
            dropConnection(lane);
            JedisException failure = e instanceof JedisException j ? j : new JedisConnectionException(e.getMessage(), e);
            for (Call<?> c : batch) {
                c.result.completeExceptionally(failure);
            }
            return;
        }
        for (Call<?> c : batch) {
            c.finish();
        }
    }

    private static void dropConnection(Lane lane) {
        Jedis j = lane.connection;
        lane.connection = null;
        if (j != null) {
            try {
                j.close();
            } catch (RuntimeException ignored) {
                // already broken
            }
        }
    }

    /** Drops every lane's connection (the server went away: the next batch connects again). */
    void reset() {
        for (Lane lane : lanes) {
            if (lane.sending.compareAndSet(false, true)) {
                try {
                    dropConnection(lane);
                } finally {
                    lane.sending.set(false);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Lane lane : lanes) {
            while (!lane.sending.compareAndSet(false, true)) {
                Thread.onSpinWait();
            }
            try {
                dropConnection(lane);
                for (Call<?> c; (c = lane.queue.poll()) != null;) {
                    c.result.completeExceptionally(new IllegalStateException("closed"));
                }
            } finally {
                lane.sending.set(false);
            }
        }
    }
}
