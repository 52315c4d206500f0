package org.sessionstore.api;

/**
 * Checks the identifiers a store is given (session ids, OAuth2 states), so that every backend
 * rejects the same bad input with the same clear message.
 *
 * <p>An id is valid when it is not null, not blank, at most {@link #MAX_LENGTH} characters
 * long, and free of control characters (which could split a log line or a Redis key).
 */
public final class Ids {

    /** The longest id accepted, in characters. */
    public static final int MAX_LENGTH = 512;

    private Ids() {
    }

    /**
     * Returns {@code value} if it is a valid id.
     *
     * @param value the id to check
     * @param what what the id is, for the message (for example {@code "session id"})
     * @return {@code value}
     * @throws IllegalArgumentException naming {@code what} and the rule it broke
     */
    public static String require(String value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        if (value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(what + " is " + value.length()
                    + " characters long; at most " + MAX_LENGTH + " are allowed");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new IllegalArgumentException(what + " contains a control character at index " + i
                        + "; use printable characters only");
            }
        }
        return value;
    }

    /**
     * Returns {@code value} if it is not null.
     *
     * @param value the argument
     * @param what its name, for the message
     * @param <T> its type
     * @return {@code value}
     * @throws IllegalArgumentException if {@code value} is null
     */
    public static <T> T requireNonNull(T value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        return value;
    }
}
