package org.sessionstore.testkit;

import org.sessionstore.api.SessionStore;

/**
 * Which API level a store implements, from the methods its class overrides: each API addition is a
 * default method on {@link SessionStore}, so a backend that overrides one was written for (at
 * least) the level that added it.
 */
public final class ApiLevels {

    private ApiLevels() {
    }

    /**
     * @param store a store
     * @return the minor version of the API it implements: 6 (a subject's sessions listed and revoked
     *         but one, revoke by sid, the per-subject limit), 5 (client-aware states, unreadable
     *         records), 4 (a User-Agent mismatch told), 3 (revoke by subject, details), 2 (its state
     *         lifetime), else 1
     */
    public static int of(SessionStore store) {
        if (overrides(store, "sessionsOf", String.class, int.class, int.class) || overrides(store, "deleteSessionsBySid",
                String.class)) {
            return 6;
        }
        if (overrides(store, "addStateEntry", String.class, String.class, String.class, String.class, String.class,
                String.class) || overrides(store, "unreadableRecords")) {
            return 5;
        }
        if (overrides(store, "validateAndRemoveState", String.class, String.class, Runnable.class)) {
            return 4;
        }
        if (overrides(store, "deleteSessionsBySubject", String.class) || overrides(store, "details")) {
            return 3;
        }
        if (overrides(store, "stateTtl")) {
            return 2;
        }
        return 1;
    }

    private static boolean overrides(SessionStore store, String name, Class<?>... types) {
        try {
            return store.getClass().getMethod(name, types).getDeclaringClass() != SessionStore.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
