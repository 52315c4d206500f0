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
     * Whether a configuration key names a secret: it contains {@code password}, {@code secret} or
     * {@code token}.
     *
     * @param key a configuration key
     * @return true if its value must never be shown
     */
    public static boolean isSecretKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("secret") || k.contains("token");
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
}
