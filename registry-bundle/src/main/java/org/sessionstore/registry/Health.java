package org.sessionstore.registry;

import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.StoreHealth;
import org.sessionstore.api.StoreHealth.Result;
import org.sessionstore.api.StoreHealth.Status;
import org.sessionstore.api.StoreStatus;

/**
 * The health verdict, from the status and a cheap probe ({@code sessionExists} of an id no one
 * uses) on the published store: WAITING or PENDING is a WARN (saying why), FAILED or a probe that
 * fails is CRITICAL, a probe over {@value StoreHealth#SLOW_MILLIS} ms a WARN. It never waits for a
 * backend that is not there and never shows a secret.
 */
final class Health {

    private Health() {
    }

    static Result check(StoreStatus s, SessionStore front) {
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
            front.sessionExists(StoreHealth.PROBE_ID);
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
        if (ms > StoreHealth.SLOW_MILLIS) {
            return new Result(Status.WARN, "WARN " + what + ": slow backend, " + probe + " (over " + StoreHealth.SLOW_MILLIS
                    + " ms)" + also, ms);
        }
        return new Result(Status.OK, "OK " + what + ", " + probe + also, ms);
    }

    private static String oneLine(String m) {
        String s = String.valueOf(m);
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
