package org.sessionstore.redis;

import java.util.List;

import org.sessionstore.api.StoreException;

/**
 * Counting ({@link #count}) and cleaning through the indexes, never KEYS or SCAN: what expired is
 * removed in batches of {@value #CLEAN_BATCH} (each a short script, so other clients never wait
 * long), then each index is
 * reconciled with the keys (entries whose key is gone — evicted, or deleted outside the store — are
 * dropped, so counting is exact afterwards). On one server the first failure ends the work; in a
 * cluster the other buckets go on (a bucket whose slot is being moved must not stop them) and the
 * first failure is thrown at the end.
 */
final class RedisCleaner {

    static final int CLEAN_BATCH = 1_000;

    private final RedisCalls calls;
    private final Layout layout;

    RedisCleaner(RedisCalls calls, Layout layout) {
        this.calls = calls;
        this.layout = layout;
    }

    /**
     * Cleans below {@code cutoff} and reconciles each of {@code indexes}: one (one server), or one per
     * bucket (cluster), each bucket's prefix its index's name. On one server the first failure ends
     * the work; in a cluster the other buckets go on (a bucket whose slot is being moved must not stop
     * them) and the first failure is thrown at the end.
     */
    int cleanEachIndex(List<String> indexes, Script script, long cutoff, String cleaning, String reconciling) {
        return cleanEachIndex(indexes, script, cutoff, cleaning, reconciling, n -> { });
    }

    /**
     * As above, for a script that answers how many it removed and how many of them ended idle
     * ({@link Script#CLEAN_SESSIONS}): {@code idle} is told each batch's idle count.
     */
    int cleanEachIndex(List<String> indexes, Script script, long cutoff, String cleaning, String reconciling,
            java.util.function.IntConsumer idle) {
        int removed = 0;
        StoreException failed = null;
        for (String index : indexes) {
            try {
                removed += cleanInBatches(script, index, index, cutoff, cleaning, idle);
                reconcile(index, index, reconciling);
            } catch (StoreException e) {
                if (!layout.cluster()) {
                    throw e;
                }
                failed = failed != null ? failed : e;
            }
        }
        if (failed != null) {
            throw failed;
        }
        return removed;
    }

    /** Drops index entries whose key is gone, in bounded batches; returns how many. */
    int reconcile(String index, String prefix, String what) {
        List<String> keys = List.of(index);
        long rank = 0;
        int dropped = 0;
        while (true) {
            long from = rank;
            @SuppressWarnings("unchecked")
            List<Long> r = (List<Long>) calls.redis(what, index, j -> Script.RECONCILE.run(j, keys,
                    List.of(Long.toString(from), prefix, Integer.toString(CLEAN_BATCH))));
            long checked = r.get(0);
            long gone = r.get(1);
            dropped += (int) gone;
            rank += checked - gone;
            if (checked < CLEAN_BATCH) {
                return dropped;
            }
        }
    }

    private int cleanInBatches(Script script, String index, String prefix, long cutoff, String what,
            java.util.function.IntConsumer idle) {
        List<String> keys = List.of(index);
        List<String> args = List.of(Long.toString(cutoff), prefix, Integer.toString(CLEAN_BATCH));
        int total = 0;
        while (true) {
            // batches keep each script short, so other clients are never blocked for long
            Object r = calls.redis(what, index, j -> script.run(j, keys, args));
            long n = r instanceof List<?> counts ? (Long) counts.get(0) : (Long) r;
            if (r instanceof List<?> counts && (Long) counts.get(1) > 0) {
                idle.accept(((Long) counts.get(1)).intValue());
            }
            total += (int) n;
            if (n < CLEAN_BATCH) {
                return total;
            }
        }
    }

    /** The entries scored after {@code after}: one ZCOUNT, or in a cluster one pipeline of them per primary (O(shards × log n)). */
    long count(String what, List<String> indexes, long after) {
        String from = "(" + after;
        if (indexes.size() == 1) {
            String index = indexes.get(0);
            return calls.batched(what, index, p -> p.zcount(index, from, "+inf"));
        }
        return calls.each(what, indexes, Layout.CLUSTER_BUCKETS, (p, index) -> p.zcount(index, from, "+inf"),
                (j, index) -> j.zcount(index, from, "+inf"), false, index -> { }).values().stream()
                .mapToLong(Long::longValue).sum();
    }
}
