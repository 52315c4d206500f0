package org.sessionstore.registry.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import org.sessionstore.api.StoreMetrics;

/**
 * The registry's figures (dependency-free: per-thread cells for the calls, {@link LongAdder}s for
 * the rare counts, read by a scrape): per store type
 * and operation an {@link OpStats}, filled by {@link MeteredStore} on the published store; the
 * swaps and the sessions removed by reason, told by the front; the live sessions and states of the
 * store served now, read through its index at most every {@link #GAUGE_MILLIS} ms (a scrape in
 * between gets the cached value). Rendered for Prometheus ({@link PrometheusText}), JMX
 * ({@link MetricsMXBean}) and {@code sessionstore:info}.
 */
public final class Metrics implements StoreMetrics {

    /** How long a gauge's reading is reused. */
    static final long GAUGE_MILLIS = 10_000;

    private final ConcurrentHashMap<String, OpStats[]> byType = new ConcurrentHashMap<>();
    /** The stats of the type served now: one volatile read per call, no map lookup. */
    private volatile OpStats[] current;
    private volatile String currentType;
    private final LongAdder swaps = new LongAdder();
    /** Removed sessions by type, then reason. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, LongAdder>> removed = new ConcurrentHashMap<>();
    private volatile LongSupplier dropped = () -> 0;
    private final Gauge sessions = new Gauge();
    private final Gauge states = new Gauge();
    private final History history = new History(this);

    public Metrics() {
        serving("memory");
    }

    /** The front serves {@code type} now: calls count under it. */
    public void serving(String type) {
        currentType = type;
        current = byType.computeIfAbsent(type, t -> newStats());
    }

    /** A swap: a store started serving (SWITCHED). */
    public void swapped() {
        swaps.increment();
    }

    /** {@code n} sessions of {@code type} were removed for {@code reason} (revoked, sid, limit, idle, ttl). */
    public void removed(String type, String reason, int n) {
        if (n > 0) {
            removed.computeIfAbsent(type, t -> new ConcurrentHashMap<>()).computeIfAbsent(reason, r -> new LongAdder()).add(n);
        }
    }

    /**
     * Where the gauges read from: each supplier answers the store served now, or -1 when none serves or
     * it cannot say (then the gauge is left out); {@code dropped} counts the events dropped.
     */
    public void readFrom(LongSupplier liveSessions, LongSupplier liveStates, LongSupplier droppedEvents) {
        sessions.source = liveSessions;
        states.source = liveStates;
        dropped = droppedEvents;
    }

    OpStats[] current() {
        return current;
    }

    private static OpStats[] newStats() {
        OpStats[] s = new OpStats[Op.ALL.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = new OpStats();
        }
        return s;
    }

    /** Every cell of {@code type}'s operations summed: calls, failures, the histogram (for {@link History}). */
    long[] totals(String type) {
        long[] out = new long[OpStats.SIZE];
        for (Op op : Op.ALL) {
            long[] s = stats(type, op).sums();
            for (int i = 0; i < out.length; i++) {
                out[i] += s[i];
            }
        }
        return out;
    }

    /** Starts recording {@link #history()}: a step every 10 s on a timer thread, until closed. */
    public AutoCloseable recordHistory() {
        return history.start();
    }

    @Override
    public java.util.List<Sample> history() {
        return history.samples();
    }

    @Override
    public String prometheus() {
        return PrometheusText.render(this);
    }

