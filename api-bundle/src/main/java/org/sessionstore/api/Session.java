package org.sessionstore.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An authenticated user's session [Go: {@code Session}].
 *
 * <p>{@code id} and {@code expiresAt} are required; the other components may be null.
 * {@link #toString()} never shows the tokens or the PKCE code verifier.
 *
 * <p><b>The {@code sid}</b> (API 1.6) is the identity provider's session id, which an OpenID Connect
 * back-channel logout names ({@link SessionStore#deleteSessionsBySid}). The caller's wins; when it
 * gives none, the {@code sid} claim of the ID token is used, if the token is a JWT that carries one
 * (read, not verified: the proxy verified the token when it took it). The store never parses a token
 * otherwise.
 *
 * @param id the session id (see {@link Ids})
 * @param username the user's name
 * @param sub the OpenID Connect subject
 * @param issuedAt when the session was issued
 * @param expiresAt when the session ends; a store never returns it from then on
 * @param accessToken the OAuth2 access token (secret)
 * @param idToken the OpenID Connect id token (secret)
 * @param codeVerifier the PKCE code verifier (secret)
 * @param sid the identity provider's session id (OIDC {@code sid}); null for the ID token's claim, if any
 */
public record Session(String id, String username, String sub, Instant issuedAt, Instant expiresAt,
        String accessToken, String idToken, String codeVerifier, String sid) {

    /** The field names {@link SessionStore#getField(String, String)} accepts. */
    public static final List<String> FIELDS = List.of("username", "sub", "access_token", "id_token");

    /**
     * Checks the required components; a null {@code sid} is taken from the ID token's claims.
     *
     * @throws IllegalArgumentException if {@code id} is not a valid id, {@code expiresAt} is null, or
     *         {@code sid} (given or read) is blank, too long or holds a control character
     */
    public Session {
        Ids.require(id, "session id");
        Ids.requireNonNull(expiresAt, "expiresAt");
        if (sid == null) {
            sid = IdTokenClaims.sid(idToken);
        } else {
            Ids.require(sid, "sid");
        }
    }

    /**
     * A session without a {@code sid} of its own (the ID token's claim, if any, is used): the
     * constructor of API 1.5 and before.
     *
     * @param id the session id
     * @param username the user's name
     * @param sub the OpenID Connect subject
     * @param issuedAt when the session was issued
     * @param expiresAt when the session ends
     * @param accessToken the OAuth2 access token
     * @param idToken the OpenID Connect id token
     * @param codeVerifier the PKCE code verifier
     */
    public Session(String id, String username, String sub, Instant issuedAt, Instant expiresAt, String accessToken,
            String idToken, String codeVerifier) {
        this(id, username, sub, issuedAt, expiresAt, accessToken, idToken, codeVerifier, null);
    }

    /**
     * Whether the session has ended at {@code now}.
     *
     * @param now the instant to compare with
     * @return true if {@code expiresAt} is at or before {@code now}
     */
    public boolean isExpiredAt(Instant now) {
        return !expiresAt.isAfter(now);
    }

    /**
     * The value of one of the {@link #FIELDS}.
     *
     * @param field one of {@link #FIELDS}
     * @return the value, empty if it is null
     * @throws IllegalArgumentException if {@code field} is not one of {@link #FIELDS}
     */
    public Optional<String> field(String field) {
        return Optional.ofNullable(switch (requireField(field)) {
            case "username" -> username;
            case "sub" -> sub;
            case "access_token" -> accessToken;
            default -> idToken;
        });
    }

    /**
     * Checks a field name.
     *
     * @param field a field name
     * @return {@code field}
     * @throws IllegalArgumentException if it is not one of {@link #FIELDS}
     */
    public static String requireField(String field) {
        if (field == null || !FIELDS.contains(field)) {
            throw new IllegalArgumentException("unknown session field '" + field + "'; use one of " + FIELDS);
        }
        return field;
    }

    /**
     * A copy with another expiry.
     *
     * @param newExpiresAt the new end
     * @return the copy
     */
    public Session withExpiresAt(Instant newExpiresAt) {
        return new Session(id, username, sub, issuedAt, newExpiresAt, accessToken, idToken, codeVerifier, sid);
    }

    @Override
    public String toString() {
        return "Session[id=" + id + ", username=" + username + ", sub=" + sub + ", issuedAt=" + issuedAt
                + ", expiresAt=" + expiresAt + (sid == null ? "" : ", sid=" + sid) + ", accessToken=" + Redaction.mask(accessToken)
                + ", idToken=" + Redaction.mask(idToken) + ", codeVerifier=" + Redaction.mask(codeVerifier) + "]";
    }
}
