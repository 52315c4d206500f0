package org.sessionstore.redis;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.sessionstore.api.Session;

/**
 * A session as the fields of its Redis hash: {@code username}, {@code sub}, {@code access_token},
 * {@code id_token} (so {@code getField} reads one field by its API name), {@code code_verifier},
 * {@code issued_at}/{@code expires_at} in epoch milliseconds (Redis keeps instants to the
 * millisecond), {@code sid} (the identity provider's session id, API 1.6: a hash without it is read
 * as before, the sid then taken from a clear ID token), and {@code v}, the format version (absent in hashes written before versions were
 * kept: the same fields). A null component is an absent field.
 */
final class SessionHash {

    /** The format version this store writes. */
    static final String VERSION = "1";

    private SessionHash() {
    }

    /** The optional fields, in the order {@link #absent} names them. */
    static final List<String> OPTIONAL = List.of("username", "sub", "issued_at", "access_token", "id_token", "code_verifier",
            "sid");

    /** The optional fields a session leaves out (they are removed from the hash it replaces). */
    static List<String> absent(Session s) {
        List<String> out = new java.util.ArrayList<>(2);
        if (s.username() == null) {
            out.add("username");
        }
        if (s.sub() == null) {
            out.add("sub");
        }
        if (s.issuedAt() == null) {
            out.add("issued_at");
        }
        if (s.accessToken() == null) {
            out.add("access_token");
        }
        if (s.idToken() == null) {
            out.add("id_token");
        }
        if (s.codeVerifier() == null) {
            out.add("code_verifier");
        }
        if (s.sid() == null) {
            out.add("sid");
        }
        return out;
    }

    static Map<String, String> fields(Session s) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("v", VERSION);
        put(f, "username", s.username());
        put(f, "sub", s.sub());
        put(f, "issued_at", s.issuedAt() == null ? null : Long.toString(s.issuedAt().toEpochMilli()));
        f.put("expires_at", Long.toString(s.expiresAt().toEpochMilli()));
        put(f, "access_token", s.accessToken());
        put(f, "id_token", s.idToken());
        put(f, "code_verifier", s.codeVerifier());
        put(f, "sid", s.sid());
        return f;
    }

    private static void put(Map<String, String> f, String key, String value) {
        if (value != null) {
            f.put(key, value);
        }
    }

    /**
     * @throws UnreadableRecord if the hash is not a session this store can read
     */
    static Session session(String id, Map<String, String> f) {
        checkVersion(f.get("v"));
        String issued = f.get("issued_at");
        Instant issuedAt = issued == null ? null : Instant.ofEpochMilli(millis(issued, "issued_at"));
        Instant expiresAt = Instant.ofEpochMilli(expiresAt(f.get("expires_at")));
        try {
            return new Session(id, f.get("username"), f.get("sub"), issuedAt, expiresAt,
                    f.get("access_token"), f.get("id_token"), f.get("code_verifier"), f.get("sid"));
        } catch (IllegalArgumentException e) {
            // an id planted in an index with a control character, say: never the value in the message
            throw new UnreadableRecord("its id is not a valid session id");
        }
    }

    /**
     * A session's end as its add capped it: its {@code cap} field (written with {@code idle_timeout}:
     * the session's end capped by {@code ttl} when it was added, which touches never pass), else
     * {@code expiresAt}.
     *
     * @throws UnreadableRecord if the field is there but not a number
     */
    static long end(String cap, long expiresAt) {
        return cap == null ? expiresAt : Math.min(expiresAt, millis(cap, "cap"));
    }

    /**
     * A session's deadline: its {@code deadline} field (written with {@code idle_timeout}: the idle
     * deadline, which reads move), or its end when it has none.
     *
     * @throws UnreadableRecord if the field is there but not a number
     */
    static long deadline(String value, long expiresAt) {
        return value == null ? expiresAt : Math.min(expiresAt, millis(value, "deadline"));
    }

    /**
     * The expiry of a hash read field by field.
     *
     * @throws UnreadableRecord if it is missing or not a number
     */
    static long expiresAt(String value) {
        if (value == null) {
            throw new UnreadableRecord("it has no expires_at field");
        }
        return millis(value, "expires_at");
    }

    static void checkVersion(String v) {
        if (v != null && !v.equals(VERSION)) {
            throw new UnreadableRecord("it was written in format " + (v.matches("\\d{1,9}") ? v : "?")
                    + " by another version of the store; this one reads " + VERSION);
        }
    }

    private static long millis(String value, String field) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new UnreadableRecord("its " + field + " field is not a number of milliseconds");
        }
    }
}
