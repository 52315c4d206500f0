package org.sessionstore.api;

/**
 * The backend cannot serve the call now: it is down, timed out, closed, or no bundle provides
 * it. Raised within the call's timeout, never after hanging. The call may succeed later.
 */
public class StoreUnavailableException extends StoreException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what is unavailable and what to do
     */
    public StoreUnavailableException(String message) {
        super(message);
    }

    /**
     * @param message what is unavailable and what to do
     * @param cause the underlying failure
     */
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
