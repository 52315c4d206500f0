package org.sessionstore.testkit.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** The harness the reports share: threads that start together and share numbered calls. */
public final class Threaded {

    /** One numbered call, on a numbered thread. */
    public interface Call {
        void run(int thread, int i) throws Exception;
    }

    private Threaded() {
    }

    /**
     * {@code threads} threads, released together, share calls 0..calls-1; the first failure stops
     * them all and is thrown.
     *
     * @return the seconds from the release to the last call's end
     */
    public static double run(int threads, int calls, Call call) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        long[] started = new long[1];
        CyclicBarrier go = new CyclicBarrier(threads, () -> started[0] = System.nanoTime());
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                    for (int i; (i = next.getAndIncrement()) < calls;) {
                        call.run(thread, i);
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                    next.set(calls);
                }
            });
            all.add(th);
            th.start();
        }
        for (Thread th : all) {
            th.join();
        }
        long elapsed = System.nanoTime() - started[0];
        if (failed.get() != null) {
            throw new IllegalStateException("a call failed", failed.get());
        }
        return elapsed / 1e9;
    }
}
