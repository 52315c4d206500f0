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
                .append(GogoConsole.printable(String.valueOf(formatMessage(r))));
        Throwable t = r.getThrown();
        if (t != null) {
            b.append(" (").append(GogoConsole.printable(String.valueOf(t))).append(')');
        }
        b.append(System.lineSeparator());
        if (t != null && Boolean.getBoolean("sessionstore.console.trace")) {
            java.io.StringWriter w = new java.io.StringWriter();
            t.printStackTrace(new java.io.PrintWriter(w));
            b.append(w);
        }
        return b.toString();
    }
}
