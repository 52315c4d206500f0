package org.sessionstore.api;

/**
 * A configuration key has a bad value or is unknown. The message names the key and what is
 * accepted, and never contains a secret's value.
 */
public class StoreConfigException extends StoreException {

    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * @param key the offending key
     * @param message what was wrong and what is accepted
     */
    public StoreConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    /**
     * The offending key.
     *
     * @return the key
     */
    public String key() {
        return key;
    }
}
