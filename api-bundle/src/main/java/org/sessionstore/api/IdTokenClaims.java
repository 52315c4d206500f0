package org.sessionstore.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Reads the {@code sid} claim of an ID token that is a JWT (header.payload.signature, base64url),
 * without verifying it: the proxy verified the token when it took it. One pass over the payload,
 * top-level members only (a nested object's {@code sid} is someone else's), the last {@code sid}
 * winning as in JSON parsers. Anything that is not such a token, or has no string {@code sid} that
 * is a valid id, gives null; this never throws.
 */
final class IdTokenClaims {

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
        String json;
        try {
            json = new String(Base64.getUrlDecoder().decode(idToken.substring(first + 1, second)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
        String sid = null;
        int depth = 0;
        boolean expectKey = false;
        String key = null;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"') {
                int end = endOfString(json, i);
                if (end < 0) {
                    return null;
                }
                String text = unescape(json.substring(i + 1, end));
                if (depth == 1 && expectKey) {
                    key = text;
                    expectKey = false;
                } else if (depth == 1 && "sid".equals(key)) {
                    sid = text; // the last one wins
                    key = null;
                }
                i = end;
            } else if (c == '{' || c == '[') {
                depth++;
                expectKey = depth == 1 && c == '{';
            } else if (c == '}' || c == ']') {
                depth--;
            } else if (c == ',' && depth == 1) {
                expectKey = true;
                key = null;
            }
        }
        return sid != null && valid(sid) ? sid : null;
    }

    /** The index of the quote that ends the string starting at {@code start}, or -1. */
    private static int endOfString(String s, int start) {
        for (int i = start + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i;
            }
        }
        return -1;
    }

    private static boolean valid(String sid) {
        try {
            Ids.require(sid, "sid");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The text of a JSON string's body, or null for an escape no valid id holds. */
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
