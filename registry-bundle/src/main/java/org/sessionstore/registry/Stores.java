package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

import org.sessionstore.api.Redaction;
import org.sessionstore.api.SessionStore;

/** What the registry does with any store it owns, whatever goes wrong inside it. */
final class Stores {

    private static final Logger LOG = System.getLogger("org.sessionstore.registry");

    private Stores() {
    }

    /** Closes a store; whatever its close throws is logged, never thrown. */
    static void close(SessionStore store) {
        if (store == null) {
            return;
        }
        try {
            store.close();
        } catch (Throwable e) {
            // its message is not shown: a backend may repeat what it was given (a password) in it
            LOG.log(Level.WARNING, "closing a session store failed: " + e.getClass().getName());
        }
    }

    /** A throwable in one line: its message, or its class and message for an Error. */
    static String describe(Throwable e) {
        if (e instanceof RuntimeException && e.getMessage() != null) {
            return e.getMessage();
        }
        return e.getClass().getName() + (e.getMessage() == null ? "" : ": " + Redaction.printable(e.getMessage()));
    }

}
