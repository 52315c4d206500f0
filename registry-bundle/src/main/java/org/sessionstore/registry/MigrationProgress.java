package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.sessionstore.api.StoreException;
import org.sessionstore.api.config.Durations;

/**
 * What a long migration says while it runs, and when it gives up: every second a log line (copied
 * N of M sessions, the rate, the time left), and, while calls wait for it ({@code budget}, their
 * swap_timeout), a refusal as soon as the measured rate says the copy will outlast that wait —
 * with the estimate and what to do — instead of callers timing out one by one. The rate is the last
 * second's, from the second tick on (the first second runs cold), so a copy is refused within about
 * two seconds.
 */
final class MigrationProgress implements AutoCloseable {

    private static final Logger LOG = System.getLogger("org.sessionstore.registry");
    /** How often a line is logged and the estimate checked. */
    static final long TICK_MILLIS = 1_000;

    private final String into;
    private final long total;
    private final Duration budget;
    private final long began = System.nanoTime();
    final AtomicLong copied = new AtomicLong();
    private volatile String abort;
    /** When and at what count the last tick ran (only the ticker's thread touches them). */
    private long lastTick;
    private long lastCount;
    private final ScheduledExecutorService ticker;
    /** Told each tick's line (the shell that ran the change prints it; info shows it). */
    private final java.util.function.Consumer<String> lines;

    /**
     * @param into the type copied into
     * @param total how many sessions there are to copy (0 if unknown)
     * @param budget how long calls wait for the copy (null: nothing waits, never refused)
     * @param lines told each second's progress line
     */
    MigrationProgress(String into, long total, Duration budget, java.util.function.Consumer<String> lines) {
        this.into = into;
        this.lines = lines;
        this.total = total;
        this.budget = budget;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sessionstore-migrate-progress");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        long n = copied.get();
        long now = System.nanoTime();
        double seconds = (now - began) / 1e9;
        // the rate of the last second: the first one runs cold (the JIT, connections), later ones say what is left
        double rate = lastTick == 0 ? n / Math.max(seconds, 1e-3) : (n - lastCount) / Math.max((now - lastTick) / 1e9, 1e-3);
        boolean warm = lastTick != 0;
        lastTick = now;
        lastCount = n;
        double left = rate <= 0 || total <= n ? 0 : (total - n) / rate;
        String line = "migrating into the new '" + into + "' store: " + n + " of " + (total > 0 ? String.valueOf(total) : "?")
                + " sessions copied (" + Math.round(rate) + "/s, about " + (long) Math.ceil(left) + "s left)";
        LOG.log(Level.INFO, line);
        lines.accept(line);
        if (warm && budget != null && total > n && rate > 0 && (seconds + left) * 1000 > budget.toMillis()) {
            long needed = (long) Math.ceil(seconds + left);
            abort = "copying " + total + " sessions at the measured " + Math.round(rate) + "/s takes about " + needed
                    + "s, longer than calls wait for it (swap_timeout " + Durations.format(budget) + "), so it was"
                    + " stopped after " + n + ", what it wrote was taken back, and nothing changed; give a swap_timeout"
                    + " above " + (needed + needed / 2) + "s with the change (for example swap_timeout=" + (needed * 2) + "s)";
        }
    }

    /** Counts one copied session; fails once the estimate said the copy outlasts the wait. */
    void copiedOne() {
        copied.incrementAndGet();
        check();
    }

    /** Throws {@link GivenUp} if the copy was given up (checked between batches too). */
    void check() {
        String why = abort;
        if (why != null) {
            throw new GivenUp(why);
        }
    }

    /** The copy was given up on the estimate; its message says how far it got and what to do. */
    static final class GivenUp extends StoreException {
        private static final long serialVersionUID = 1L;

        GivenUp(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
