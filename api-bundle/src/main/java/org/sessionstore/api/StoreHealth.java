package org.sessionstore.api;


/**
 * The store's health for operators and liveness probes: {@code OK}, {@code WARN} (waiting for its
 * type, pending, or a slow backend) or {@code CRITICAL} (the backend does not answer, or its
 * configuration was refused), with the round-trip time of a cheap probe call
 * ({@code sessionExists} of an id no one uses) when a backend serves. Never waits for a backend
 * that is not there, and never prints a secret. Used by {@code sessionstore:health} and by the
 * Felix Health Check of the {@code healthcheck-bundle}.
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
     * @param store the published store (the front)
     * @return the outcome
     */
    public static Result check(StoreRegistry registry, SessionStore store) {
        StoreStatus s = registry.status();
        String what = s.type() + " " + s.state();
        switch (s.state()) {
            case WAITING:
                // the status says why it waits: no bundle yet, a backend being built, a migration
                return new Result(Status.WARN, "WARN " + what + ": " + (s.detail() != null ? oneLine(s.detail())
                        : "no bundle provides type '" + s.type() + "' now; calls wait for one"), -1);
            case FAILED:
                return new Result(Status.CRITICAL, "CRITICAL " + what + ": " + (s.detail() != null ? oneLine(s.detail())
                        : "its configuration was refused") + "; see sessionstore:info", -1);
            default:
                break;
        }
        long started = System.nanoTime();
        try {
            store.sessionExists(PROBE_ID);
        } catch (StoreException | IllegalStateException e) {
            return new Result(Status.CRITICAL, "CRITICAL " + what + ": " + oneLine(e.getMessage()), -1);
        }
        double ms = (System.nanoTime() - started) / 1e6;
        String probe = String.format(java.util.Locale.ROOT, "probe %.1f ms", ms);
        if (s.state() == StoreStatus.State.PENDING) {
            return new Result(Status.WARN, "WARN " + what + ": " + (s.detail() != null ? oneLine(s.detail())
                    : "type '" + s.type() + "' is not available yet, the store before it serves") + "; " + probe, ms);
        }
        // what the registry is doing meanwhile (building another backend, a refused configuration), if anything
        String also = s.detail() == null ? "" : "; " + oneLine(s.detail());
        if (ms > SLOW_MILLIS) {
            return new Result(Status.WARN, "WARN " + what + ": slow backend, " + probe + " (over " + SLOW_MILLIS + " ms)"
                    + also, ms);
        }
        return new Result(Status.OK, "OK " + what + ", " + probe + also, ms);
    }

    private static String oneLine(String m) {
        String s = String.valueOf(m);
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
