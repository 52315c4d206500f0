package org.sessionstore.redis;

import org.sessionstore.api.Redaction;

import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * What {@code min_replicas_ack} needs beside the calls: the failure of a write too few replicas
 * confirmed, the script that makes a round's {@code WAIT} cover all the primary had, and the
 * timing of a {@code WAIT}. Used by {@link Batcher} and {@link RedisCalls}.
 */
final class Replicas {

    private Replicas() {
    }

    /**
     * A write that fewer replicas than {@code min_replicas_ack} confirmed in time: it is on the
     * primary, but a failover now could lose it, so its caller is told it failed. A write that
     * changed nothing (a delete that found nothing) is no exception: what it found may be an earlier
     * write that no replica has yet (the same delete, sent before and not confirmed: its retry, or
     * another node's delete of the session, finds it done), so it is confirmed up to everything the
     * primary had when it ran ({@link #CONFIRM_SCRIPT}).
     */
    static final class NotReplicated extends JedisDataException {
        private static final long serialVersionUID = 1L;

        NotReplicated(String message) {
            super(message);
        }

        NotReplicated(long acked, int wanted, long waitedMillis) {
            super(waitedMillis > 0 ? "NOTREPLICATED only " + acked + " of the " + wanted
                    + " replicas (min_replicas_ack) confirmed it within " + waitedMillis + " ms"
                    : "NOTREPLICATED no time was left within the timeout to wait for the " + wanted
                            + " replicas (min_replicas_ack) to confirm it");
        }
    }

    /**
     * Writes and deletes {@code KEYS[1]} ({@link Layout#confirmKey}) in one script, so every durable
     * round adds to the replication stream, and its {@code WAIT} counts the replicas that have all
     * the primary had when the round ran. Without it a round that changed nothing (a delete that
     * found nothing) would be confirmed against an older write of its connection, by a replica that
     * lacks the very delete it found done (in doubt on the primary): Redis 7.2 and later move a
     * connection's {@code WAIT} offset only after a command that was passed on to the replicas (7.0
     * moved it after every command; review, with 7.2.6). No reader ever finds the key (it lives only
     * inside the script); keyspace notifications and MONITOR see it. Uses only commands the store's
     * ACL already allows ({@code EVAL}, {@code SET}, {@code DEL}).
     */
    static final String CONFIRM_SCRIPT = "redis.call('SET', KEYS[1], '') return redis.call('DEL', KEYS[1])";

    /**
     * The confirmation refused (past maxmemory, say): the calls that changed nothing cannot be
     * confirmed, and say why in the words of {@link NotReplicated}.
     */
    static NotReplicated refusedConfirmation(JedisException why) {
        return new NotReplicated("NOTREPLICATED its confirmation for min_replicas_ack was refused ("
                + Redaction.printable(String.valueOf(why.getMessage()).lines().findFirst().orElse("")) + ")");
    }

    /**
     * Redis checks the timeouts of blocked commands such as {@code WAIT} about every 100 ms (its
     * default {@code hz 10}), so a {@code WAIT} may answer that much after its timeout.
     */
    static final long WAIT_LATE_MILLIS = 110;

    /**
     * How long a {@code WAIT} may wait so that its answer still comes within {@code untilMillis}
     * (the earliest deadline of the callers it answers); 0 or less: no time left to ask.
     */
    static long waitMillis(long untilMillis) {
        return untilMillis - WAIT_LATE_MILLIS;
    }

    /** Whether a reply says the command changed something (a delete that deleted, a state consumed). */
    static boolean changed(Object reply) {
        return reply != null && !(reply instanceof Long n && n == 0) && !Boolean.FALSE.equals(reply);
    }
}
