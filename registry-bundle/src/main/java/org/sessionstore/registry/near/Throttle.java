package org.sessionstore.registry.near;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Lets a repeated failure log one line a minute, not one per call: during an outage a node
 * fails thousands of calls a second, and one line that says how many is what an operator reads.
 * The first failure of an outage is told at once; the ones left untold are told by the next line,
 * or by {@link #settle()} when the outage ends. Thread-safe; it costs the failing path only, and a
 * read of one field on the path that succeeds.
 */
final class Throttle {

    private static final long NEVER = Long.MIN_VALUE;

    private final long every;
    /** When the last line was let through, or {@link #NEVER} (no outage since the last settle). */
    private final AtomicLong lastLine = new AtomicLong(NEVER);
    /** Failures not told yet. */
    private final LongAdder untold = new LongAdder();

    /** One line a minute. */
    Throttle() {
        this(TimeUnit.MINUTES.toNanos(1));
    }

    Throttle(long everyNanos) {
        this.every = everyNanos;
    }

    /**
     * Counts one failure.
     *
     * @return 0 if this one should not be logged, else how many failures its line tells (itself
     *         and those left untold since the last line)
     */
    long pass() {
        untold.increment();
        long now = System.nanoTime();
        long last = lastLine.get();
        if (last != NEVER && now - last < every) {
            return 0;
        }
        if (!lastLine.compareAndSet(last, now)) {
            return 0; // another thread tells them
        }
        return untold.sumThenReset();
    }

    /** Whether failures were let through since the last {@link #settle()}: one read, for the path that succeeds. */
    boolean failing() {
        return lastLine.get() != NEVER;
    }

    /**
     * The outage is over (a call succeeded, or the caller closes): how many failures no line told
     * (0 if none); the next failure is told at once.
     */
    long settle() {
        long last = lastLine.get();
        if (last == NEVER || !lastLine.compareAndSet(last, NEVER)) {
            return 0;
        }
        return untold.sumThenReset();
    }
}
