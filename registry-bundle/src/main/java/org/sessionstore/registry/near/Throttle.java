package org.sessionstore.registry.near;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Lets a repeated failure log one line a minute, not one per call: during an outage a node
 * fails thousands of calls a second, and one line that says how many is what an operator reads.
 * Thread-safe; the gate costs one read on the failing path only.
 */
final class Throttle {

    private final long every;
    private final AtomicLong openedAt = new AtomicLong();
    private final LongAdder since = new LongAdder();
    private volatile boolean opened;

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
     * @return 0 if this one should not be logged, else how many failures it speaks for (itself
     *         and those left unlogged since the last line)
     */
    long pass() {
        since.increment();
        long now = System.nanoTime();
        long last = openedAt.get();
        if (opened && now - last < every) {
            return 0;
        }
        if (!openedAt.compareAndSet(last, now)) {
            return 0;
        }
        opened = true;
        return since.sumThenReset();
    }
}
