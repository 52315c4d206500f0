package org.sessionstore.registry.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The per-thread-id slots of OpStats.cells(): exact counts, nothing of an ended thread kept (from a review). */
class OpStatsSlotsTest {

    /** Counts stay exact over many short-lived threads, colliding slots, racing scrapes. */
    @Test
    void countsExactOverShortLivedThreadsAndCollidingSlots() throws Exception {
        OpStats s = new OpStats();
        int threads = 2_000;
        int each = 1_000;
        List<Thread> all = new ArrayList<>();
        Thread scraper = new Thread(() -> {
            for (int i = 0; i < 2_000; i++) {
                s.sums();
            }
        });
        scraper.start();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    OpStats.inc(s.cells(), OpStats.CALLS);
                }
            });
            all.add(th);
            th.start();
            if (all.size() >= 16) {
                for (Thread x : all) {
                    x.join();
                }
                all.clear();
            }
        }
        for (Thread x : all) {
            x.join();
        }
        scraper.join();
        assertEquals((long) threads * each, s.calls());
    }

    /**
     * An ended thread is not kept by its slot, nor its context class loader with it (in OSGi, a
     * bundle's class loader pinned after the bundle is updated or uninstalled): a review found a
     * strong reference kept both until another thread of the same id mod 256 called.
     */
    @Test
    void anEndedThreadsContextClassLoaderIsNotRetained() throws Exception {
        OpStats s = new OpStats();
        URLClassLoader loader = new URLClassLoader(new URL[0], null);
        WeakReference<ClassLoader> ref = new WeakReference<>(loader);
        Thread th = new Thread(() -> OpStats.inc(s.cells(), OpStats.CALLS));
        th.setContextClassLoader(loader);
        th.start();
        th.join();
        th = null;
        loader.close();
        loader = null;
        s.sums(); // folds the ended thread's cells
        for (int i = 0; i < 10 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(50);
        }
        assertEquals(1, s.calls());
        assertNull(ref.get(), "the ended thread's context class loader is still reachable (OpStats.slots)");
    }
}
