package org.sessionstore.api.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import org.sessionstore.api.StoreConfigException;

/**
 * The keys tokens are encrypted with: the current one, which encrypts, and older ones, which
 * still decrypt, so a key can be rotated without losing a session. Each key is 32 random bytes
 * given in base64 ({@code openssl rand -base64 32}); its id is the first 8 hex digits of its
 * SHA-256, so a ciphertext names its key without revealing it. {@link #toString()} shows ids only.
 *
 * @since 1.0
 */
public final class TokenKeys {

    /** The setting that holds the current key. */
    public static final String KEY = "encryption_key";
    /** The setting that lists older keys, comma-separated. */
    public static final String OLD_KEYS = "encryption_keys_old";

    private final String currentId;
    private final Map<String, SecretKey> byId;

    private TokenKeys(String currentId, Map<String, SecretKey> byId) {
        this.currentId = currentId;
        this.byId = byId;
    }

    /**
     * Reads the keys from their settings.
     *
     * @param key the {@value #KEY} setting (base64 of 32 bytes)
     * @param oldKeys the {@value #OLD_KEYS} setting (comma-separated), or null
     * @return the keys
     * @throws StoreConfigException naming the setting, never repeating a key
     */
    public static TokenKeys of(String key, String oldKeys) {
        Map<String, SecretKey> byId = new LinkedHashMap<>();
        String current = key == null || key.isBlank() ? null : add(byId, key, KEY);
        if (oldKeys != null) {
            for (String old : oldKeys.split(",")) {
                if (!old.isBlank()) {
                    add(byId, old.trim(), OLD_KEYS);
                }
            }
        }
        return new TokenKeys(current, Collections.unmodifiableMap(byId));
    }

    private static String add(Map<String, SecretKey> byId, String base64, String setting) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new StoreConfigException(setting, "bad value for key '" + setting + "': 32 bytes in base64 (make one"
                    + " with: openssl rand -base64 32)");
        }
        if (raw.length != 32) {
            throw new StoreConfigException(setting, "bad value for key '" + setting + "': it is " + raw.length
                    + " bytes, AES-256 needs 32 in base64 (make one with: openssl rand -base64 32)");
        }
        String id = idOf(raw);
        byId.putIfAbsent(id, new SecretKeySpec(raw, "AES"));
        return id;
    }

    static String idOf(byte[] key) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key);
            return HexFormat.of().formatHex(hash, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * No key at all: nothing is encrypted, and a value stored encrypted is reported and treated as
     * absent rather than handed out as if it were a token.
     *
     * @return the keys
     */
    public static TokenKeys none() {
        return new TokenKeys(null, Map.of());
    }

    /** @return the id of the key that encrypts, or null when none does (decrypt-only, or none at all) */
    public String currentId() {
        return currentId;
    }

    SecretKey current() {
        return currentId == null ? null : byId.get(currentId);
    }

    SecretKey byId(String id) {
        return byId.get(id);
    }

    /** @return the ids of every key that decrypts, the current one first */
    public List<String> ids() {
        return new ArrayList<>(byId.keySet());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenKeys k && java.util.Objects.equals(k.currentId, currentId)
                && k.byId.keySet().equals(byId.keySet());
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hashCode(currentId) * 31 + byId.keySet().hashCode();
    }

    @Override
    public String toString() {
        return "TokenKeys[current=" + currentId + ", decrypting=" + byId.keySet() + "]";
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
