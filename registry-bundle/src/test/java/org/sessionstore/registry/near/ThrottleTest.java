package org.sessionstore.registry.near;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class ThrottleTest {

    @Test
    void aFloodOfFailuresLogsOneLineThatCountsThem() throws Exception {
        Throttle t = new Throttle();
        AtomicLong lines = new AtomicLong();
        AtomicLong spokenFor = new AtomicLong();
        race(4, 20_000, () -> {
            long n = t.pass();
            if (n > 0) {
                lines.incrementAndGet();
                spokenFor.addAndGet(n);
            }
        });
        assertEquals(1, lines.get(), "one line a minute, however many threads fail at once");
        assertTrue(spokenFor.get() >= 1);
    }

    @Test
    void everyFailureIsCountedBySomeLineOrTheNext() throws Exception {
        Throttle t = new Throttle(50_000); // 50 µs: many lines, racing
        AtomicLong lines = new AtomicLong();
        AtomicLong spokenFor = new AtomicLong();
        race(4, 50_000, () -> {
            long n = t.pass();
            if (n > 0) {
                lines.incrementAndGet();
                spokenFor.addAndGet(n);
            }
        });
        Thread.sleep(1);
        long last = t.pass(); // the next line speaks for what is left, and for itself
        assertTrue(lines.get() > 1 && lines.get() < 200_000, "lines: " + lines.get());
        assertEquals(200_001, spokenFor.get() + last, "a failure neither counted by a line nor left for the next");
    }

    private static void race(int threads, int each, Runnable call) throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int j = 0; j < each; j++) {
                    call.run();
                }
            });
            all.add(th);
            th.start();
        }
        go.countDown();
        for (Thread th : all) {
            th.join();
        }
    }
}
