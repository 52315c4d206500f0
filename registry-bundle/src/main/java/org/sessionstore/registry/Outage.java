package org.sessionstore.registry;

import org.sessionstore.api.Redaction;

/**
 * Whether the store front's backend is in an outage, for the UNAVAILABLE / AVAILABLE events: one
 * UNAVAILABLE when a call first fails as unavailable, one AVAILABLE when a call next succeeds. The
 * lock is taken only on a transition, never on a plain call.
 */
final class Outage {

    private volatile boolean down;
    private final Object lock = new Object();

    /** A call failed as unavailable: UNAVAILABLE, once per outage. */
    void failed(Events events, String type, RuntimeException e) {
        if (!down) {
            synchronized (lock) {
                if (!down) {
                    down = true;
                    events.unavailable(type, Redaction.printable(String.valueOf(e.getMessage())));
                }
            }
        }
    }

    /** A call succeeded: AVAILABLE, once, if an outage was told. */
    void succeeded(Events events, String type) {
        if (down) {
            synchronized (lock) {
                if (down) {
                    down = false;
                    events.available(type);
                }
            }
        }
    }

    /** A new backend is served: whatever failed before is forgotten, without an event. */
    void reset() {
        synchronized (lock) {
            down = false;
        }
    }
}