    @Override
    public Map<String, String> summary() {
        Map<String, String> rows = new java.util.LinkedHashMap<>();
        String type = currentType;
        StringBuilder calls = new StringBuilder();
        StringBuilder failures = new StringBuilder();
        StringBuilder p99 = new StringBuilder();
        for (Op op : Op.ALL) {
            OpStats s = stats(type, op);
            long[] sums = s.sums();
            long n = sums[OpStats.CALLS];
            if (n == 0) {
                continue;
            }
            calls.append(calls.length() > 0 ? ", " : "").append(op.label).append(' ').append(n);
            if (op == Op.GET || op == Op.VALIDATE_STATE) {
                long hits = sums[OpStats.HITS];
                long answered = hits + sums[OpStats.MISSES] + sums[OpStats.MISMATCHES];
                calls.append(answered == 0 ? "" : " (" + (hits * 100 / answered) + "% hits)");
            }
            long failed = s.failures();
            if (failed > 0) {
                failures.append(failures.length() > 0 ? ", " : "").append(op.label).append(' ').append(failed);
            }
            double q = s.quantile(0.99);
            if (!Double.isNaN(q)) {
                p99.append(p99.length() > 0 ? ", " : "").append(op.label).append(' ').append(millis(q));
            }
        }
        if (calls.length() > 0) {
            rows.put("calls", calls.toString());
        }
        if (failures.length() > 0) {
            rows.put("failed calls", failures.toString());
        }
        if (p99.length() > 0) {
            rows.put("latency p99", p99.toString());
        }
        Map<String, Long> gone = removed().getOrDefault(type, Map.of());
        if (!gone.isEmpty()) {
            StringBuilder r = new StringBuilder();
            gone.forEach((reason, n) -> r.append(r.length() > 0 ? ", " : "").append(reason).append(' ').append(n));
            rows.put("removed", r.toString());
        }
        return rows;
    }

    /** A latency bound in seconds as milliseconds, "≤ 0.05 ms", "> 10000 ms". */
    private static String millis(double seconds) {
        return Double.isInfinite(seconds) ? "> 10000 ms"
                : "≤ " + java.math.BigDecimal.valueOf(seconds * 1000).stripTrailingZeros().toPlainString() + " ms";
    }

    /** Every type's stats, by name. */
    Map<String, OpStats[]> byType() {
        return new TreeMap<>(byType);
    }

    String currentType() {
        return currentType;
    }

    long swaps() {
        return swaps.sum();
    }

    long droppedEvents() {
        return dropped.getAsLong();
    }

    /** Removed sessions: type → reason → count. */
    Map<String, Map<String, Long>> removed() {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        removed.forEach((type, reasons) -> {
            Map<String, Long> r = new TreeMap<>();
            reasons.forEach((reason, n) -> r.put(reason, n.sum()));
            out.put(type, r);
        });
        return out;
    }

    long liveSessions() {
        return sessions.read(currentType);
    }

    long liveStates() {
        return states.read(currentType);
    }

    /** The stats of one type and operation, for the shell and JMX (zeros if none yet). */
    OpStats stats(String type, Op op) {
        OpStats[] s = byType.get(type);
        return s == null ? new OpStats() : s[op.ordinal()];
    }

    /**
     * A count read through the store at most every {@link #GAUGE_MILLIS}, on a thread of its own: a
     * scrape waits for a fresh reading at most {@link #WAIT_MILLIS} and otherwise gets the last one,
     * so a backend that hangs never holds a scrape or JMX for its timeout (review). A reading is of
     * a type: after a swap the old store's count is not shown under the new name.
     */
    private static final class Gauge {
        volatile LongSupplier source = () -> -1;
        private volatile Reading last = new Reading(null, -1, Long.MIN_VALUE / 2);
        private final java.util.concurrent.atomic.AtomicReference<Thread> refreshing = new java.util.concurrent.atomic.AtomicReference<>();

        private record Reading(String type, long value, long at) {
        }

        long read(String type) {
            long now = System.nanoTime() / 1_000_000;
            Reading r = last;
            if (now - r.at() >= GAUGE_MILLIS || !type.equals(r.type())) {
                Thread t = refreshing.get();
                if (t == null) {
                    Thread fresh = new Thread(() -> refresh(type), "sessionstore-metrics-gauge");
                    fresh.setDaemon(true);
                    if (refreshing.compareAndSet(null, fresh)) {
                        fresh.start();
                        t = fresh;
                    } else {
                        t = refreshing.get();
                    }
                }
                if (t != null) {
                    try {
                        t.join(WAIT_MILLIS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                r = last;
            }
            return type.equals(r.type()) ? r.value() : -1;
        }

        private void refresh(String type) {
            long v;
            try {
                v = source.getAsLong();
            } catch (RuntimeException e) {
                v = -1; // the backend is down: the gauge is left out, the failure shows in calls and health
            }
            last = new Reading(type, v, System.nanoTime() / 1_000_000);
            refreshing.set(null);
        }
    }

    /** How long a scrape waits for a gauge's fresh reading before it takes the last one. */
    static final long WAIT_MILLIS = 250;
}
