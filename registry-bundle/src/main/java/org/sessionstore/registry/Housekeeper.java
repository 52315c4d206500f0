package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.sessionstore.api.Housekeeping;
import org.sessionstore.api.Redaction;
import org.sessionstore.api.SessionStore;

/**
 * Cleans the active store every {@code clean_interval}, whatever its backend: expired sessions,
 * and states past the store's own {@linkplain SessionStore#stateTtl() state lifetime} (never
 * younger ones, so it never removes a state the store still accepts). It runs on a thread of its
 * own, through the front's call counting, so a swap waits for a cleaning to end like for any
 * call. Remembers the last run for {@code sessionstore:info}.
 */
final class Housekeeper {

    private static final Logger LOG = System.getLogger("org.sessionstore.registry");

    private final StoreFront front;
    private final ScheduledExecutorService timer;
    // guarded by this
    private ScheduledFuture<?> task;
    private Duration interval = Duration.ZERO;
    private boolean stopped;
    private volatile Housekeeping last;
    /** The store the last clean ran on: after a swap, that clean is not the served store's (info says "not yet"). */
    private volatile SessionStore lastOn;

    Housekeeper(StoreFront front, ScheduledExecutorService timer) {
        this.front = front;
        this.timer = timer;
    }

    /** Follows the configured interval; a change restarts the schedule. */
    synchronized void follow(Duration every) {
        if (stopped || every.equals(interval) && (task != null || every.isZero())) {
            return;
        }
        if (task != null) {
            task.cancel(false);
            task = null;
        }
        interval = every;
        if (!every.isZero()) {
            task = timer.scheduleWithFixedDelay(this::runSafely, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void runSafely() {
        try {
            runOnce();
        } catch (Throwable t) {
            // a scheduled task that throws is never run again: report it and go on at the next interval
            LOG.log(Level.ERROR, "session store housekeeping failed: " + t);
        }
    }

    /** One cleaning of the store served now; skipped while none is. */
    void runOnce() {
        try {
            front.ifServing(store -> {
                int[] idle = {0};
                int sessions = store.cleanExpired(n -> idle[0] = n);
                front.expired(sessions, idle[0]);
                Optional<Duration> ttl = store.stateTtl();
                int states = ttl.isPresent() ? store.cleanExpiredStates(ttl.get()) : 0;
                lastOn = store;
                last = new Housekeeping(Instant.now(), sessions, states, null);
            });
        } catch (RuntimeException e) {
            last = new Housekeeping(Instant.now(), 0, 0, Redaction.printable(e.getMessage()));
            LOG.log(Level.WARNING, "session store housekeeping failed: " + Redaction.printable(e.getMessage()));
        }
    }

    /** The last clean, whichever store it ran on. */
    Housekeeping lastRun() {
        return last;
    }

    /** The last clean of the store served now, or null (none yet, or the last one ran on a store since replaced). */
    Housekeeping last() {
        Housekeeping h = last;
        SessionStore on = lastOn;
        return h != null && (h.error() != null || on != null && front.serves(on)) ? h : null;
    }

    synchronized void stop() {
        stopped = true;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }
}
