package org.sessionstore.distribution;

import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * A log record as one line on standard error: {@code LEVEL logger: message}, and for a failure
 * its one-line cause ({@code (java.io.IOException: …)}), never a stack trace (unless
 * {@code -Dsessionstore.console.trace=true}). Control characters are escaped, so a logged value
 * cannot split the line or steer the terminal.
 */
final class OneLineFormatter extends Formatter {

    @Override
    public String format(LogRecord r) {
        StringBuilder b = new StringBuilder();
        b.append(r.getLevel().getName()).append(' ').append(r.getLoggerName()).append(": ")
                .append(printable(String.valueOf(formatMessage(r))));
        Throwable t = r.getThrown();
        if (t != null) {
            b.append(" (").append(printable(String.valueOf(t))).append(')');
        }
        b.append(System.lineSeparator());
        if (t != null && Boolean.getBoolean("sessionstore.console.trace")) {
            java.io.StringWriter w = new java.io.StringWriter();
            t.printStackTrace(new java.io.PrintWriter(w));
            b.append(w);
        }
        return b.toString();
    }

    /** A failure in one printable line: the first message found down the causes. */
    static String oneLine(Throwable t) {
        Throwable shown = t;
        while (shown.getMessage() == null && shown.getCause() != null) {
            shown = shown.getCause();
        }
        String message = shown.getMessage() == null ? shown.getClass().getSimpleName() : shown.getMessage();
        if (shown instanceof OutOfMemoryError) {
            message = "out of memory: " + message;
        }
        int nl = message.indexOf('\n');
        return printable(nl < 0 ? message : message.substring(0, nl));
    }

    /**
     * Text as it may reach the terminal: control, format (bidi) and separator characters written
     * as {@code \\uXXXX}. (The launcher runs outside the framework, without the API's
     * {@code Redaction.printable}, which the bundles use and which also escapes the rarer
     * invisible characters; what the launcher prints is its own text and what bundles log, which
     * they escaped already.)
     */
    static String printable(String text) {
        StringBuilder b = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            int type = Character.getType(cp);
            if (Character.isISOControl(cp) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE) {
                for (char c : Character.toChars(cp)) {
                    b.append(String.format("\\u%04X", (int) c));
                }
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.toString();
    }
}
