package org.sessionstore.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

/** The sid claim of an ID token (found in review: an escaped key was read as sid, a nested payload took quadratic time). */
class IdTokenClaimsTest {

    private static String jwt(String json) {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        return b.encodeToString("{}".getBytes(StandardCharsets.UTF_8)) + "." + b.encodeToString(json.getBytes(StandardCharsets.UTF_8))
                + ".sig";
    }

    @Test
    void readsTheTopLevelSidOnly() {
        assertEquals("idp-1", IdTokenClaims.sid(jwt("{\"sub\":\"a\",\"sid\":\"idp-1\"}")));
        assertEquals("last", IdTokenClaims.sid(jwt("{\"sid\":\"first\",\"x\":1,\"sid\":\"last\"}")), "the last wins");
        assertNull(IdTokenClaims.sid(jwt("{\"\\\"sid\":\"forged\"}")), "an escaped quote before sid is another key");
        assertNull(IdTokenClaims.sid(jwt("{\"n\":{\"sid\":\"nested\"}}")));
        assertNull(IdTokenClaims.sid(jwt("{\"a\":\"sid\",\"b\":\"x\"}")), "a value \"sid\" is no key");
        assertNull(IdTokenClaims.sid(jwt("{\"sid\":17}")));
        assertNull(IdTokenClaims.sid(jwt("{\"sid\":\"bad\\nsid\"}")));
        assertNull(IdTokenClaims.sid("not-a-jwt"));
        assertNull(IdTokenClaims.sid("a.%%%.c"));
        assertEquals("\u00e9", IdTokenClaims.sid(jwt("{\"sid\":\"\\u00e9\"}")));
    }

    @Test
    void aDeepPayloadIsReadInOnePass() {
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < 1_500; i++) {
            json.append("\"k").append(i).append("\":{\"sid\":\"n\"},");
        }
        json.append("\"sid\":\"top\"}");
        assertEquals("top", IdTokenClaims.sid(jwt(json.toString())), "1,500 nested sids, the top-level one read");
    }
}
