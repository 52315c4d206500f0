package org.sessionstore.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the {@code sid} claim of an ID token that is a JWT (header.payload.signature, base64url),
 * without verifying it: the proxy verified the token when it took it. Anything that is not such a
 * token, or has no string {@code sid} that is a valid id, gives null; this never throws.
 */
final class IdTokenClaims {

    /** A top-level "sid": "…" member (JSON string, escapes allowed). */
    private static final Pattern SID = Pattern.compile("\"sid\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.){1,1024})\"");
    /** Longer tokens are not read (an ID token is a few kilobytes). */
    private static final int MAX_TOKEN = 64 * 1024;

    private IdTokenClaims() {
    }

    static String sid(String idToken) {
        if (idToken == null || idToken.length() > MAX_TOKEN) {
            return null;
        }
        int first = idToken.indexOf('.');
        int second = first < 0 ? -1 : idToken.indexOf('.', first + 1);
        if (second < 0) {
            return null;
        }
        try {
            String payload = new String(Base64.getUrlDecoder().decode(idToken.substring(first + 1, second)),
                    StandardCharsets.UTF_8);
            // only the top level counts: a nested object's "sid" is someone else's
            Matcher m = SID.matcher(payload);
            while (m.find()) {
                if (depth(payload, m.start()) == 1) {
                    String sid = unescape(m.group(1));
                    return sid != null && valid(sid) ? sid : null;
                }
            }
            return null;
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
    }

    private static boolean valid(String sid) {
        try {
            Ids.require(sid, "sid");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The object nesting depth at {@code at}, outside strings. */
    private static int depth(String json, int at) {
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < at; i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            }
        }
        return depth;
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (++i >= s.length()) {
                return null;
            }
            char e = s.charAt(i);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'u' -> {
                    try {
                        b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    } catch (NumberFormatException | StringIndexOutOfBoundsException bad) {
                        return null;
                    }
                    i += 4;
                }
                default -> {
                    return null; // \n, \t and the like: never part of a valid id
                }
            }
        }
        return b.toString();
    }
}
