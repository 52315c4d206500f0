package org.sessionstore.api;

import java.time.Instant;

/**
 * The registry's last cleaning of the active store.
 *
 * @param ranAt when it ran
 * @param sessionsRemoved expired sessions removed
 * @param statesRemoved old states removed
 * @param error why it failed, or null
 * @since 1.1
 */
public record Housekeeping(Instant ranAt, int sessionsRemoved, int statesRemoved, String error) {
}
