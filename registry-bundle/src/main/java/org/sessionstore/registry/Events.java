package org.sessionstore.registry;

import static org.sessionstore.registry.EventTopics.*;

import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.osgi.framework.BundleContext;

/**
 * The registry's OSGi Event Admin events ({@link EventTopics}), posted when an Event Admin is there
 * and some {@code EventHandler} subscribes to the topic ({@link EventSubscribers}); otherwise a
 * call pays two or three volatile reads.
 *
 * <p>What a call pays, with a subscriber: one small object and one compare-and-set on a bounded
 * ring ({@link EventRing}); no lock, no map, no system call while events come less than 2 ms apart
 * (the publishing thread is woken by a call only after it has been idle for 2 ms). One daemon
 * thread builds the properties and hands the events to Event Admin in order with {@code sendEvent}:
 * each event is delivered before the next is taken, so a slow handler backs up into the ring, which
 * is bounded (a full ring drops the event, counts it and says so in the log every 10 s), never into
 * an unbounded queue. The asynchrony is this thread's: the call never waits for a handler. The
 * monitor guards the publishing thread's start and end.
 */
final class Events {

    static final System.Logger LOG = System.getLogger("org.sessionstore.registry");

    private final EventSubscribers subscribers = new EventSubscribers();

    /** Starts following the Event Admin and the handlers' topics. */
    void open(BundleContext context) {
        subscribers.open(context);
    }

    void close() {
        subscribers.close();
        Thread t;
        synchronized (this) {
            closed = true; // no publisher starts after this
            t = publisher;
            publisher = null;
        }
        if (t != null) {
            LockSupport.unpark(t);
            t.interrupt(); // if it is inside a handler that waits
            try {
                t.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.log(System.Logger.Level.WARNING, "the session store events thread is still inside an event handler"
                        + " 1 s after the registry stopped (a handler that ignores interrupts); it ends when the handler"
                        + " returns, and holds the old registry's classes until then");
            }
        }
    }

    /** For tests without a framework: posts to {@code p} every topic that one of {@code patterns} matches. */
    void postTo(EventSubscribers.Poster p, String... patterns) {
        subscribers.postTo(p, patterns);
    }

    /** Whether an event of topic number {@code i} would reach someone. */
    boolean wants(int i) {
        return subscribers.wants(i);
    }

    /**
     * What is counted of the same happenings, whether or not anyone subscribes: sessions removed by
     * reason, swaps, the type served (the registry's metrics).
     */
    final org.sessionstore.registry.metrics.Metrics metrics = new org.sessionstore.registry.metrics.Metrics();

    // --- what the calls post: each builds one small record; the properties are made on the publishing thread

    void added(String type, String sub) {
        offer(I_ADDED, type, sub, null, 0);
    }

    void deleted(String type) {
        offer(I_DELETED, type, null, null, 0);
    }

    void revoked(String type, String sub, int count) {
        revoked(type, sub, count, "revoked");
    }

    /** Sessions removed before their end: {@code reason} is revoked (by subject), sid (back-channel logout) or limit. */
    void revoked(String type, String sub, int count, String reason) {
        metrics.removed(type, reason, count);
        offer(I_REVOKED, type, sub, reason, count);
    }

    /** Sessions removed by cleaning: {@code reason} is ttl (they reached their end) or idle ({@code idle_timeout}). */
    void expired(String type, int count, String reason) {
        metrics.removed(type, reason, count);
        offer(I_EXPIRED, type, null, reason, count);
    }

    void consumed(String type) {
        offer(I_CONSUMED, type, null, null, 0);
    }

    void rejected(String type) {
        offer(I_REJECTED, type, null, "User-Agent mismatch", 0);
    }

    void switched(String type, String previous, long left) {
        metrics.serving(type);
        metrics.swapped();
        offer(I_SWITCHED, type, null, previous, (int) Math.min(Integer.MAX_VALUE, left));
    }

