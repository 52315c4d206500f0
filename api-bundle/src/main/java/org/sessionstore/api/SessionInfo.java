package org.sessionstore.api;

import java.time.Instant;

/**
 * What an operator may see of a session when listing a subject's sessions
 * ({@link SessionStore#sessionsOf}): its metadata, never a token or the PKCE code verifier.
 *
 * @param id the session id
 * @param issuedAt when it was issued (may be null)
 * @param expiresAt when it ends at the latest
 * @param lastSeen when it was last read, as far as the store tracks it (null if it does not)
 * @param sid the identity provider's session id (may be null)
 * @since 1.6
 */
public record SessionInfo(String id, Instant issuedAt, Instant expiresAt, Instant lastSeen, String sid) {

    /**
     * Checks the required components.
     *
     * @throws IllegalArgumentException if {@code id} is not a valid id or {@code expiresAt} is null
     */
    public SessionInfo {
        Ids.require(id, "session id");
        Ids.requireNonNull(expiresAt, "expiresAt");
    }

    /**
     * The metadata of a session.
     *
     * @param s the session
     * @param lastSeen when it was last read, or null
     * @return its metadata
     */
    public static SessionInfo of(Session s, Instant lastSeen) {
        return new SessionInfo(s.id(), s.issuedAt(), s.expiresAt(), lastSeen, s.sid());
    }

    /** Newest first: by {@code issuedAt} descending (a session without one last), then by id. */
    public static final java.util.Comparator<SessionInfo> NEWEST_FIRST = java.util.Comparator
            .comparing(SessionInfo::issuedAt, java.util.Comparator.nullsFirst(java.util.Comparator.<Instant>naturalOrder()))
            .reversed().thenComparing(SessionInfo::id);
}
