package org.sessionstore.api;

import java.time.Duration;

/**
 * What a switch of the active store copied from the store it replaced.
 *
 * @param type the type now active
 * @param sessions sessions copied
 * @param states states copied
 * @param took how long the copy took
 * @since 1.1
 */
public record Migration(String type, long sessions, long states, Duration took) {
}