    void unavailable(String type, String reason) {
        offer(I_UNAVAILABLE, type, null, reason, 0);
    }

    void available(String type) {
        offer(I_AVAILABLE, type, null, null, 0);
    }

    /** One event as a call hands it over: the topic's number and its few values. */
    private record Pending(int topic, String type, String sub, String text, int count) {
    }

    /** Events waiting for the publishing thread (a power of two); a full ring drops rather than slow a call. */
    static final int RING = 16_384;
    private final EventRing ring = new EventRing(RING);
    private final LongAdder dropped = new LongAdder();
    private volatile Thread publisher;
    private volatile boolean closed;
    /** Set by the publishing thread before it parks with no deadline: only then does a call wake it. */
    private volatile boolean asleep;

    /** Never throws, never waits, never takes a lock (but once, to start the publishing thread). */
    private void offer(int topic, String type, String sub, String text, int count) {
        if (!subscribers.wants(topic)) {
            return;
        }
        if (!ring.offer(new Pending(topic, type, sub, text, count))) {
            dropped.increment();
            return;
        }
        Thread t = publisher;
        if (t == null) {
            if (!closed) {
                startPublisher();
            }
        } else if (asleep) {
            LockSupport.unpark(t);
        }
    }

    /** Events dropped because the ring was full. */
    long dropped() {
        return dropped.sum();
    }

    /**
     * An idle publisher naps this long before it looks again, this many times, then sleeps until a
     * call wakes it: events closer than 2 ms apart cost no wake-up (no system call on the call's
     * thread), and a publisher with little to do wakes at most every millisecond for 2 ms after an event.
     */
    private static final long NAP_NANOS = 1_000_000;
    private static final int NAPS = 2;

    private synchronized void startPublisher() {
        if (publisher != null || closed) {
            return;
        }
        Thread t = new Thread(this::publish, "sessionstore-events");
        t.setDaemon(true);
        publisher = t;
        t.start();
    }

    private void publish() {
        try {
            int naps = 0;
            while (!closed) {
                Pending e = ring.poll();
                if (e == null) {
                    reportDrops();
                    if (naps < NAPS) {
                        naps++;
                        LockSupport.parkNanos(this, NAP_NANOS);
                    } else {
                        asleep = true;
                        // a call that published before this read sees asleep, or this sees its event (both volatile)
                        if (ring.isEmpty() && !closed) {
                            LockSupport.park(this);
                        }
                        asleep = false;
                        naps = 0;
                    }
                    Thread.interrupted(); // close() interrupts; closed is what ends the loop
                    continue;
                }
                naps = 0;
                EventSubscribers.Poster p = subscribers.poster();
                if (p != null) {
                    try {
                        p.post(TOPICS[e.topic()], EventTopics.properties(e.topic(), e.type(), e.sub(), e.text(), e.count()));
                    } catch (VirtualMachineError fatal) {
                        throw fatal;
                    } catch (Throwable failed) {
                        // an event must never fail anything, nor end this thread (a handler's AssertionError included)
                        LOG.log(System.Logger.Level.DEBUG, "posting {0} failed: {1}", TOPICS[e.topic()], failed);
                    }
                }
                reportDrops();
            }
        } finally {
            synchronized (this) {
                if (publisher == Thread.currentThread()) {
                    publisher = null; // ended by an error: the next event starts another
                }
            }
        }
    }

    private long reportedDrops;
    private long reportedAt;

    /** Says in the log, at most every 10 s, how many events were dropped since it last said. Publishing thread only. */
    private void reportDrops() {
        long drops = dropped.sum();
        if (drops > reportedDrops) {
            long now = System.nanoTime();
            if (reportedAt == 0 || now - reportedAt > 10_000_000_000L) {
                LOG.log(System.Logger.Level.WARNING, "{0} session store events were dropped: they came faster than"
                        + " the event handlers took them (the queue holds {1})", drops - reportedDrops, RING);
                reportedDrops = drops;
                reportedAt = now;
            }
        }
    }
}
