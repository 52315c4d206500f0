package org.sessionstore.registry.near;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How long invalidations took from the sending node's clock to this node's (milliseconds; the
 * nodes' clocks are taken to agree, as on one host or under NTP): a histogram of fixed bounds, for a
 * p99 in {@code info} and the metrics.
 */
final class Lag {

    static final long[] BOUNDS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 5_000};
    private final AtomicLongArray counts = new AtomicLongArray(BOUNDS.length + 1);

    void add(long millis) {
        int i = 0;
        while (i < BOUNDS.length && millis > BOUNDS[i]) {
            i++;
        }
        counts.incrementAndGet(i);
    }

    /** The bound under which {@code q} of the lags fell (an estimate from above); NaN with none, +Inf above the last bound. */
    double quantile(double q) {
        long total = 0;
        for (int i = 0; i < counts.length(); i++) {
            total += counts.get(i);
        }
        if (total == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < BOUNDS.length; i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return BOUNDS[i];
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    String describe() {
        double p = quantile(0.99);
        return Double.isNaN(p) ? "" : ", lag p99 " + (Double.isInfinite(p) ? "> 5000" : "≤ " + (long) p) + " ms";
    }
}
