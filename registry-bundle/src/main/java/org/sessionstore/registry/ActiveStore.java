package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.sessionstore.api.Redaction;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreStatus;
import org.sessionstore.api.StoreStatus.State;
import org.sessionstore.registry.FactoryIndex.Candidate;

/**
 * The one configured store: turns configuration changes and factory arrivals and departures into
 * backends served by the {@link StoreFront}. It owns every backend it builds and closes each
 * once it is no longer served. A bad configuration never replaces a running store.
 */
final class ActiveStore {

    private static final Logger LOG = System.getLogger("org.sessionstore.registry");

    private final FactoryIndex factories;
    private final StoreFront front = new StoreFront();

    // guarded by this: what is configured, the factory the served backend came from, and why
    // the front does not serve (or why the last configuration was refused)
    private RegistrySettings settings = RegistrySettings.defaults();
    private Candidate servedBy;
    private State state = State.WAITING;
    private String detail = "not configured yet";
    private boolean configured;

    ActiveStore(FactoryIndex factories) {
        this.factories = factories;
    }

    StoreFront front() {
        return front;
    }

    /**
     * Applies a configuration (the properties of PID {@code sessionstore}, or none for the
     * default). If it is bad, the running store stays and the error is kept for {@link #status()}.
     *
     * @return the configured type
     */
    String configure(Map<String, ?> properties) {
        SessionStore toClose = null;
        String type;
        synchronized (this) {
            RegistrySettings next;
            try {
                next = RegistrySettings.from(properties);
            } catch (RuntimeException e) {
                if (!configured || front.backend() == null) {
                    configured = true;
                    state = State.FAILED;
                    detail = "bad configuration: " + e.getMessage();
                    front.withdraw(settings.type(), settings.swapTimeout(), detail);
                    LOG.log(Level.ERROR, "session store " + detail);
                } else {
                    refused(e);
                }
                return settings.type();
            }
            Optional<Candidate> chosen = factories.chosen(next.type());
            if (next.equals(settings) && servedBy != null && chosen.isPresent()
                    && chosen.get().serviceId() == servedBy.serviceId() && front.backend() != null) {
                detail = null;
                return settings.type(); // nothing changed: keep the running store and its data
            }
            if (chosen.isEmpty()) {
                configured = true;
                settings = next;
                servedBy = null;
                state = State.WAITING;
                detail = "waiting for a bundle that provides store.type=" + next.type();
                toClose = front.withdraw(next.type(), next.swapTimeout(), null);
                LOG.log(Level.INFO, "session store configured as ''{0}''; " + detail, next.type());
            } else {
                SessionStore built;
                try {
                    built = chosen.get().factory().create(next.backendConfig());
                } catch (RuntimeException e) {
                    if (front.backend() == null) {
                        // nothing runs that could be kept: calls fail at once with the reason
                        configured = true;
                        settings = next;
                        servedBy = null;
                        state = State.FAILED;
                        detail = "the " + next.type() + " store rejected its configuration: " + e.getMessage();
                        front.withdraw(next.type(), next.swapTimeout(), detail);
                        LOG.log(Level.ERROR, detail);
                    } else {
                        refused(e);
                    }
                    return settings.type();
                }
                configured = true;
                settings = next;
                servedBy = chosen.get();
                state = State.ACTIVE;
                detail = null;
                toClose = front.serve(built, next.type(), next.swapTimeout());
                LOG.log(Level.INFO, "session store ''{0}'' active, from {1} {2}", next.type(),
                        servedBy.bundleSymbolicName(), servedBy.bundleVersion());
            }
            type = settings.type();
        }
        closeQuietly(toClose);
        return type;
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
                servedBy = null;
                state = State.WAITING;
                detail = "waiting for a bundle that provides store.type=" + type;
                toClose = front.withdraw(type, settings.swapTimeout(), null);
                LOG.log(Level.WARNING, "session store ''{0}'' withdrawn: its bundle left; calls wait up to "
                        + "swap_timeout for a bundle that provides it", type);
            } else {
                try {
                    SessionStore built = now.factory().create(settings.backendConfig());
                    servedBy = now;
                    state = State.ACTIVE;
                    detail = null;
                    toClose = front.serve(built, type, settings.swapTimeout());
                    LOG.log(Level.INFO, "session store ''{0}'' active, from {1} {2}", type,
                            now.bundleSymbolicName(), now.bundleVersion());
                } catch (RuntimeException e) {
                    servedBy = null;
                    state = State.FAILED;
                    detail = "the " + type + " store rejected its configuration: " + e.getMessage();
                    toClose = front.withdraw(type, settings.swapTimeout(), detail);
                    LOG.log(Level.ERROR, detail);
                }
            }
        }
        closeQuietly(toClose);
    }

    synchronized StoreStatus status() {
        return new StoreStatus(settings.type(), state, Redaction.redact(settings.allSettings()),
                servedBy == null ? null : FactoryIndex.provider(servedBy, 1), detail);
    }

    /** Withdraws and closes the backend; the registry is going away. */
    void shutdown() {
        SessionStore toClose;
        synchronized (this) {
            servedBy = null;
            state = State.FAILED;
            detail = "the session store registry has stopped";
            toClose = front.withdraw(settings.type(), settings.swapTimeout(),
                    "the session store registry has stopped; start the bundle org.sessionstore.registry");
        }
        closeQuietly(toClose);
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
        return "ActiveStore[type=" + settings.type() + ", servedBy=" + Objects.toString(servedBy == null ? null
                : servedBy.bundleSymbolicName()) + "]";
    }
}
