package org.sessionstore.api;

/** The base of the exceptions a store throws; unchecked, and its message says what to do. */
public class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong and what to do
     */
    public StoreException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong and what to do
     * @param cause the underlying failure (its message must not hold a secret)
     */
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
