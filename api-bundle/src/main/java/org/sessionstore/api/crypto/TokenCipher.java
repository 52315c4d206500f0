package org.sessionstore.api.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encrypts one value with AES-256-GCM: {@code enc1:KEYID:BASE64(nonce || ciphertext || tag)},
 * a fresh 12-byte nonce each time. The context (which record, which field) is authenticated
 * with it, so a ciphertext moved to another session or field does not decrypt. A value without
 * the {@code enc1:} prefix was stored before encryption was turned on and reads as it is.
 *
 * @since 1.0
 */
public final class TokenCipher {

    static final String PREFIX = "enc1:";
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TokenKeys keys;

    /** @param keys the keys */
    public TokenCipher(TokenKeys keys) {
        this.keys = keys;
    }

    /**
     * @param plain the value, or null
     * @param context what the value belongs to, such as {@code session:ID:access_token}
     * @return the ciphertext, or null for null
     */
    public String encrypt(String plain, String context) {
        if (plain == null) {
            return null;
        }
        try {
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, keys.current(), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(TokenKeys.utf8(context));
            byte[] sealed = c.doFinal(TokenKeys.utf8(plain));
            ByteBuffer out = ByteBuffer.allocate(NONCE + sealed.length).put(nonce).put(sealed);
            return PREFIX + keys.currentId() + ":" + Base64.getEncoder().withoutPadding().encodeToString(out.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM failed in this JVM: " + e.getMessage(), e);
        }
    }

    /**
     * @param stored a ciphertext, a value stored before encryption was on, or null
     * @param context the context it was encrypted with
     * @return the value
     * @throws UndecryptableException if it is a ciphertext no key decrypts (its key id is named)
     */
    public String decrypt(String stored, String context) {
        if (stored == null || !stored.startsWith(PREFIX)) {
            return stored;
        }
        int colon = stored.indexOf(':', PREFIX.length());
        String keyId = colon < 0 ? "?" : stored.substring(PREFIX.length(), colon);
        SecretKey key = keys.byId(keyId);
        if (key == null) {
            throw new UndecryptableException(keyId, "it was encrypted with key id " + keyId
                    + ", which neither encryption_key nor encryption_keys_old holds (they hold " + keys.ids() + ")");
        }
        try {
            byte[] all = Base64.getDecoder().decode(stored.substring(colon + 1));
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE));
            c.updateAAD(TokenKeys.utf8(context));
            return new String(c.doFinal(all, NONCE, all.length - NONCE), java.nio.charset.StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new UndecryptableException(keyId, "its ciphertext (key id " + keyId
                    + ") does not authenticate: it was altered, or belongs to another record or field");
        }
    }

    /** @return the keys */
    public TokenKeys keys() {
        return keys;
    }
}
