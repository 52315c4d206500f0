package org.sessionstore.api.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.StoreConfigException;

class TokenCipherTest {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void aTokenRoundTripsAndEachCiphertextIsFresh() {
        TokenCipher c = new TokenCipher(TokenKeys.of(KEY, null));
        String a = c.encrypt("token", "session:s:access_token");
        String b = c.encrypt("token", "session:s:access_token");
        assertNotEquals(a, b, "a fresh nonce each time");
        assertTrue(a.startsWith("enc1:" + TokenKeys.of(KEY, null).currentId() + ":"), a);
        assertEquals("token", c.decrypt(a, "session:s:access_token"));
        UndecryptableException clear = assertThrows(UndecryptableException.class, () -> c.decrypt("plain", "x"),
                "a value in clear is not trusted while a key is set");
        assertTrue(clear.getMessage().contains("stored in clear while encryption_key is set"), clear.getMessage());
        assertFalse(clear.getMessage().contains("plain"), clear.getMessage());
    }

    /** Found in review: a ciphertext of 12 to 27 bytes escaped as javax.crypto.ShortBufferException. */
    @Test
    void aCiphertextOfAnyLengthIsUndecryptableNeverARawException() {
        TokenCipher c = new TokenCipher(TokenKeys.of(KEY, null));
        String id = TokenKeys.of(KEY, null).currentId();
        for (int n = 0; n <= 64; n++) {
            String stored = "enc1:" + id + ":" + Base64.getEncoder().withoutPadding().encodeToString(new byte[n]);
            UndecryptableException e = assertThrows(UndecryptableException.class, () -> c.decrypt(stored, "ctx"),
                    n + " bytes");
            assertTrue(e.getMessage().contains("key id " + id), e.getMessage());
        }
        assertThrows(UndecryptableException.class, () -> c.decrypt("enc1:" + id + ":!!not base64!!", "ctx"));
        assertThrows(UndecryptableException.class, () -> c.decrypt("enc1:" + id, "ctx"));
        assertThrows(UndecryptableException.class, () -> c.decrypt("enc1:", "ctx"));
    }

    /** Found in review: with no key, a token that starts with enc1: made its session read as absent. */
    @Test
    void withoutAKeyATokenThatLooksLikeAFormatRoundTrips() {
        TokenCipher none = new TokenCipher(TokenKeys.none());
        for (String token : new String[] {"enc1:abc:def", "clr:x", "clr:", "enc1:", "plain", "encoded"}) {
            String stored = none.encrypt(token, "ctx");
            assertEquals(token, none.decrypt(stored, "ctx"), token);
        }
        assertEquals("plain", none.encrypt("plain", "ctx"), "an ordinary value is written as it is");
        assertEquals("clr:enc1:abc:def", none.encrypt("enc1:abc:def", "ctx"));
        assertThrows(UndecryptableException.class, () -> new TokenCipher(TokenKeys.of(KEY, null))
                .decrypt(none.encrypt("enc1:abc:def", "ctx"), "ctx"), "a marked clear value is clear all the same");
    }

    @Test
    void aCiphertextMovedToAnotherSessionOrFieldDoesNotDecrypt() {
        TokenCipher c = new TokenCipher(TokenKeys.of(KEY, null));
        String a = c.encrypt("token", "session:s:access_token");
        UndecryptableException e = assertThrows(UndecryptableException.class, () -> c.decrypt(a, "session:t:access_token"));
        assertTrue(e.getMessage().contains("does not authenticate"), e.getMessage());
        assertThrows(UndecryptableException.class, () -> c.decrypt(a, "session:s:id_token"));
    }

    /** Found in review: a key id planted in Redis reached the log raw. */
    @Test
    void aHostileKeyIdIsEscaped() {
        TokenCipher c = new TokenCipher(TokenKeys.of(KEY, null));
        UndecryptableException e = assertThrows(UndecryptableException.class,
                () -> c.decrypt("enc1:\u001b[31m\n:abc", "x"));
        assertFalse(e.getMessage().contains("\u001b") || e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void withoutACurrentKeyNothingIsEncryptedAndOldValuesStillDecrypt() {
        String sealed = new TokenCipher(TokenKeys.of(KEY, null)).encrypt("token", "ctx");
        TokenCipher decryptOnly = new TokenCipher(TokenKeys.of(null, KEY));
        assertEquals("plain", decryptOnly.encrypt("plain", "ctx"));
        assertEquals("token", decryptOnly.decrypt(sealed, "ctx"));
        assertThrows(UndecryptableException.class, () -> new TokenCipher(TokenKeys.none()).decrypt(sealed, "ctx"));
    }

    @Test
    void badKeysAreRefusedWithoutBeingRepeated() {
        StoreConfigException shortKey = assertThrows(StoreConfigException.class,
                () -> TokenKeys.of(Base64.getEncoder().encodeToString(new byte[16]), null));
        assertTrue(shortKey.getMessage().contains("it is 16 bytes, AES-256 needs 32"), shortKey.getMessage());
        StoreConfigException notBase64 = assertThrows(StoreConfigException.class, () -> TokenKeys.of("not base64 !!", null));
        assertFalse(notBase64.getMessage().contains("not base64 !!"), notBase64.getMessage());
        assertEquals("encryption_keys_old", assertThrows(StoreConfigException.class,
                () -> TokenKeys.of(KEY, "tooshort")).key());
        assertFalse(TokenKeys.of(KEY, null).toString().contains(KEY));
    }
}
