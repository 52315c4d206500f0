package org.sessionstore.api;

/** The store holds as many entries as its configuration allows and refuses a new one. */
public class StoreFullException extends StoreException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message the limit, its key, and what to do
     */
    public StoreFullException(String message) {
        super(message);
    }
}
