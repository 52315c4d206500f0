package org.sessionstore.redis;

/** A record in Redis this store cannot read (corrupt, or written by a newer format); the reason never holds its value. */
final class UnreadableRecord extends RuntimeException {

    private static final long serialVersionUID = 1L;

    UnreadableRecord(String why) {
        super(why, null, false, false);
    }

    /**
     * The records found unreadable: each is reported once by its key (never its content; the keys
     * remembered are bounded), and all are counted ({@code SessionStore.unreadableRecords()}); a
     * bad value neither fails every read of it nor hides what is wrong.
     */
    static final class Log {
        private final String where;
        private final java.util.Set<String> reported = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final java.util.concurrent.atomic.LongAdder count = new java.util.concurrent.atomic.LongAdder();

        Log(String where) {
            this.where = where;
        }

        void report(String key, UnreadableRecord why) {
            count.increment();
            if (reported.add(key)) {
                if (reported.size() > 10_000) {
                    reported.clear();
                }
                System.getLogger("org.sessionstore.redis").log(System.Logger.Level.WARNING, "redis key ''{0}'' at {1}"
                        + " holds a record this store cannot read ({2}); it is treated as absent: delete the key, or fix"
                        + " it", org.sessionstore.api.Redaction.printable(key), where, why.getMessage());
            }
        }

        long count() {
            return count.sum();
        }
    }
}
