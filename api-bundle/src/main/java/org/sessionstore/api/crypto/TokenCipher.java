package org.sessionstore.api.crypto;

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
    /** Looking a cipher up costs more than using it: one per thread, initialised per value. */
    private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is missing from this JVM: " + e.getMessage(), e);
        }
    });
    private static final Base64.Encoder ENCODER = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getDecoder();

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
        if (plain == null || keys.current() == null) {
            return plain; // no current key: decrypt-only, values are written as they are
        }
        try {
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            Cipher c = CIPHER.get();
            c.init(Cipher.ENCRYPT_MODE, keys.current(), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(TokenKeys.utf8(context));
            byte[] text = TokenKeys.utf8(plain);
            byte[] out = new byte[NONCE + c.getOutputSize(text.length)];
            System.arraycopy(nonce, 0, out, 0, NONCE);
            c.doFinal(text, 0, text.length, out, NONCE);
            return PREFIX + keys.currentId() + ":" + ENCODER.encodeToString(out);
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
        String keyId = colon < 0 || colon - PREFIX.length() > 16 ? "?"
                : org.sessionstore.api.Redaction.printable(stored.substring(PREFIX.length(), colon));
        SecretKey key = keys.byId(keyId);
        if (key == null) {
            throw new UndecryptableException(keyId, "it was encrypted with key id " + keyId
                    + ", which neither encryption_key nor encryption_keys_old holds (they hold " + keys.ids() + ")");
        }
        try {
            byte[] all = DECODER.decode(stored.substring(colon + 1));
            Cipher c = CIPHER.get();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE));
            c.updateAAD(TokenKeys.utf8(context));
            return new String(c.doFinal(all, NONCE, all.length - NONCE), java.nio.charset.StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new UndecryptableException(keyId, "its ciphertext (key id " + keyId
                    + ") does not authenticate: it was altered, or belongs to another record or field");
        }
    }

    /**
     * @param stored a stored value, or null
     * @return whether it is a ciphertext of this format
     */
    public static boolean sealed(String stored) {
        return stored != null && stored.startsWith(PREFIX);
    }

    /** @return whether values are encrypted (a current key is set) */
    public boolean encrypts() {
        return keys.current() != null;
    }

    /** @return the keys */
    public TokenKeys keys() {
        return keys;
    }
}
