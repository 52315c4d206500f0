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
        assertEquals("plain", c.decrypt("plain", "x"), "a value stored before encryption was on reads as it is");
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
