package org.sessionstore.registry.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.sessionstore.api.StoreFullException;
import org.sessionstore.api.StoreUnavailableException;

/**
 * The figures of one operation on one store type: calls, failures by kind, results (hit, miss,
 * mismatch), and a latency histogram. Each thread counts in cells of its own with plain (opaque)
 * writes, no atomic instruction: an atomic add is a full fence on x86, and after a memory get it
 * stalled the next get's loads (a LongAdder there cost a third of the get). A scrape sums every
 * thread's cells; a dead thread's are folded into {@link #retired}. Counts are exact once the calls
 * are done.
 *
 * <p>Timing: a call is timed when it is its thread's first of this operation or its count is a
 * multiple of {@link #SAMPLE}, or every call once one took over {@link #SLOW_NANOS} (a remote backend, where a
 * clock read is nothing beside the call; a fast call turns sampling back on). A clock read after
 * a memory get cost as much as the get.
 */
final class OpStats {

    /** A call in this many (per thread) is timed while calls are fast; a power of two. */
    static final int SAMPLE = 64;
    /** A timed call slower than this makes every call timed. */
    static final long SLOW_NANOS = 20_000;
    /** Failure kinds, by their label. */
    static final String[] KINDS = {"unavailable", "full", "invalid", "unsupported", "other"};
    /** The upper bounds of the latency buckets, in seconds (then +Inf). */
    static final double[] BOUNDS = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
        0.5, 1, 2.5, 5, 10};
    private static final long[] BOUND_NANOS = new long[BOUNDS.length];

    static {
        for (int i = 0; i < BOUNDS.length; i++) {
            BOUND_NANOS[i] = Math.round(BOUNDS[i] * 1e9);
        }
    }

    /** The cells of a thread: calls, the failure kinds, hits, misses, mismatches, nanoseconds timed, the buckets. */
    static final int CALLS = 0;
    static final int FAILURES = 1;
    static final int HITS = FAILURES + KINDS.length;
    static final int MISSES = HITS + 1;
    static final int MISMATCHES = MISSES + 1;
    static final int NANOS = MISMATCHES + 1;
    static final int BUCKETS = NANOS + 1;
    static final int SIZE = BUCKETS + BOUNDS.length + 1;

    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);

    private final ThreadLocal<long[]> mine = ThreadLocal.withInitial(this::register);
    private final ConcurrentLinkedQueue<Owned> all = new ConcurrentLinkedQueue<>();
    /** Cells of threads that ended. */
    private final long[] retired = new long[SIZE];
    /** Whether every call is timed (calls are slow); plain reads, rarely written. */
    private volatile boolean timeAll;

    private record Owned(WeakReference<Thread> thread, long[] cells) {
    }

    private long[] register() {
        long[] cells = new long[SIZE];
        all.add(new Owned(new WeakReference<>(Thread.currentThread()), cells));
        if (registered.incrementAndGet() % 1024 == 0) {
            sums(); // folds the cells of threads that ended, also when nothing scrapes (review: a thread per call grew them)
        }
        return cells;
    }

    private final java.util.concurrent.atomic.AtomicLong registered = new java.util.concurrent.atomic.AtomicLong();

    /**
     * A thread's cells found in fewer loads than a {@code ThreadLocal} (whose lookup was a tenth of a
     * memory get): a slot per thread id (of {@value #SLOTS}), taken by the first thread that finds it
     * empty or held by a thread that is gone; a thread whose slot is taken uses the ThreadLocal. A
     * slot holds its thread weakly (review: a strong one kept ended threads, and their context class
     * loaders, reachable). A slot is immutable, so a racy read sees it whole.
     */
    static final int SLOTS = 256;
    private final Slot[] slots = new Slot[SLOTS];

    private record Slot(WeakReference<Thread> owner, long[] cells) {
    }

    /** This thread's cells. */
    long[] cells() {
        Thread t = Thread.currentThread();
        int i = (int) t.getId() & (SLOTS - 1);
        Slot s = slots[i];
        if (s != null && s.owner().refersTo(t)) {
            return s.cells();
        }
        long[] c = mine.get();
        if (s == null || s.owner().refersTo(null)) {
            slots[i] = new Slot(new WeakReference<>(t), c);
        }
        return c;
    }

    /** Adds one to a cell of this thread's; returns the new count. */
    static long inc(long[] cells, int i) {
        long n = (long) CELL.getOpaque(cells, i) + 1;
        CELL.setOpaque(cells, i, n);
        return n;
    }

    private static void add(long[] cells, int i, long v) {
        CELL.setOpaque(cells, i, (long) CELL.getOpaque(cells, i) + v);
    }

    /** Counts a call; returns its start time if it is to be timed, else 0. */
    long called(long[] cells) {
        long n = inc(cells, CALLS);
        return timeAll || (n & (SAMPLE - 1)) == 0 || n == 1 ? System.nanoTime() : 0;
    }

    /** A call that began at {@code started} (0: not timed) ended now. */
    void ended(long[] cells, long started) {
        if (started == 0) {
            return;
        }
        long elapsed = System.nanoTime() - started;
        add(cells, NANOS, elapsed);
        int i = 0;
        while (i < BOUND_NANOS.length && elapsed > BOUND_NANOS[i]) {
            i++;
        }
        inc(cells, BUCKETS + i);
        boolean slow = elapsed > SLOW_NANOS;
        if (slow != timeAll) {
            timeAll = slow;
        }
    }

    static void failed(long[] cells, Throwable e) {
        inc(cells, FAILURES + kind(e));
    }

    static int kind(Throwable e) {
        if (e instanceof StoreUnavailableException) {
            return 0;
        }
        if (e instanceof StoreFullException) {
            return 1;
        }
        if (e instanceof IllegalArgumentException) {
            return 2;
        }
        return e instanceof UnsupportedOperationException ? 3 : 4;
    }

    /** The sum of cell {@code i} over every thread, living or ended. */
    long sum(int i) {
        return sums()[i];
    }

    /** Every cell summed over every thread; the cells of threads that ended are folded into {@link #retired}. */
    long[] sums() {
        long[] out = new long[SIZE];
        synchronized (retired) {
            for (Iterator<Owned> it = all.iterator(); it.hasNext();) {
                Owned o = it.next();
                Thread t = o.thread().get();
                boolean ended = t == null || !t.isAlive();
                for (int i = 0; i < SIZE; i++) {
                    long v = (long) CELL.getOpaque(o.cells(), i);
                    if (ended) {
                        retired[i] += v;
                    } else {
                        out[i] += v;
                    }
                }
                if (ended) {
                    it.remove();
                }
            }
            for (int i = 0; i < SIZE; i++) {
                out[i] += retired[i];
            }
        }
        return out;
    }

    long calls() {
        return sum(CALLS);
    }

    long failures() {
        long[] s = sums();
        long n = 0;
        for (int k = 0; k < KINDS.length; k++) {
            n += s[FAILURES + k];
        }
        return n;
    }

    /**
     * The latency under which {@code q} of the timed calls fell, in seconds: the upper bound of the
     * bucket where the quantile lies (an estimate from above); NaN when none was timed, +Inf above 10 s.
     */
    double quantile(double q) {
        return quantile(sums(), q);
    }

    /** {@link #quantile(double)} over cells summed elsewhere (a step's difference, say). */
    static double quantile(long[] s, double q) {
        long total = 0;
        for (int i = 0; i <= BOUNDS.length; i++) {
            total += s[BUCKETS + i];
        }
        if (total == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < BOUNDS.length; i++) {
            seen += s[BUCKETS + i];
            if (seen >= rank) {
                return BOUNDS[i];
            }
        }
        return Double.POSITIVE_INFINITY;
    }
}
