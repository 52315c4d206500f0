package org.sessionstore.redis;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.sessionstore.api.Session;

/**
 * A session as the fields of its Redis hash: {@code username}, {@code sub}, {@code access_token},
 * {@code id_token} (so {@code getField} reads one field by its API name), {@code code_verifier},
 * and {@code issued_at}/{@code expires_at} in epoch milliseconds (Redis keeps instants to the
 * millisecond). A null component is an absent field.
 */
final class SessionHash {

    private SessionHash() {
    }

    static Map<String, String> fields(Session s) {
        Map<String, String> f = new LinkedHashMap<>();
        put(f, "username", s.username());
        put(f, "sub", s.sub());
        put(f, "issued_at", s.issuedAt() == null ? null : Long.toString(s.issuedAt().toEpochMilli()));
        f.put("expires_at", Long.toString(s.expiresAt().toEpochMilli()));
        put(f, "access_token", s.accessToken());
        put(f, "id_token", s.idToken());
        put(f, "code_verifier", s.codeVerifier());
        return f;
    }

    private static void put(Map<String, String> f, String key, String value) {
        if (value != null) {
            f.put(key, value);
        }
    }

    static Session session(String id, Map<String, String> f) {
        String issued = f.get("issued_at");
        return new Session(id, f.get("username"), f.get("sub"),
                issued == null ? null : Instant.ofEpochMilli(Long.parseLong(issued)),
                Instant.ofEpochMilli(Long.parseLong(f.get("expires_at"))),
                f.get("access_token"), f.get("id_token"), f.get("code_verifier"));
    }
}
