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
     * Text from a backend (an exception's message, say) with every secret value of a
     * configuration in it replaced by {@value #MASK}, and made {@linkplain #printable printable}:
     * a third-party backend may repeat what it was given (a password in a URL) in its failure.
     *
     * @param text the text, or null
     * @param config the configuration whose secret keys' values must not show
     * @return the text without them
     * @since 1.5
     */
    public static String withoutSecrets(String text, Map<String, ?> config) {
        String out = String.valueOf(text);
        if (config != null) {
            for (Map.Entry<String, ?> e : config.entrySet()) {
                String v = e.getValue() == null ? "" : String.valueOf(e.getValue());
                if (isSecretKey(e.getKey()) && v.length() >= 3) {
                    out = out.replace(v, MASK);
                }
            }
        }
        return printable(out);
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
        for (int i = 0; i < text.length();) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            boolean lone = Character.isSurrogate(text.charAt(i)) && n == 1;
            if (lone || hidden(cp)) {
                if (b == null) {
                    b = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                for (int k = 0; k < n; k++) {
                    b.append(String.format("\\u%04X", (int) text.charAt(i + k)));
                }
            } else if (b != null) {
                b.append(text, i, i + n);
            }
            i += n;
        }
        return b == null ? text : b.toString();
    }

    /**
     * Whether a code point could hide or disguise text when printed: a control, format (bidi),
     * line or paragraph separator, unassigned or private-use character, or one Unicode lists as
     * default-ignorable (fillers, the combining grapheme joiner, variation selectors, tags).
     *
     * @param cp a code point
     * @return true if it must not be printed as it is
     * @since 1.2
     */
    public static boolean hidden(int cp) {
        if (Character.isISOControl(cp)) {
            return true;
        }
        switch (Character.getType(cp)) {
            case Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.UNASSIGNED,
                    Character.PRIVATE_USE:
                return true;
            default:
                return cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x17B4 || cp == 0x17B5
                        || cp >= 0x180B && cp <= 0x180F || cp == 0x3164 || cp >= 0xFE00 && cp <= 0xFE0F || cp == 0xFFA0
                        || cp >= 0xE0000 && cp <= 0xE0FFF;
        }
    }

}
