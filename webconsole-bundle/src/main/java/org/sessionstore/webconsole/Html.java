package org.sessionstore.webconsole;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import org.sessionstore.api.Redaction;

/** Every value the page shows goes through here: HTML-encoded (text and quoted attributes alike), control characters shown as escapes. */
final class Html {

    private Html() {
    }

    /** {@code value} as HTML text or a double-quoted attribute's value (invisible characters shown as escapes); {@code null} as "". */
    static String text(Object value) {
        return value == null ? "" : attr(Redaction.printable(String.valueOf(value)));
    }

    /**
     * {@code value} as a double-quoted attribute's value that a form sends back as it was: encoded,
     * but with no character shown as an escape (a subject with an invisible character must reach the
     * store as itself, not as the text of its escape).
     */
    static String attr(String value) {
        if (value == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                case '\r' -> b.append("&#13;");
                case '\n' -> b.append("&#10;");
                case '\t' -> b.append("&#9;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** {@code value} as a URL query parameter's value. */
    static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
