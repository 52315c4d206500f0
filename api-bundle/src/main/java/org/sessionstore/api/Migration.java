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
 * @since 1.1
 */
public record Migration(String type, long sessions, long states, Duration took, long skipped) {

    /**
     * A migration that skipped nothing.
     *
     * @param type the type now active
     * @param sessions sessions copied
     * @param states states copied
     * @param took how long the copy took
     */
    public Migration(String type, long sessions, long states, Duration took) {
        this(type, sessions, states, took, 0);
    }
}
