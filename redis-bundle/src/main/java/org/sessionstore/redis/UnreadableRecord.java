package org.sessionstore.redis;

/** A record in Redis this store cannot read (corrupt, or written by a newer format); the reason never holds its value. */
final class UnreadableRecord extends RuntimeException {

    private static final long serialVersionUID = 1L;

    UnreadableRecord(String why) {
        super(why, null, false, false);
    }
}
