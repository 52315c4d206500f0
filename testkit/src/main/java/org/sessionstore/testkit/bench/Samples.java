package org.sessionstore.testkit.bench;

import java.time.Instant;

import org.sessionstore.api.Session;

/** The sessions the reports add: ~512 bytes each, the same in every report. */
public final class Samples {

    private Samples() {
    }

    /**
     * {@code n} sessions {@code prefix+i}, live for an hour: a user name, a subject, a 300-character
     * access token, a 120-character ID token and a verifier.
     */
    public static Session[] sessions(String prefix, int n) {
        Session[] s = new Session[n];
        Instant now = Instant.now();
        String token = "x".repeat(300);
        String idToken = "y".repeat(120);
        String verifier = "v".repeat(20);
        for (int i = 0; i < n; i++) {
            s[i] = new Session(prefix + i, "user" + i + "@example.com", "sub-" + i, now, now.plusSeconds(3600), token,
                    idToken, verifier);
        }
        return s;
    }
}
