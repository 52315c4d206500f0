package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.sessionstore.api.Migration;
import org.sessionstore.api.Redaction;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreStatus;
import org.sessionstore.api.StoreStatus.State;
import org.sessionstore.api.TransferableStore;
import org.sessionstore.registry.FactoryIndex.Candidate;

/**
 * The one configured store: turns configuration changes and factory arrivals and departures into
 * backends served by the {@link StoreFront}. It owns every backend it builds and closes each
 * once it is no longer served. A bad configuration never replaces a running store.
 *
 * <p>When the active backend's bundle leaves (stopped, or updated: the registry cannot tell
 * which), its store is withdrawn and drained; if it holds its data in the process it is kept,
 * unserved, for up to {@code swap_timeout}: a successor of the same type arriving in that time
 * (the updated bundle) gets its live sessions and states before it serves. So an upgrade loses
 * neither a call (calls wait) nor a session.
 */
final class ActiveStore {

    private static final Logger LOG = System.getLogger("org.sessionstore.registry");

    private final FactoryIndex factories;
    private final ScheduledExecutorService timer;
    private final StoreFront front = new StoreFront();

    // guarded by this: what is configured, the factory the served backend came from, its state
    // and why it does not serve (or why the last configuration was refused), and the store kept
    // for a successor after its bundle left
    private RegistrySettings settings = RegistrySettings.defaults();
    private Candidate servedBy;
    private State state = State.WAITING;
    private String detail = "not configured yet";
    private boolean configured;
    private SessionStore retired;
    private ScheduledFuture<?> retiredExpiry;
    private Migration lastHandOff;

    ActiveStore(FactoryIndex factories, ScheduledExecutorService timer) {
        this.factories = factories;
        this.timer = timer;
    }

    StoreFront front() {
        return front;
    }

    /**
     * Applies a configuration from ConfigAdmin (or none, for the default). If it is bad, the
     * running store stays and the error is kept for {@link #status()}.
     *
     * @return the configured type
     */
    String configure(Map<String, ?> properties) {
        try {
            return apply(properties, false).type();
        } catch (RuntimeException refused) {
            return type();
        }
    }

    /**
     * Applies a configuration now, optionally copying the replaced store's entries.
     *
     * @throws RuntimeException (a {@link StoreConfigException} or the backend's) if it is refused;
     *         the running store stays
     */
    Migration switchTo(Map<String, ?> properties, boolean migrate) {
        return apply(properties, migrate);
    }

    synchronized String type() {
        return settings.type();
    }

    synchronized RegistrySettings settings() {
        return settings;
    }

    private Migration apply(Map<String, ?> properties, boolean migrate) {
        SessionStore toClose = null;
        Migration result;
        synchronized (this) {
            RegistrySettings next;
            try {
                next = RegistrySettings.from(properties);
            } catch (RuntimeException e) {
                if (!configured || front.backend() == null) {
                    configured = true;
                    failWith(settings, "bad configuration: " + e.getMessage());
                } else {
                    refused(e);
                }
                throw e;
            }
            Optional<Candidate> chosen = factories.chosen(next.type());
            if (next.sameBackend(settings) && servedBy != null && chosen.isPresent()
                    && chosen.get().serviceId() == servedBy.serviceId() && front.backend() != null) {
                // the same backend: keep the store and its data, take the registry's own keys
                settings = next;
                front.retime(next.swapTimeout());
                detail = null;
                return new Migration(next.type(), 0, 0, Duration.ZERO);
            }
            if (chosen.isEmpty()) {
                if (migrate) {
                    throw new StoreConfigException("type", "no bundle provides store.type=" + next.type()
                            + " now, so nothing can be migrated to it; install it first or switch without --migrate");
                }
                configured = true;
                settings = next;
                toClose = waitForBundle();
                LOG.log(Level.INFO, "session store configured as ''{0}''; " + detail, next.type());
                result = new Migration(next.type(), 0, 0, Duration.ZERO);
            } else {
                SessionStore built;
                try {
                    built = chosen.get().factory().create(next.backendConfig());
                } catch (RuntimeException e) {
                    if (front.backend() == null) {
                        // nothing runs that could be kept: calls fail at once with the reason
                        configured = true;
                        settings = next;
                        failWith(next, "the " + next.type() + " store rejected its configuration: " + e.getMessage());
                    } else {
                        refused(e);
                    }
                    throw e;
                }
                if (migrate) {
                    SessionStore current = front.backend();
                    if (current == null || !Transfer.possible(current)) {
                        built.close();
                        throw new StoreConfigException("type", "the current store cannot be migrated (it is "
                                + (current == null ? "not serving" : "not transferable") + "); switch without --migrate");
                    }
                    // calls wait while the entries move, so none is written to the old store meanwhile
                    toClose = front.withdraw(settings.type(), settings.swapTimeout(), null);
                    try {
                        result = Transfer.copy(next.type(), toClose, built);
                    } catch (RuntimeException e) {
                        front.serve(toClose, settings.type(), settings.swapTimeout());
                        built.close();
                        refused(e);
                        throw e;
                    }
                    front.serve(built, next.type(), next.swapTimeout());
                } else {
                    result = new Migration(next.type(), 0, 0, Duration.ZERO);
                    toClose = front.serve(built, next.type(), next.swapTimeout());
                }
                configured = true;
                settings = next;
                servedBy = chosen.get();
                state = State.ACTIVE;
                detail = null;
                LOG.log(Level.INFO, "session store ''{0}'' active, from {1} {2}", next.type(),
                        servedBy.bundleSymbolicName(), servedBy.bundleVersion());
            }
            if (retired != null && !retired.equals(toClose)) {
                closeQuietly(takeRetired());
            }
        }
        closeQuietly(toClose);
        return result;
    }

