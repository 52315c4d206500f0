package org.sessionstore.distribution;

import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * The framework's own messages (a bundle that cannot resolve or start, say) as one log line each
 * on standard error, like every other log line: Felix's default logger prints them on standard
 * output, ahead of a command's output, with a stack trace on standard error.
 */
final class FelixLog extends org.apache.felix.framework.Logger {

    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger("felix");

    @Override
    protected void doLog(Bundle bundle, ServiceReference sr, int level, String msg, Throwable throwable) {
        java.util.logging.Level jul = switch (level) {
            case LOG_ERROR -> java.util.logging.Level.SEVERE;
            case LOG_WARNING -> java.util.logging.Level.WARNING;
            case LOG_INFO -> java.util.logging.Level.INFO;
            default -> java.util.logging.Level.FINE;
        };
        String cause = throwable == null ? "" : ": " + OneLineFormatter.oneLine(throwable);
        String what = String.valueOf(msg);
        LOG.log(jul, cause.isEmpty() || what.contains(cause.substring(2)) ? what : what + cause);
    }
}
