package org.sessionstore.api;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keeps secrets out of output: every place that prints a configuration or a record goes through
 * here, so a password or a token is never shown.
 */
public final class Redaction {

    /** What a secret is shown as. */
    public static final String MASK = "***";

    private Redaction() {
    }

    /**
     * Whether a configuration key names a secret: it contains {@code password}, {@code secret},
     * {@code token} or {@code encryption_key} (so {@code encryption_keys_old} too). A backend marks
     * a key secret by naming it so.
     *
     * @param key a configuration key
     * @return true if its value must never be shown
     */
    public static boolean isSecretKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("secret") || k.contains("token") || k.contains("encryption_key");
    }

    /**
     * A secret value as it may be shown.
     *
     * @param secret the value
     * @return {@code null} if there is none, else {@link #MASK}
     */
    public static String mask(String secret) {
        return secret == null ? null : MASK;
    }

    /**
     * A configuration as it may be shown: keys sorted, secret values masked.
     *
     * @param config a configuration
     * @return a sorted copy with secrets replaced by {@link #MASK}
     */
    public static Map<String, String> redact(Map<String, ?> config) {
        Map<String, String> shown = new TreeMap<>();
        config.forEach((k, v) -> shown.put(k, isSecretKey(k) ? MASK : String.valueOf(v)));
        return shown;
    }

    /**
     * Text from outside (a configuration value, a key, an id) as it may be printed in one line
     * of a log or a terminal: control characters, line and paragraph separators, bidirectional
     * overrides and other invisible format characters are written as {@code \\uXXXX}, so they
     * can neither split a line nor steer a terminal.
     *
     * @param text the text, or null
     * @return the printable text ({@code "null"} for null)
     * @since 1.2
     */
    public static String printable(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int t = Character.getType(c);
            boolean hidden = Character.isISOControl(c) || t == Character.FORMAT || t == Character.LINE_SEPARATOR
                    || t == Character.PARAGRAPH_SEPARATOR || t == Character.SURROGATE && !validSurrogate(text, i)
                    || t == Character.UNASSIGNED || t == Character.PRIVATE_USE;
            if (hidden) {
                if (b == null) {
                    b = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                b.append(String.format("\\u%04X", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? text : b.toString();
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
