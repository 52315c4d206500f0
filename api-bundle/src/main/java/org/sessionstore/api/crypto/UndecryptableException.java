package org.sessionstore.api.crypto;

import org.sessionstore.api.StoreException;

/**
 * A stored value that no configured key decrypts. Its message names the key id, never a key or
 * a value.
 *
 * @since 1.0
 */
public class UndecryptableException extends StoreException {

    private static final long serialVersionUID = 1L;

    private final String keyId;

    /**
     * @param keyId the key id the value names
     * @param message why it cannot be decrypted
     */
    public UndecryptableException(String keyId, String message) {
        super(message);
        this.keyId = keyId;
    }

    /** @return the key id the value names */
    public String keyId() {
        return keyId;
    }
}
