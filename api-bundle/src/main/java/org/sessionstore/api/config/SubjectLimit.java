package org.sessionstore.api.config;

import java.util.List;

import org.sessionstore.api.Redaction;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreFullException;

/**
 * The per-subject session limit, the same keys and words in every backend:
 * {@code max_sessions_per_subject} (0, the default: no limit) and {@code on_subject_limit}: what a
 * new session of a subject that holds the limit does, {@code refuse} (the add fails with
 * {@link StoreFullException} naming the subject's limit) or {@code evict_oldest} (the default: the
 * subject's session that ends first goes, in the same atomic step; with one lifetime for all
 * sessions, as a store's {@code ttl} gives, that is the oldest). Every backend orders by the end
 * because its subject index is kept by it, which lets a Redis Cluster decide in the subject's slot.
 *
 * @param max the most live sessions of one subject (0: no limit)
 * @param evictOldest true for {@code evict_oldest}, false for {@code refuse}
 * @since 1.2
 */
public record SubjectLimit(long max, boolean evictOldest) {

    /** The keys, for a backend's list of known keys. */
    public static final List<String> KEYS = List.of("max_sessions_per_subject", "on_subject_limit");
    /** The greatest limit accepted. */
    public static final long MAX = 100_000;
    /** No limit. */
    public static final SubjectLimit NONE = new SubjectLimit(0, true);

    /**
     * Reads the two keys.
     *
     * @param c the backend's configuration
     * @return the limit
     * @throws StoreConfigException naming the key and what it accepts
     */
    public static SubjectLimit from(StoreConfig c) {
        long max = c.number("max_sessions_per_subject", 0, 0, MAX);
        String on = c.string("on_subject_limit", "evict_oldest");
        if (!on.equals("evict_oldest") && !on.equals("refuse")) {
            throw new StoreConfigException("on_subject_limit", "bad value '" + Redaction.printable(on)
                    + "' for key 'on_subject_limit': use evict_oldest (the subject's session that ends first goes) or refuse"
                    + " (the new one is refused)");
        }
        return new SubjectLimit(max, on.equals("evict_oldest"));
    }

    /**
     * Whether a limit is set.
     *
     * @return true if {@code max} is above 0
     */
    public boolean limits() {
        return max > 0;
    }

    /**
     * The refusal of a session over the limit under {@code refuse}.
     *
     * @param sub the subject
     * @return the exception, naming the subject and its limit
     */
    public StoreFullException refusal(String sub) {
        return new StoreFullException("subject '" + Redaction.printable(sub) + "' holds " + max + (max == 1 ? " session"
                : " sessions") + ", its limit max_sessions_per_subject=" + max + " (on_subject_limit=refuse); end one"
                + " of its sessions first (sessionstore:revoke)");
    }

    /**
     * For {@code sessionstore:info}.
     *
     * @return for example {@code at most 5 per subject, the oldest goes}, or {@code none}
     */
    public String describe() {
        return !limits() ? "none" : "at most " + max + " per subject, " + (evictOldest ? "the one that ends first goes" : "a new one is refused");
    }
}
