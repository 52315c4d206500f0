package org.sessionstore.api;

import java.time.Instant;

/**
 * A one-time OAuth2 {@code state} with what the proxy needs to finish the login
 * [Go: {@code StateEntry}]. {@link #toString()} never shows the code verifier.
 *
 * @param state the state value sent to the identity provider (see {@link Ids})
 * @param createdAt when the state was issued
 * @param userAgent the User-Agent of the browser that started the login
 * @param requestUrl the URL the user asked for
 * @param upstreamUrl the upstream the request goes to
 * @param codeVerifier the PKCE code verifier (secret)
 */
public record StateEntry(String state, Instant createdAt, String userAgent, String requestUrl,
        String upstreamUrl, String codeVerifier) {

    /** Checks the required components. */
    public StateEntry {
        Ids.require(state, "state");
        Ids.requireNonNull(createdAt, "createdAt");
        Ids.requireNonNull(userAgent, "userAgent");
    }

    @Override
    public String toString() {
        return "StateEntry[state=" + state + ", createdAt=" + createdAt + ", userAgent=" + userAgent
                + ", requestUrl=" + requestUrl + ", upstreamUrl=" + upstreamUrl
                + ", codeVerifier=" + Redaction.mask(codeVerifier) + "]";
    }
}
