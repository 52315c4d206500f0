package org.sessionstore.registry;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded ring of many producers and one consumer (the publishing thread), laid out so that a
 * call shares as little as it can with the consumer: a producer claims a slot with one
 * compare-and-set of the tail and fills it, and reads the consumer's head only once a lap (it
 * keeps the limit it last saw); the consumer takes filled slots in order and reads the tail only
 * when it finds an empty slot.
 */
final class EventRing {
    private final AtomicReferenceArray<Object> slots;
    private final int mask;
    private final AtomicLong tail = new AtomicLong();
    /**
     * The tail a producer may claim up to without reading the head: a hint, never above the real
     * limit (racing producers may lower it, which only costs a re-read of the head).
     */
    private volatile long limit;
    /** Where the consumer takes next; written by the consumer only, kept on a cache line of its own. */
    private final Head head = new Head();

    /** The consumer's index, padded from whatever the allocator puts next to it. */
    @SuppressWarnings("unused")
    private static final class Head {
        long p1, p2, p3, p4, p5, p6, p7;
        volatile long value;
        long q1, q2, q3, q4, q5, q6, q7;
    }

    EventRing(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        slots = new AtomicReferenceArray<>(capacity);
        mask = capacity - 1;
        limit = capacity;
    }

    boolean offer(Object e) {
        long t;
        do {
            t = tail.get();
            if (t >= limit) {
                long l = head.value + slots.length();
                if (t >= l) {
                    return false;
                }
                limit = l; // racing producers may write an older l: a lower hint only costs a re-read
            }
        } while (!tail.compareAndSet(t, t + 1));
        slots.setRelease((int) (t & mask), e);
        return true;
    }

    /** The next element, or null if none is claimed; one consumer only. */
    @SuppressWarnings("unchecked")
    <T> T poll() {
        long h = head.value;
        int i = (int) (h & mask);
        Object e = slots.getAcquire(i);
        if (e == null) {
            if (h == tail.get()) {
                return null;
            }
            while ((e = slots.getAcquire(i)) == null) {
                Thread.onSpinWait(); // claimed, being filled
            }
        }
        slots.setRelease(i, null);
        head.value = h + 1;
        return (T) e;
    }

    boolean isEmpty() {
        return head.value == tail.get();
    }
}
