package org.sessionstore.api.config;

import java.time.Duration;
import java.util.List;

import org.sessionstore.api.StoreConfigException;

/**
 * Idle expiry, the same keys and rules in every backend: {@code idle_timeout} (0, the default: off)
 * ends a session that no read touched for that long, and {@code touch_after} (default a tenth of
 * {@code idle_timeout}, at least 1s) is how often a read may write the new idle deadline: a read
 * extends it only when it is at least {@code touch_after} older than it would be now, so a session
 * read 10,000 times a second is written once per {@code touch_after}. The session's
 * {@code expiresAt} stays the absolute cap: idle or not, it ends then. A session's deadline is
 * therefore {@code min(expiresAt, last touch + idle_timeout)}; an idle session ends up to
 * {@code touch_after} earlier than its last read plus {@code idle_timeout} (the read that did not
 * write), and a session read until its end lives exactly until {@code expiresAt} (the touch that
 * reaches it is always written). {@code touch_after} must be below {@code idle_timeout}.
 *
 * @param idle {@code idle_timeout} (zero: off)
 * @param touchAfter {@code touch_after}
 * @since 1.2
 */
public record IdleTimeout(Duration idle, Duration touchAfter) {

    /** The keys, for a backend's list of known keys. */
    public static final List<String> KEYS = List.of("idle_timeout", "touch_after");
    /** Off. */
    public static final IdleTimeout OFF = new IdleTimeout(Duration.ZERO, Duration.ZERO);

    /**
     * Reads the two keys.
     *
     * @param c the backend's configuration
     * @return the rule
     * @throws StoreConfigException naming the key and what it accepts
     */
    public static IdleTimeout from(StoreConfig c) {
        Duration idle = c.duration("idle_timeout", Duration.ZERO, Duration.ZERO, Duration.ofDays(365));
        if (idle.isZero()) {
            if (!c.string("touch_after", "").isEmpty()) {
                throw new StoreConfigException("touch_after", "key 'touch_after' needs idle_timeout: give an idle_timeout"
                        + " (such as 30m) or leave touch_after out");
            }
            return OFF;
        }
        if (idle.compareTo(Duration.ofSeconds(2)) < 0) {
            throw new StoreConfigException("idle_timeout", "bad value for key 'idle_timeout': 0 (off) or at least 2s,"
                    + " such as 30m");
        }
        Duration fallback = idle.dividedBy(10).compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : idle.dividedBy(10);
        Duration touch = c.duration("touch_after", fallback, Duration.ofSeconds(1), Duration.ofDays(365));
        if (touch.compareTo(idle) >= 0) {
            throw new StoreConfigException("touch_after", "bad value for key 'touch_after': " + Durations.format(touch)
                    + " is not below idle_timeout " + Durations.format(idle) + "; give a touch_after of a small part of it"
                    + " (default: a tenth)");
        }
        return new IdleTimeout(idle, touch);
    }

    /**
     * Whether idle expiry is on.
     *
     * @return true if {@code idle} is above zero
     */
    public boolean on() {
        return !idle.isZero();
    }

    /**
     * A session's deadline when it is touched (added or read) at {@code now}.
     *
     * @param now the time, epoch milliseconds
     * @param expiresAt the session's absolute end, epoch milliseconds
     * @return {@code min(expiresAt, now + idle)}, or {@code expiresAt} when off
     */
    public long deadline(long now, long expiresAt) {
        return on() ? Math.min(expiresAt, now + idle.toMillis()) : expiresAt;
    }

    /**
     * Whether a read at {@code now} should write the new deadline of a session whose deadline is
     * {@code current}: when the new one lies at least {@code touch_after} later, or when it reaches
     * the session's end (the last write there is: the session then lives exactly until its end).
     *
     * @param now the time, epoch milliseconds
     * @param current the deadline stored now
     * @param expiresAt the session's absolute end
     * @return true if a touch is due
     */
    public boolean due(long now, long current, long expiresAt) {
        return on() && due(now, current, expiresAt, idle.toMillis(), touchAfter.toMillis());
    }

    /**
     * {@link #due(long, long, long)} in plain milliseconds, for a store that keeps them at hand (a
     * memory read is a few dozen nanoseconds, and {@code Duration} arithmetic on each doubled it).
     *
     * @param now the time, epoch milliseconds
     * @param current the deadline stored now
     * @param expiresAt the session's end
     * @param idleMillis {@code idle_timeout} in milliseconds (above 0)
     * @param touchMillis {@code touch_after} in milliseconds
     * @return true if a touch is due
     */
    public static boolean due(long now, long current, long expiresAt, long idleMillis, long touchMillis) {
        long next = Math.min(expiresAt, now + idleMillis);
        return next > current && (next - current >= touchMillis || next == expiresAt);
    }

    /**
     * The least move a touch to {@code next} must make to be written, for a server that checks again
     * ({@link #due}'s rule): {@code touch_after}, or 1 ms when {@code next} is the session's end.
     *
     * @param next the new deadline
     * @param expiresAt the session's end
     * @return milliseconds
     */
    public long leastMove(long next, long expiresAt) {
        return next == expiresAt ? 1 : touchAfter.toMillis();
    }

    /**
     * When the session was last touched, from its deadline (to {@code touch_after}), or null when
     * off or when its deadline is its absolute end (then it cannot tell).
     *
     * @param deadline the stored deadline
     * @param expiresAt the absolute end
     * @return the instant, or null
     */
    public java.time.Instant lastSeen(long deadline, long expiresAt) {
        return on() && deadline < expiresAt ? java.time.Instant.ofEpochMilli(deadline - idle.toMillis()) : null;
    }

    /**
     * For {@code sessionstore:info}.
     *
     * @return for example {@code 30m, written at most every 3m}, or {@code off}
     */
    public String describe() {
        return !on() ? "off" : Durations.format(idle) + " (a read writes the new deadline at most every "
                + Durations.format(touchAfter) + ")";
    }
}
