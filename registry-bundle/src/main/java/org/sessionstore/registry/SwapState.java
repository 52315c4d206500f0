package org.sessionstore.registry;

import java.util.Map;

import org.sessionstore.api.Migration;
import org.sessionstore.api.SessionStore;
import org.sessionstore.registry.FactoryIndex.Candidate;

/**
 * What the {@link Swapper} knows, all in one place and confined to the registry thread: what is
 * configured, what serves, what is kept for a successor, the one failure to report, and a
 * configuration prepared for its delivery. The status is a pure function of it ({@link SwapStatus}).
 */
final class SwapState {

    /** A configuration in effect: its settings, as written (placeholders kept), and where it came from. */
    record Configured(RegistrySettings settings, Map<String, Object> written, ConfigSource source) {
    }

    /** A backend built by this registry: its store, the factory and the settings it came from. */
    record Backend(String type, SessionStore store, Candidate candidate, RegistrySettings settings,
            Map<String, Object> effective) {
    }

    /**
     * The one failure worth reporting, of three kinds.
     *
     * @param kind what failed
     * @param message why, in one line (never a secret)
     * @param type the type it concerns (for a status with nothing configured), or null
     * @param candidate the factory whose backend could not take over ({@link Kind#TAKE_OVER}), or null
     * @param settings the settings it was built with, or null
     * @param effective the backend keys it was built with, or null
     * @param retried whether its retry came (it no longer holds back a build with the same factory and settings)
     */
    record Failure(Kind kind, String message, String type, Candidate candidate, RegistrySettings settings,
            Map<String, Object> effective, boolean retried) {

        enum Kind {
            /** The last configuration was refused; what ran runs on. */
            REFUSED,
            /** Nothing can serve: calls fail at once with the message. */
            CANNOT_SERVE,
            /** The configured backend could not be built or migrated into; the store before it serves; tried again. */
            TAKE_OVER
        }

        static Failure refused(String message) {
            return new Failure(Kind.REFUSED, message, null, null, null, null, false);
        }

        static Failure cannotServe(String type, String message) {
            return new Failure(Kind.CANNOT_SERVE, message, type, null, null, null, false);
        }

        /** A backend that could not be built while nothing else serves: it is tried again like a take-over. */
        static Failure cannotServe(Candidate c, RegistrySettings settings, Map<String, Object> effective, String message) {
            return new Failure(Kind.CANNOT_SERVE, message, settings.type(), c, settings, effective, false);
        }

        static Failure takeOver(Candidate c, RegistrySettings settings, Map<String, Object> effective, String message) {
            return new Failure(Kind.TAKE_OVER, message, settings.type(), c, settings, effective, false);
        }

        Failure asRetried() {
            return new Failure(kind, message, type, candidate, settings, effective, true);
        }

        /** Whether a build with this factory and these settings failed already (and is not due again yet). */
        boolean failedWith(Candidate c, RegistrySettings s, Map<String, Object> e) {
            return !retried && candidate != null && candidate.serviceId() == c.serviceId() && s.equals(settings)
                    && e.equals(effective);
        }
    }

    /** What is configured, and where it came from; null before the first configuration. */
    Configured desired;
    /** The backend calls go to, or null. */
    Backend serving;
    /** The settings of the backend that served last, while the configured type is pending. */
    RegistrySettings lastServed;
    /** The entries of an in-process store withdrawn with its bundle, kept for a successor (a handover). */
    KeptEntries kept;
    /** The one failure to report, or null. */
    Failure failure;
    /** A configuration checked and built, waiting for its delivery, or null. */
    Prepared prepared;
    /** The last migration into a new store. */
    Migration lastMigration;
    /** What a running migration does, for status, or null. */
    String migrating;
    /** The failure the latest retry was scheduled for (a retry acts only if that failure still stands). */
    Failure retryFor;
    /** Each type's defaults (PID sessionstore.TYPE), as the door last gave them. */
    final Map<String, Map<String, Object>> defaults = new java.util.HashMap<>();

    /** The backend keys a store of these settings is built with: the type's defaults, then the configured keys. */
    Map<String, Object> effective(RegistrySettings settings) {
        Map<String, Object> all = new java.util.TreeMap<>(defaults.getOrDefault(settings.type(), Map.of()));
        all.putAll(settings.backendConfig());
        return Map.copyOf(all);
    }

    /** Whether the serving backend already is what these settings ask of this factory (only registry keys differ). */
    boolean keeps(Candidate chosen, RegistrySettings next) {
        return serving != null && serving.candidate().serviceId() == chosen.serviceId()
                && serving.candidate().factory() == chosen.factory() && serving.settings().sameBackend(next)
                && serving.effective().equals(effective(next));
    }

    /** Drops the prepared configuration (superseded, or not saved): its backend closed, its waiter told why. */
    void dropPrepared(RuntimeException why) {
        Prepared p = prepared;
        if (p == null) {
            return;
        }
        prepared = null;
        if (p.built != null) {
            Stores.close(p.built.store());
        }
        p.applied.completeExceptionally(why);
    }

    /** The file or ConfigAdmin entry the configuration came from was deleted: it runs on, and its source says so. */
    void sourceDeleted() {
        Configured c = desired;
        if (c != null && c.source() != ConfigSource.SHELL && c.source() != ConfigSource.DEFAULTS) {
            desired = new Configured(c.settings(), c.written(), new ConfigSource(c.source().name()
                    + " (deleted since; the store runs on with what it gave)", k -> 0));
        }
    }

    /**
     * Records a refused configuration (what ran runs on): its message, with the running store named
     * when {@code saysKept}; logged once. With nothing serving (FAILED) the refusal joins that failure.
     */
    void refuse(String why, boolean saysKept, boolean log) {
        String message = why + (saysKept && serving != null ? "; the running " + serving.type() + " store is kept" : "");
        if (log && (failure == null || !message.equals(failure.message()))) {
            System.getLogger("org.sessionstore.registry").log(System.Logger.Level.ERROR,
                    "session store configuration refused: " + message);
        }
        failure = !saysKept && failure != null && failure.kind() == Failure.Kind.CANNOT_SERVE
                ? Failure.cannotServe(failure.type(), message + "; " + failure.message()) : Failure.refused(message);
    }

    void refuse(String why, boolean saysKept) {
        refuse(why, saysKept, true);
    }

    /** Why a configuration from {@code from} was refused: {@code file:line: key 'k': why}. */
    static String located(ConfigSource from, RuntimeException cause) {
        String key = cause instanceof org.sessionstore.api.StoreConfigException c ? c.key() : null;
        return from.locate(key) + ": " + org.sessionstore.api.Redaction.printable(cause.getMessage());
    }
}
