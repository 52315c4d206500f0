package org.sessionstore.jdbc;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.sessionstore.api.Redaction;

/**
 * Rows the store cannot read: each reported once by its key (never its content) and counted
 * ({@code unreadableRecords}); the row is treated as absent. The keys already reported are bounded.
 */
final class UnreadableRows {

    private final JdbcConfig config;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final LongAdder count = new LongAdder();

    UnreadableRows(JdbcConfig config) {
        this.config = config;
    }

    /** Reports and counts a row ({@code what} is session or state); returns null, for "absent". */
    <T> T report(String what, String key, String why) {
        count.increment();
        String shown = Redaction.printable(String.valueOf(key));
        if (reported.add(what + shown)) {
            if (reported.size() > 10_000) {
                reported.clear();
            }
            System.getLogger("org.sessionstore.jdbc").log(System.Logger.Level.WARNING, "the " + what + " row '" + shown
                    + "' in " + config.tablePrefix() + what + "s at " + config.where() + " cannot be read (" + why
                    + "); it is treated as absent: delete the row, or fix it");
        }
        return null;
    }

    long count() {
        return count.sum();
    }
}
