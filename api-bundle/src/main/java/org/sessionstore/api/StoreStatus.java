package org.sessionstore.api;

import java.util.Map;

/**
 * What the store published by the {@link StoreRegistry} is doing.
 *
 * @param type the configured type
 * @param state whether it serves calls
 * @param settings the backend's configuration as it may be shown (secrets are {@value Redaction#MASK})
 * @param provider the bundle serving it, or null when none does
 * @param detail a sentence for operators: why it waits, failed or is pending, or why the last
 *        configuration was refused; null when there is nothing to say
 * @param source where the configuration in effect came from (a file, {@code sessionstore:use},
 *        ConfigAdmin), or null before any
 */
public record StoreStatus(String type, State state, Map<String, String> settings, StoreProvider provider,
        String detail, String source) {

    /**
     * A status without a source.
     *
     * @param type the configured type
     * @param state whether it serves calls
     * @param settings the configuration as it may be shown
     * @param provider the bundle serving it, or null
     * @param detail a sentence for operators, or null
     */
    public StoreStatus(String type, State state, Map<String, String> settings, StoreProvider provider, String detail) {
        this(type, state, settings, provider, detail, null);
    }

    /** The states of the published store. */
    public enum State {
        /** A backend serves calls. */
        ACTIVE,
        /** No bundle provides the configured type now; calls wait up to the swap timeout. */
        WAITING,
        /** The configured backend rejected its configuration; calls fail at once. */
        FAILED,
        /**
         * The configured type is not available yet; the store configured before it keeps serving
         * (its provider is the one shown) and is replaced, its in-process entries carried over,
         * when a bundle provides the type.
         *
         * @since 1.2
         */
        PENDING
    }
}
