package org.sessionstore.registry.metrics;

import java.util.concurrent.atomic.LongAdder;

import org.sessionstore.api.StoreFullException;
import org.sessionstore.api.StoreUnavailableException;

/**
 * The figures of one operation on one store type: calls, failures by kind, results (hit, miss,
 * mismatch), and a latency histogram of the timed calls (one call in {@link #SAMPLE} is timed: a
 * clock read costs as much as a memory get). {@link LongAdder}s: a call on any thread adds without
 * a lock, a scrape sums.
 */
final class OpStats {

    /** One call in this many is timed (a power of two). */
    static final int SAMPLE = 8;
    /** Failure kinds, by their label. */
    static final String[] KINDS = {"unavailable", "full", "invalid", "unsupported", "other"};
    /** The upper bounds of the latency buckets, in seconds (then +Inf). */
    static final double[] BOUNDS = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
        0.5, 1, 2.5, 5, 10};
    private static final long[] BOUND_NANOS = new long[BOUNDS.length];

    static {
        for (int i = 0; i < BOUNDS.length; i++) {
            BOUND_NANOS[i] = Math.round(BOUNDS[i] * 1e9);
        }
    }

    final LongAdder calls = new LongAdder();
    final LongAdder[] failures = adders(KINDS.length);
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder mismatches = new LongAdder();
    /** Timed calls per bucket (not cumulative; the last is above every bound). */
    final LongAdder[] buckets = adders(BOUNDS.length + 1);
    final LongAdder nanos = new LongAdder();

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** A timed call took {@code elapsed} ns. */
    void timed(long elapsed) {
        nanos.add(elapsed);
        int i = 0;
        while (i < BOUND_NANOS.length && elapsed > BOUND_NANOS[i]) {
            i++;
        }
        buckets[i].increment();
    }

    void failed(Throwable e) {
        failures[kind(e)].increment();
    }

    static int kind(Throwable e) {
        if (e instanceof StoreUnavailableException) {
            return 0;
        }
        if (e instanceof StoreFullException) {
            return 1;
        }
        if (e instanceof IllegalArgumentException) {
            return 2;
        }
        return e instanceof UnsupportedOperationException ? 3 : 4;
    }

    long timedCalls() {
        long n = 0;
        for (LongAdder b : buckets) {
            n += b.sum();
        }
        return n;
    }

    /**
     * The latency under which {@code q} of the timed calls fell, in seconds: the upper bound of the
     * bucket where the quantile lies (an estimate from above); NaN when none was timed, +Inf above 10 s.
     */
    double quantile(double q) {
        long[] counts = new long[buckets.length];
        long total = 0;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = buckets[i].sum();
            total += counts[i];
        }
        if (total == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < BOUNDS.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return BOUNDS[i];
            }
        }
        return Double.POSITIVE_INFINITY;
    }
}
