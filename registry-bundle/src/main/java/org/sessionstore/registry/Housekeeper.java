package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.sessionstore.api.Housekeeping;
import org.sessionstore.api.SessionStore;

/**
 * Cleans the active store every {@code clean_interval}, whatever its backend: expired sessions,
 * and states older than {@code state_max_age}. Remembers the last run for {@code sessionstore:info}.
 */
final class Housekeeper {

    private static final Logger LOG = System.getLogger("org.sessionstore.registry");

    private final ActiveStore active;
    private final ScheduledExecutorService timer;
    // guarded by this
    private ScheduledFuture<?> task;
    private Duration interval = Duration.ZERO;
    private volatile Housekeeping last;

    Housekeeper(ActiveStore active, ScheduledExecutorService timer) {
        this.active = active;
        this.timer = timer;
    }

    /** Follows the configured interval; a change restarts the schedule. */
    synchronized void follow(Duration every) {
        if (every.equals(interval) && task != null) {
            return;
        }
        if (task != null) {
            task.cancel(false);
            task = null;
        }
        interval = every;
        if (!every.isZero()) {
            task = timer.scheduleWithFixedDelay(this::runOnce, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** One cleaning of the store served now; skipped while none is. */
    void runOnce() {
        SessionStore store = active.front().backend();
        if (store == null) {
            return;
        }
        Duration stateMaxAge = active.settings().stateMaxAge();
        try {
            int sessions = store.cleanExpired();
            int states = store.cleanExpiredStates(stateMaxAge);
            last = new Housekeeping(Instant.now(), sessions, states, null);
        } catch (RuntimeException e) {
            last = new Housekeeping(Instant.now(), 0, 0, e.getMessage());
            LOG.log(Level.WARNING, "session store housekeeping failed: " + e.getMessage());
        }
    }

    Housekeeping last() {
        return last;
    }

    synchronized void stop() {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }
}