    /** No backend serves; calls wait for a bundle of the configured type. Returns the store withdrawn. */
    private SessionStore waitForBundle() {
        servedBy = null;
        state = State.WAITING;
        detail = "waiting for a bundle that provides store.type=" + settings.type();
        return front.withdraw(settings.type(), settings.swapTimeout(), null);
    }

    /** No backend can serve; calls fail at once with {@code why}. Returns the store withdrawn. */
    private SessionStore failWith(RegistrySettings s, String why) {
        servedBy = null;
        state = State.FAILED;
        detail = why;
        LOG.log(Level.ERROR, "session store " + why);
        return front.withdraw(s.type(), s.swapTimeout(), why);
    }

    private void refused(RuntimeException e) {
        detail = "configuration refused, the running store is kept: " + e.getMessage();
        LOG.log(Level.ERROR, "session store " + detail);
    }

    /** Reacts to a factory of {@code type} arriving, leaving or changing. */
    void factoriesChanged(String type) {
        SessionStore toClose = null;
        synchronized (this) {
            if (!configured || !settings.type().equals(type)) {
                return;
            }
            Candidate now = factories.chosen(type).orElse(null);
            if (now != null && servedBy != null && now.serviceId() == servedBy.serviceId()
                    && now.factory() == servedBy.factory()) {
                return;
            }
            if (now == null) {
                SessionStore left = waitForBundle();
                if (left instanceof TransferableStore t && t.handOffOnUpgrade()) {
                    keepForSuccessor(left);
                } else {
                    toClose = left;
                }
                LOG.log(Level.WARNING, "session store ''{0}'' withdrawn: its bundle left; calls wait up to "
                        + "swap_timeout for a bundle that provides it", type);
            } else {
                try {
                    SessionStore built = now.factory().create(settings.backendConfig());
                    SessionStore predecessor = retired != null ? takeRetired() : front.backend();
                    if (predecessor instanceof TransferableStore t && t.handOffOnUpgrade()) {
                        if (predecessor == front.backend()) {
                            predecessor = front.withdraw(type, settings.swapTimeout(), null);
                        }
                        lastHandOff = Transfer.copy(type, predecessor, built);
                        LOG.log(Level.INFO, "handed {0} sessions and {1} states to the new ''{2}'' store",
                                lastHandOff.sessions(), lastHandOff.states(), type);
                    }
                    SessionStore replaced = front.serve(built, type, settings.swapTimeout());
                    toClose = predecessor != null ? predecessor : replaced;
                    if (replaced != null && replaced != toClose) {
                        closeQuietly(replaced);
                    }
                    servedBy = now;
                    state = State.ACTIVE;
                    detail = null;
                    LOG.log(Level.INFO, "session store ''{0}'' active, from {1} {2}", type,
                            now.bundleSymbolicName(), now.bundleVersion());
                } catch (RuntimeException e) {
                    toClose = failWith(settings, "the " + type + " store rejected its configuration: " + e.getMessage());
                }
            }
        }
        closeQuietly(toClose);
    }

    /** Keeps a withdrawn store for a successor, closing it if none comes within swap_timeout. */
    private void keepForSuccessor(SessionStore store) {
        if (retired != null) {
            closeQuietly(takeRetired());
        }
        retired = store;
        long wait = Math.max(settings.swapTimeout().toMillis(), 1);
        retiredExpiry = timer.schedule(() -> {
            SessionStore expired = null;
            synchronized (this) {
                if (retired == store) {
                    expired = takeRetired();
                }
            }
            if (expired != null) {
                LOG.log(Level.WARNING, "no successor of the withdrawn session store arrived within swap_timeout; "
                        + "its sessions are dropped");
                closeQuietly(expired);
            }
        }, wait, TimeUnit.MILLISECONDS);
    }

    private SessionStore takeRetired() {
        SessionStore r = retired;
        retired = null;
        if (retiredExpiry != null) {
            retiredExpiry.cancel(false);
            retiredExpiry = null;
        }
        return r;
    }

    synchronized StoreStatus status() {
        return new StoreStatus(settings.type(), state, Redaction.redact(settings.allSettings()),
                servedBy == null ? null : FactoryIndex.provider(servedBy, 1), detail);
    }

    /** The last hand-off to an upgraded backend, if any. */
    synchronized Optional<Migration> lastHandOff() {
        return Optional.ofNullable(lastHandOff);
    }

    /** Withdraws and closes the backend; the registry is going away. */
    void shutdown() {
        SessionStore toClose;
        SessionStore kept;
        synchronized (this) {
            servedBy = null;
            state = State.FAILED;
            detail = "the session store registry has stopped";
            toClose = front.withdraw(settings.type(), settings.swapTimeout(),
                    "the session store registry has stopped; start the bundle org.sessionstore.registry");
            kept = takeRetired();
        }
        closeQuietly(toClose);
        closeQuietly(kept);
    }

    private static void closeQuietly(SessionStore store) {
        if (store == null) {
            return;
        }
        try {
            store.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "closing a session store failed: " + e.getMessage());
        }
    }

    @Override
    public synchronized String toString() {
        return "ActiveStore[type=" + settings.type() + ", state=" + state + "]";
    }
}
