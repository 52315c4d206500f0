package org.sessionstore.api;

/**
 * Checks the identifiers a store is given (session ids, OAuth2 states), so that every backend
 * rejects the same bad input with the same clear message.
 *
 * <p>An id is valid when it is not null, at most {@link #MAX_LENGTH} characters long, not made
 * only of spaces (of any kind), and free of characters that could hide or disguise it when it is
 * printed: control characters (which could split a log line or steer a terminal), Unicode format
 * characters (zero-width spaces and joiners, bidirectional overrides and isolates such as U+202E),
 * line and paragraph separators (U+2028, U+2029) and spaces other than the plain U+0020 (such as
 * the no-break space U+00A0), and unpaired surrogates.
 */
public final class Ids {

    /** The longest id accepted, in characters. */
    public static final int MAX_LENGTH = 512;

    private Ids() {
    }

    /**
     * Returns {@code sub} if it can name a subject to revoke: not null, not blank.
     *
     * @param sub the subject
     * @return {@code sub}
     * @throws IllegalArgumentException if it is null or blank
     * @since 1.3
     */
    public static String requireSubject(String sub) {
        if (sub == null || sub.isBlank()) {
            throw new IllegalArgumentException("subject must not be null or blank");
        }
        return sub;
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
        if (value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(what + " is " + value.length()
                    + " characters long; at most " + MAX_LENGTH + " are allowed");
        }
        boolean onlySpaces = true;
        for (int i = 0; i < value.length(); i += Character.charCount(value.codePointAt(i))) {
            int cp = value.codePointAt(i);
            if (cp == ' ') {
                continue;
            }
            onlySpaces = false;
            String rule = refused(value, i);
            if (rule != null) {
                throw new IllegalArgumentException(what + " contains " + rule + " (U+"
                        + String.format("%04X", cp) + ") at index " + i + "; use visible characters only");
            }
        }
        if (onlySpaces) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return value;
    }

    /** What is wrong with the character at {@code i}, or null if it may stand in an id. */
    private static String refused(String s, int i) {
        int c = s.codePointAt(i);
        if (Character.isISOControl(c)) {
            return "a control character";
        }
        switch (Character.getType(c)) {
            case Character.FORMAT:
                return "an invisible format character";
            case Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR:
                return "a line or paragraph separator";
            case Character.SPACE_SEPARATOR:
                return "a space other than U+0020";
            case Character.SURROGATE:
                return "an unpaired surrogate"; // a pair is read as one code point above
            default:
                return Redaction.hidden(c) ? "an invisible character" : null;
        }
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
