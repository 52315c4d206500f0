package org.sessionstore.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The ring a call hands its event to: bounded, in order per producer, nothing lost or doubled under racing producers. */
class EventRingTest {

    @Test
    void aFullRingRefusesAndTakesAgainOncePolled() {
        EventRing ring = new EventRing(4);
        for (int i = 0; i < 4; i++) {
            assertTrue(ring.offer(i));
        }
        assertFalse(ring.offer(4), "full");
        assertEquals(Integer.valueOf(0), ring.poll());
        assertTrue(ring.offer(4));
        for (int i = 1; i <= 4; i++) {
            assertEquals(Integer.valueOf(i), ring.poll());
        }
        assertNull(ring.poll());
        assertTrue(ring.isEmpty());
    }

    /** Eight producers race one consumer through a small ring for a while: every accepted element comes out once, in its producer's order. */
    @Test
    void racingProducersLoseNothingAndKeepTheirOrder() throws Exception {
        EventRing ring = new EventRing(64);
        int producers = 8;
        int each = 200_000;
        AtomicLong refused = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            long me = p;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (long i = 0; i < each; i++) {
                    if (!ring.offer(new long[] {me, i})) {
                        refused.incrementAndGet();
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        long[] last = new long[producers];
        java.util.Arrays.fill(last, -1);
        long taken = 0;
        go.countDown();
        while (threads.stream().anyMatch(Thread::isAlive) || !ring.isEmpty()) {
            long[] e = ring.poll();
            if (e == null) {
                Thread.onSpinWait();
                continue;
            }
            int p = (int) e[0];
            assertTrue(e[1] > last[p], "producer " + p + ": " + e[1] + " after " + last[p]);
            last[p] = e[1];
            taken++;
        }
        assertEquals((long) producers * each, taken + refused.get(), "every offer was taken or refused");
        assertTrue(taken > 0);
    }
}
