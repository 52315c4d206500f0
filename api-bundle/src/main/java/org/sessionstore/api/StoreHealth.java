package org.sessionstore.api;

/**
 * The store's health for operators and liveness probes: {@code OK}, {@code WARN} (waiting for its
 * type, pending, or a slow backend) or {@code CRITICAL} (the backend does not answer, or its
 * configuration was refused), with the round-trip time of a cheap probe call when a backend
 * serves. The verdict is the registry's ({@link StoreRegistry#health()}); this class holds its
 * words.
 *
 * @since 1.3
 */
public final class StoreHealth {

    /** A probe slower than this, in milliseconds, is a WARN. */
    public static final long SLOW_MILLIS = 250;
    /** The session id the probe asks for; no session should have it. */
    public static final String PROBE_ID = "sessionstore-health-probe";

    /** OK, WARN or CRITICAL. */
    public enum Status {
        /** A backend serves and answered the probe in time. */
        OK,
        /** Waiting for the configured type, pending, or a slow probe. */
        WARN,
        /** The backend does not answer, or its configuration was refused. */
        CRITICAL
    }

    /**
     * One check's outcome.
     *
     * @param status the verdict
     * @param line one line for people: the verdict, the type and state, the probe's time or why
     * @param probeMillis the probe's round trip, or -1 if there was none
     */
    public record Result(Status status, String line, double probeMillis) {
    }

    private StoreHealth() {
    }

    /**
     * Checks the registry's store now.
     *
     * @param registry the registry
     * @param store the published store (unused: the registry probes its own)
     * @return the outcome
     * @deprecated since 1.5 the registry checks: use {@link StoreRegistry#health()}
     */
    @Deprecated
    public static Result check(StoreRegistry registry, SessionStore store) {
        return registry.health();
    }
}
