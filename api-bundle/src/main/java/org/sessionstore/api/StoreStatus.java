package org.sessionstore.api;

import java.util.Map;

/**
 * What the store published by the {@link StoreRegistry} is doing.
 *
 * @param type the configured type
 * @param state whether it serves calls
 * @param settings the backend's configuration as it may be shown (secrets are {@value Redaction#MASK})
 * @param provider the bundle serving it, or null when none does
 * @param detail a sentence for operators: why it waits or failed, or null
 */
public record StoreStatus(String type, State state, Map<String, String> settings, StoreProvider provider,
        String detail) {

    /** The states of the published store. */
    public enum State {
        /** A backend serves calls. */
        ACTIVE,
        /** No bundle provides the configured type now; calls wait up to the swap timeout. */
        WAITING,
        /** The configured backend rejected its configuration; calls fail at once. */
        FAILED
    }
}
