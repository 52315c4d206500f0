package org.sessionstore.registry.metrics;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.sessionstore.api.StoreMetrics.Sample;

/**
 * The last {@link #STEPS} steps of {@link #STEP_MILLIS} of the type served, for a page's chart: each
 * step is the difference of the type's totals (calls, failures, histogram) since the step before,
 * and the p99 of that difference, so a step shows its own latency, not the average since the
 * start. A timer thread of its own wakes once a step (nothing between: an idle process stays idle).
 */
final class History {

    static final long STEP_MILLIS = 10_000;
    static final int STEPS = 60;

    private final Metrics metrics;
    private final ArrayDeque<Sample> steps = new ArrayDeque<>();
    /** Each type's totals at its last step: after a swap back, the difference is still that type's. */
    private final Map<String, long[]> last = new HashMap<>();

    History(Metrics metrics) {
        this.metrics = metrics;
    }

    /** Starts the timer; closing it stops it. */
    AutoCloseable start() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "sessionstore-metrics-history");
            t.setDaemon(true);
            return t;
        });
        synchronized (this) {
            // the totals now are the base of the first step
            String type = metrics.currentType();
            last.put(type, metrics.totals(type));
        }
        timer.scheduleAtFixedRate(() -> step(System.currentTimeMillis()), STEP_MILLIS, STEP_MILLIS, TimeUnit.MILLISECONDS);
        return timer::shutdownNow;
    }

    /** Ends a step at {@code nowMillis}. */
    synchronized void step(long nowMillis) {
        String type = metrics.currentType();
        long[] now = metrics.totals(type);
        long[] before = last.getOrDefault(type, new long[now.length]);
        long[] d = new long[now.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = now[i] - before[i];
        }
        last.put(type, now);
        long failures = 0;
        for (int k = 0; k < OpStats.KINDS.length; k++) {
            failures += d[OpStats.FAILURES + k];
        }
        steps.addLast(new Sample(nowMillis, type, d[OpStats.CALLS], failures, OpStats.quantile(d, 0.99) * 1000));
        while (steps.size() > STEPS) {
            steps.removeFirst();
        }
    }

    synchronized List<Sample> samples() {
        return List.copyOf(steps);
    }
}
