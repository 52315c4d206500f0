package org.sessionstore.console;

import java.util.logging.Level;
import java.util.logging.Logger;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.util.tracker.ServiceTracker;

/**
 * What bundles log into the OSGi Log Service (FileInstall's "failed to install artifact", SCR's
 * component errors) comes to standard error like every other log line: warnings and errors, one
 * line each, named by the bundle that logged. Without it, those bundles find the Log Service and
 * their messages are kept where nobody reads them.
 */
final class LogBridge extends ServiceTracker<LogReaderService, LogReaderService> implements LogListener {

    LogBridge(BundleContext context) {
        super(context, LogReaderService.class, null);
    }

    @Override
    public LogReaderService addingService(ServiceReference<LogReaderService> reference) {
        LogReaderService reader = super.addingService(reference);
        if (reader != null) {
            reader.addLogListener(this);
        }
        return reader;
    }

    @Override
    public void removedService(ServiceReference<LogReaderService> reference, LogReaderService reader) {
        reader.removeLogListener(this);
        super.removedService(reference, reader);
    }

    @Override
    public void logged(LogEntry entry) {
        LogLevel level = entry.getLogLevel();
        if (level != LogLevel.ERROR && level != LogLevel.WARN || String.valueOf(entry.getMessage()).startsWith("FrameworkEvent")) {
            return; // warnings and errors only; the Log Service's copies of framework events were printed by Felix itself
        }
        String from = entry.getBundle() == null ? "osgi" : String.valueOf(entry.getBundle().getSymbolicName());
        Throwable t = entry.getException();
        String message = String.valueOf(entry.getMessage());
        if (t != null && !message.contains(String.valueOf(t.getMessage()))) {
            message += ": " + Console.oneLine(t);
        }
        Logger.getLogger(from).log(level == LogLevel.WARN ? Level.WARNING : Level.SEVERE,
                org.sessionstore.api.Redaction.printable(message));
    }
}
