package org.sessionstore.api;

import java.time.Duration;

/**
 * What a swap of the active store copied from the store it replaced.
 *
 * @param type the type now active
 * @param sessions sessions copied
 * @param states states copied
 * @param took how long the copy took
 * @param skipped records the old store could not read and so did not hand over (each was logged
 *        once, by its key); since 1.5
 * @param left sessions the replaced store held that were not copied because its backend cannot
 *        list its entries (it is not a {@link TransferableStore}); if it kept them in the process,
 *        they are gone (the registry logs it); since 1.5
 * @since 1.1
 */
public record Migration(String type, long sessions, long states, Duration took, long skipped, long left) {

    /**
     * A migration that left nothing behind.
     *
     * @param type the type now active
     * @param sessions sessions copied
     * @param states states copied
     * @param took how long the copy took
     * @param skipped records the old store could not read
     * @since 1.5
     */
    public Migration(String type, long sessions, long states, Duration took, long skipped) {
        this(type, sessions, states, took, skipped, 0);
    }

    /**
     * A migration that skipped nothing.
     *
     * @param type the type now active
     * @param sessions sessions copied
     * @param states states copied
     * @param took how long the copy took
     */
    public Migration(String type, long sessions, long states, Duration took) {
        this(type, sessions, states, took, 0, 0);
    }
}
