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
 * with it, so a ciphertext moved to another session or field does not decrypt.
 *
 * <p>Integrity: while a current key is set, every stored value must be such a ciphertext; a value
 * in clear (planted, or stored before encryption was turned on) is refused as undecryptable, never
 * returned as if it had been sealed. With no current key (encryption off, or being turned off with
 * only {@code encryption_keys_old}), values are written in clear; one that could be taken for a
 * stored format (it starts with {@code enc1:} or {@code clr:}) is written as {@code clr:} and the
 * value, and read back as the value, so no token is ever misread as a ciphertext.
 *
 * @since 1.0
 */
public final class TokenCipher {

    static final String PREFIX = "enc1:";
    /** Marks a value written in clear that starts like a stored format. */
    static final String CLEAR = "clr:";
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
        if (plain == null) {
            return null;
        }
        if (keys.current() == null) {
            // no current key: decrypt-only, values are written in clear (marked if they look like a format)
            return plain.startsWith(PREFIX) || plain.startsWith(CLEAR) ? CLEAR + plain : plain;
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
     * @param stored a ciphertext, a value stored in clear, or null
     * @param context the context it was encrypted with
     * @return the value
     * @throws UndecryptableException if it is a ciphertext no key decrypts (its key id is named), a
     *         malformed one, or a value in clear while a current key is set; never the value itself
     */
    public String decrypt(String stored, String context) {
        if (stored == null) {
            return null;
        }
        if (!stored.startsWith(PREFIX)) {
            if (keys.current() != null) {
                throw new UndecryptableException("none", "it is stored in clear while encryption_key is set, so it is not"
                        + " trusted (planted, or stored before encryption was turned on: migrate such values with"
                        + " sessionstore:use --migrate, see docs/security.md)");
            }
            return stored.startsWith(CLEAR) ? stored.substring(CLEAR.length()) : stored;
        }
        int colon = stored.indexOf(':', PREFIX.length());
        String keyId = colon < 0 || colon - PREFIX.length() > 16 ? "?"
                : org.sessionstore.api.Redaction.printable(stored.substring(PREFIX.length(), colon));
        SecretKey key = keys.byId(keyId);
        if (key == null) {
            throw new UndecryptableException(keyId, "it was encrypted with key id " + keyId
                    + ", which neither encryption_key nor encryption_keys_old holds (they hold " + keys.ids() + ")");
        }
        byte[] all;
        try {
            all = DECODER.decode(stored.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            all = null;
        }
        if (all == null || all.length < NONCE + TAG_BITS / 8) {
            // too short to hold a nonce and a tag: a cipher would fail on it with a provider's own exception
            throw new UndecryptableException(keyId, "its ciphertext (key id " + keyId + ") is malformed: "
                    + (all == null ? "not base64" : "too short to be one"));
        }
        try {
            Cipher c = CIPHER.get();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE));
            c.updateAAD(TokenKeys.utf8(context));
            return new String(c.doFinal(all, NONCE, all.length - NONCE), java.nio.charset.StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | RuntimeException e) {
            // whatever the provider throws (a ProviderException too): one record's problem, named by its key id
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

    /**
     * @param stored a stored value, or null
     * @return whether it is in a stored format (a ciphertext, or a clear value marked as such):
     *         reading it needs {@link #decrypt}
     * @since 1.5
     */
    public static boolean marked(String stored) {
        return stored != null && (stored.startsWith(PREFIX) || stored.startsWith(CLEAR));
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
