package org.sessionstore.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that stands still until a test moves it, so expiry is tested without sleeping.
 * Thread-safe: racing threads read it while the test advances it.
 */
public final class MutableClock extends Clock {

    private final AtomicReference<Instant> now;

    /**
     * @param start the first instant it shows
     */
    public MutableClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    /** A clock starting at a fixed instant in 2026, with a millisecond-aligned value. */
    public MutableClock() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    /**
     * Moves the clock forward.
     *
     * @param d how far (positive)
     * @return the new now
     */
    public Instant advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("a clock only moves forward: " + d);
        }
        return now.updateAndGet(i -> i.plus(d));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public long millis() {
        return now.get().toEpochMilli();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
