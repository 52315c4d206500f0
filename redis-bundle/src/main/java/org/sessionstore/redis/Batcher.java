package org.sessionstore.redis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import org.apache.commons.pool2.PooledObjectFactory;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Lets callers that arrive together share a round trip, as Lettuce's shared connection does,
 * without a dispatcher thread: each command is queued on one of a few lanes (a connection each);
 * a caller that finds its lane free sends everything queued in one pipeline, reads the replies in
 * order and hands each caller its own. A lone caller sends its own command at once, so its
 * latency is a direct call's.
 *
 * <p>Every call is bounded by its own deadline. A sender sends rounds only until its own call
 * is answered, each read with the socket timeout of its own deadline (and a connection it has to
 * make, within it too); then it hands the lane to the first caller still waiting, which sends
 * the next round. A caller whose deadline passes before its command was taken gives up and its
 * command is never sent; one whose command is on the wire when its deadline passes fails with a
 * timeout (the command may have run: in doubt, as with any timeout). An interrupted caller is
 * treated the same way and is never retried.
 *
 * <p>Every reply, error included, reaches its own caller. If anything fails while a round is on
 * the wire (the connection, or any throwable in this code), the connection is dropped, never
 * reused with replies unread, and every caller of the round hears the failure. The next round
 * connects again (scripts are loaded on each new connection by the connection factory).
 *
 * <p>Lock-free: a lane's queue is a concurrent queue and "someone is sending" an atomic boolean.
 * Waiters park; a sender that leaves unparks the head of the queue, and a waiter also looks
 * every {@value #POLL_MILLIS} ms, so no command is left behind.
 */
final class Batcher implements AutoCloseable {

    /** The most commands one pipeline carries; more wait for the next round. */
    static final int MAX_BATCH = 256;
    static final long POLL_MILLIS = 50;

    private static final int QUEUED = 0;
    private static final int SENT = 1;
    private static final int CANCELLED = 2;

    /** A call interrupted while it waited: never retried (its command may have been sent). */
    static final class Interrupted extends JedisConnectionException {
        private static final long serialVersionUID = 1L;

        Interrupted() {
            super("interrupted while waiting for redis");
        }
    }

    /** One queued command. */
    private static final class Call<T> {
        final Function<Pipeline, Response<T>> send;
        final long deadline;
        /** Where the round's {@link Replicas#CONFIRM_SCRIPT} may write for this call ({@link Layout#confirmKey}: its slot). */
        final String confirmKey;
        /** A member to take out of a sorted set along with the command, or null (merged per batch). */
        final String zremKey;
        final String zremMember;
        /** Whether the call returns only once enough replicas have it ({@code min_replicas_ack}). */
        final boolean durable;
        final Thread waiter = Thread.currentThread();
        final AtomicInteger state = new AtomicInteger(QUEUED);
        Response<T> response;
        // written before done
        T value;
        Throwable failure;
        volatile boolean done;

        Call(Function<Pipeline, Response<T>> send, long deadline, String confirmKey, String zremKey, String zremMember,
                boolean durable) {
            this.send = send;
            this.deadline = deadline;
            this.confirmKey = confirmKey;
            this.zremKey = zremKey;
            this.zremMember = zremMember;
            this.durable = durable;
        }

        void queue(Pipeline p) {
            response = send.apply(p);
        }

        void complete(T v) {
            value = v;
            done = true;
            LockSupport.unpark(waiter);
        }

        void fail(Throwable t) {
            failure = t;
            done = true;
            LockSupport.unpark(waiter);
        }

        void finish(long acked, int wanted, long waitedMillis) {
            try {
                T v = response.get();
                if (durable && acked < wanted) {
                    fail(new Replicas.NotReplicated(acked, wanted, waitedMillis));
                } else {
                    complete(v);
                }
            } catch (Throwable e) {
                fail(e);
            }
        }
    }

    private static boolean anyDurable(List<Call<?>> batch) {
        for (Call<?> c : batch) {
            if (c.durable) {
                return true;
            }
        }
        return false;
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
    private final RedisConfig config;
    private final boolean durableLanes;
    private volatile boolean closed;

    /**
     * @param lanes how many connections batches travel on
     * @param connections makes a ready connection (within the current call's deadline)
     */
    Batcher(int lanes, PooledObjectFactory<Jedis> connections, RedisConfig config) {
        this(lanes, connections, config, false);
    }

    /**
     * @param durableLanes whether these lanes carry the writes that wait for replicas (said in a
     *        timeout's message)
     */
    Batcher(int lanes, PooledObjectFactory<Jedis> connections, RedisConfig config, boolean durableLanes) {
        this.durableLanes = durableLanes;
        this.lanes = new Lane[lanes];
        for (int i = 0; i < lanes; i++) {
            this.lanes[i] = new Lane();
        }
        this.connections = connections;
        this.config = config;
    }

    /**
     * Sends a command with whatever else is queued, and waits for its reply; also takes
     * {@code member} out of the sorted set {@code zremKey} (one {@code ZREM} per batch for all the
     * calls that name the same set, sent before their commands, so a delete never removes the
     * index entry of an add that follows it). A {@code durable} call returns only once
     * {@code min_replicas_ack} replicas confirmed the batch ({@code WAIT}, once per batch), else
     * fails with {@link Replicas.NotReplicated}.
     *
     * @param send queues the command on a pipeline and returns its response
     * @param deadline when the caller gives up (System.nanoTime)
     * @param confirmKey where a durable round may confirm for this call ({@link Layout#confirmKey} of its key)
     * @return the reply
     * @throws JedisException the command's own error, or the connection's
     * @throws IllegalStateException if the batcher is closed
     */
    <T> T call(Function<Pipeline, Response<T>> send, long deadline, String confirmKey, String zremKey, String member,
            boolean durable) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        Call<T> c = new Call<>(send, deadline, confirmKey, zremKey, member, durable && config.minReplicasAck() > 0);
        Lane lane = pick();
        lane.queue.add(c);
        while (!c.done) {
            // the deadline first: a caller whose time is up never sends (a sender whose own call
            // has expired sends nothing, so driving again would spin)
            long left = deadline - System.nanoTime();
            if (left > 0 && !Thread.currentThread().isInterrupted() && !lane.sending.get() && !lane.queue.isEmpty()) {
                drive(lane, c);
                continue;
            }
            left = deadline - System.nanoTime();
            if (left <= 0 || Thread.currentThread().isInterrupted()) {
                boolean interrupted = left > 0;
                if (c.state.compareAndSet(QUEUED, CANCELLED)) {
                    lane.queue.remove(c);
                    handOff(lane);
                    if (interrupted) {
                        throw new Interrupted();
                    }
                    throw new JedisConnectionException("no answer within the timeout (the command was not sent: the"
                            + " connection stayed busy" + (durableLanes ? ", waiting for min_replicas_ack replicas"
                                    + " to confirm earlier writes" : "") + ")");
                }
                if (c.done) {
                    break;
                }
                if (interrupted) {
                    throw new Interrupted();
                }
                throw new JedisConnectionException("no answer within the timeout" + (durableLanes
                        ? " (waiting for min_replicas_ack replicas to confirm)" : ""));
            }
            LockSupport.parkNanos(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS)));
        }
        if (c.failure != null) {
            throw rethrow(c.failure);
        }
        return c.value;
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
        if (t instanceof Error e) {
            throw e;
        }
        return new JedisConnectionException(String.valueOf(t.getMessage()), t);
    }

    /** Sends rounds for the lane until {@code mine} is answered, if no one else is sending. */
    private void drive(Lane lane, Call<?> mine) {
        if (!lane.sending.compareAndSet(false, true)) {
            return;
        }
        try {
            while (!mine.done && !lane.queue.isEmpty()) {
                if (closed || mine.deadline - System.nanoTime() <= 0) {
                    break; // mine gives up (and is never sent); the next waiter sends for the others
                }
                List<Call<?>> batch = new ArrayList<>();
                for (Call<?> c; batch.size() < MAX_BATCH && (c = lane.queue.poll()) != null;) {
                    if (c.state.compareAndSet(QUEUED, SENT)) {
                        batch.add(c);
                    }
                }
                if (!batch.isEmpty()) {
                    send(lane, batch, mine.deadline);
                }
            }
        } finally {
            lane.sending.set(false);
            if (closed) {
                shut(lane);
            }
            handOff(lane);
        }
    }

    /** Wakes the first waiting caller of a lane no one sends on, to send the next round. */
    private static void handOff(Lane lane) {
        if (!lane.sending.get()) {
            Call<?> head = lane.queue.peek();
            if (head != null) {
                LockSupport.unpark(head.waiter);
            }
        }
    }

    private void send(Lane lane, List<Call<?>> batch, long deadline) {
        Response<Object> confirmed = null;
        Response<Long> acked = null;
        long waited = 0;
        try {
            Connections.deadline(deadline);
            if (lane.connection == null || lane.connection.getConnection().isBroken()) {
                dropConnection(lane);
                lane.connection = connections.makeObject().getObject();
            }
            int left = Connections.leftMillis(config);
            if (deadline - System.nanoTime() <= 0) {
                throw new JedisConnectionException("no time left within the timeout");
            }
            Connections.bound(lane.connection, left);
            Pipeline p = lane.connection.pipelined();
            Map<String, List<String>> zrems = null;
            String confirmAt = null;
            for (Call<?> c : batch) {
                if (c.zremKey != null) {
                    if (zrems == null) {
                        zrems = new HashMap<>(2);
                    }
                    zrems.computeIfAbsent(c.zremKey, k -> new ArrayList<>()).add(c.zremMember);
                }
                if (c.durable && confirmAt == null) {
                    confirmAt = c.confirmKey;
                }
            }
            if (zrems != null) {
                zrems.forEach((key, members) -> p.zrem(key, members.toArray(new String[0])));
            }
            for (Call<?> c : batch) {
                c.queue(p);
            }
            if (confirmAt != null) {
                confirmed = p.eval(Replicas.CONFIRM_SCRIPT, 1, confirmAt);
                // within the earliest deadline of the round's callers (and so within this round's
                // socket timeout), so every one of them hears how many replicas confirmed in time
                long earliest = deadline;
                for (Call<?> c : batch) {
                    earliest = Math.min(earliest, c.deadline);
                }
                waited = Replicas.waitMillis((earliest - System.nanoTime()) / 1_000_000);
                if (waited > 0) {
                    acked = p.waitReplicas(config.minReplicasAck(), waited);
                } // else no time left to ask: the durable calls fail as not confirmed
            }
            p.sync();
        } catch (Throwable t) {
            // never reuse a connection whose replies may be unread: every caller of the round hears it
            dropConnection(lane);
            JedisException failure = t instanceof JedisException j ? j
                    : new JedisConnectionException(String.valueOf(t.getMessage()), t);
            for (Call<?> c : batch) {
                if (!c.done) {
                    c.fail(failure);
                }
            }
            if (t instanceof Error e) {
                throw e;
            }
            return;
        }
        long ackedReplicas;
        try {
            ackedReplicas = acked != null ? acked.get() : waited > 0 || !anyDurable(batch) ? Long.MAX_VALUE : 0;
        } catch (JedisException e) {
            ackedReplicas = 0;
        }
        JedisException unconfirmed = confirmed == null ? null : refusal(confirmed);
        // the script refused (out of memory, say): a round that changed something was passed on
        // anyway, and its WAIT covers all before it; one that changed nothing cannot be confirmed
        boolean unconfirmable = unconfirmed != null && !anyChanged(batch);
        for (Call<?> c : batch) {
            if (c.durable && unconfirmable && refusal(c.response) == null) { // its own error says more
                c.fail(Replicas.refusedConfirmation(unconfirmed));
            } else {
                c.finish(ackedReplicas, config.minReplicasAck(), waited);
            }
        }
    }

    /** The error a reply carries, or null. */
    private static JedisException refusal(Response<?> r) {
        try {
            r.get();
            return null;
        } catch (JedisException e) {
            return e;
        }
    }

    /** Whether a durable call of the round changed something, and so was passed on to the replicas. */
    private static boolean anyChanged(List<Call<?>> batch) {
        for (Call<?> c : batch) {
            if (c.durable && refusal(c.response) == null && Replicas.changed(c.response.get())) {
                return true;
            }
        }
        return false;
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

    /** Drops every idle lane's connection (the server failed or changed): the next round connects again. */
    void reset() {
        for (Lane lane : lanes) {
            if (lane.sending.compareAndSet(false, true)) {
                try {
                    dropConnection(lane);
                } finally {
                    lane.sending.set(false);
                }
                handOff(lane);
            }
        }
    }

    /** Drops a lane's connection and fails what it still holds, if no one is sending on it. */
    private static void shut(Lane lane) {
        if (lane.sending.compareAndSet(false, true)) {
            try {
                dropConnection(lane);
                for (Call<?> c; (c = lane.queue.poll()) != null;) {
                    if (c.state.compareAndSet(QUEUED, CANCELLED)) {
                        c.fail(new IllegalStateException("closed"));
                    }
                }
            } finally {
                lane.sending.set(false);
            }
        }
    }

    /**
     * Closes the connections. Never waits: a lane a sender is using is shut by that sender when
     * its round ends (bounded by its timeout), and a caller that slipped in meanwhile finds it closed.
     */
    @Override
    public void close() {
        closed = true;
        for (Lane lane : lanes) {
            shut(lane);
        }
    }
}
