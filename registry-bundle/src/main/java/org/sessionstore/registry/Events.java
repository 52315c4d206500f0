package org.sessionstore.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The registry's OSGi Event Admin events, posted when an Event Admin is there and some
 * {@code EventHandler} subscribes to the topic; otherwise a call pays two or three volatile reads. Topics
 * and properties (never a token, a session id or a state):
 *
 * <ul>
 * <li>{@value #ADDED}: {@code store.type}, {@code sub} (if the session has one)</li>
 * <li>{@value #DELETED}: {@code store.type}</li>
 * <li>{@value #REVOKED}: {@code store.type}, {@code sub}, {@code count}</li>
 * <li>{@value #EXPIRED}: {@code store.type}, {@code count} (cleaning, by housekeeping or {@code clean})</li>
 * <li>{@value #CONSUMED}: {@code store.type} (a state was validated and taken)</li>
 * <li>{@value #REJECTED}: {@code store.type}, {@code reason} (a state was taken but its User-Agent
 * differed: the callback was refused, the state is gone)</li>
 * <li>{@value #SWITCHED}: {@code store.type}, {@code previous.type}</li>
 * <li>{@value #UNAVAILABLE}: {@code store.type}, {@code reason} (the first failed call)</li>
 * <li>{@value #AVAILABLE}: {@code store.type} (the first call that succeeds after that)</li>
 * </ul>
 *
 * <p>What a call pays, with a subscriber: one small object and one compare-and-set on a bounded
 * ring; no lock, no map, no system call while events come less than 2 ms apart (the publishing
 * thread is woken by a call only after it has been idle for 2 ms). One daemon thread builds the properties and
 * hands the events to Event Admin in order with {@code sendEvent}: each event is delivered before
 * the next is taken, so a slow handler backs up into the ring, which is bounded (a full ring drops
 * the event, counts it and says so in the log every 10 s), never into an unbounded queue. The
 * asynchrony is this thread's: the call never waits for a handler.
 *
 * <p>The registry imports {@code org.osgi.service.event} optionally and never names its types here:
 * only {@link EventAdminPoster} does, loaded once an Event Admin service is found.
 */
final class Events {

    static final String ADDED = "org/sessionstore/session/ADDED";
    static final String DELETED = "org/sessionstore/session/DELETED";
    static final String REVOKED = "org/sessionstore/session/REVOKED";
    static final String EXPIRED = "org/sessionstore/session/EXPIRED";
    static final String CONSUMED = "org/sessionstore/state/CONSUMED";
    static final String REJECTED = "org/sessionstore/state/REJECTED";
    static final String SWITCHED = "org/sessionstore/store/SWITCHED";
    static final String UNAVAILABLE = "org/sessionstore/store/UNAVAILABLE";
    static final String AVAILABLE = "org/sessionstore/store/AVAILABLE";
    static final String[] TOPICS = {ADDED, DELETED, REVOKED, EXPIRED, CONSUMED, REJECTED, SWITCHED, UNAVAILABLE,
        AVAILABLE};
    static final int I_ADDED = 0;
    static final int I_DELETED = 1;
    static final int I_REVOKED = 2;
    static final int I_EXPIRED = 3;
    static final int I_CONSUMED = 4;
    static final int I_REJECTED = 5;
    static final int I_SWITCHED = 6;
    static final int I_UNAVAILABLE = 7;
    static final int I_AVAILABLE = 8;

    static final System.Logger LOG = System.getLogger("org.sessionstore.registry");

    /** Delivers one event. */
    interface Poster {
        void post(String topic, Map<String, Object> properties);
    }

    private volatile Poster poster;
    /** Per topic of {@link #TOPICS}: whether some handler subscribes to it. */
    private volatile boolean[] wanted = new boolean[TOPICS.length];
    /** The Event Admins and the handlers' topics, as the trackers saw them (a tracker's own set lags its callbacks). */
    private final Map<ServiceReference<Object>, Object> adminsSeen = new ConcurrentHashMap<>();
    private final Map<ServiceReference<Object>, Object> handlersSeen = new ConcurrentHashMap<>();
    private ServiceTracker<Object, Object> admins;
    private ServiceTracker<Object, Object> handlers;

    /** Starts following the Event Admin and the handlers' topics. */
    void open(BundleContext context) {
        try {
            admins = new ServiceTracker<>(context, context.createFilter("(objectClass=org.osgi.service.event.EventAdmin)"),
                    null) {
                @Override
                public Object addingService(ServiceReference<Object> ref) {
                    Object admin = super.addingService(ref);
                    if (admin != null) {
                        adminsSeen.put(ref, admin);
                        choosePoster();
                    }
                    return admin;
                }

                @Override
                public void removedService(ServiceReference<Object> ref, Object admin) {
                    adminsSeen.remove(ref);
                    choosePoster();
                    super.removedService(ref, admin);
                }
            };
            handlers = new ServiceTracker<>(context, context.createFilter("(objectClass=org.osgi.service.event.EventHandler)"),
                    null) {
                @Override
                public Object addingService(ServiceReference<Object> ref) {
                    handlersSeen.put(ref, topicsOf(ref));
                    topicsChanged();
                    return ref;
                }

                @Override
                public void modifiedService(ServiceReference<Object> ref, Object service) {
                    handlersSeen.put(ref, topicsOf(ref));
                    topicsChanged();
                }

                @Override
                public void removedService(ServiceReference<Object> ref, Object service) {
                    handlersSeen.remove(ref);
                    topicsChanged();
                }
            };
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        admins.open(true);
        handlers.open(true);
        topicsChanged();
    }

    private static Object topicsOf(ServiceReference<Object> ref) {
        Object topics = ref.getProperty("event.topics");
        return topics == null ? "" : topics;
    }

    void close() {
        if (admins != null) {
            admins.close();
        }
        if (handlers != null) {
            handlers.close();
        }
        poster = null;
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

    private synchronized void choosePoster() {
        Object admin = adminsSeen.values().stream().findFirst().orElse(null);
        if (admin == null) {
            poster = null;
            return;
        }
        try {
            poster = new EventAdminPoster(admin);
        } catch (LinkageError notWired) {
            poster = null;
            LOG.log(System.Logger.Level.WARNING, "an Event Admin is there but the registry bundle is not wired to"
                    + " org.osgi.service.event (it was installed after the registry resolved): refresh the registry bundle"
                    + " to post session store events");
        }
    }

    private synchronized void topicsChanged() {
        boolean[] now = new boolean[TOPICS.length];
        for (Object topics : handlersSeen.values()) {
            String[] patterns = topics instanceof String s ? new String[] {s}
                    : topics instanceof String[] a ? a
                    : topics instanceof java.util.Collection<?> c ? c.stream().map(String::valueOf).toArray(String[]::new)
                    : new String[0];
            for (String p : patterns) {
                for (int i = 0; i < TOPICS.length; i++) {
                    now[i] |= matches(p, TOPICS[i]);
                }
            }
        }
        wanted = now;
    }

    /** Event Admin's topic patterns: the topic itself, {@code *}, or a prefix ending in {@code /*}. */
    static boolean matches(String pattern, String topic) {
        return pattern.equals("*") || pattern.equals(topic)
                || pattern.endsWith("/*") && topic.startsWith(pattern.substring(0, pattern.length() - 1));
    }

    /** For tests without a framework: posts to {@code p} every topic that one of {@code patterns} matches. */
    void postTo(Poster p, String... patterns) {
        boolean[] now = new boolean[TOPICS.length];
        for (String pattern : patterns) {
            for (int i = 0; i < TOPICS.length; i++) {
                now[i] |= matches(pattern, TOPICS[i]);
            }
        }
        wanted = now;
        poster = p;
    }

    /** Whether an event of topic number {@code i} would reach someone. */
    boolean wants(int i) {
        return poster != null && wanted[i];
    }

    // --- what the calls post: each builds one small record; the properties are made on the publishing thread

    void added(String type, String sub) {
        offer(I_ADDED, type, sub, null, 0);
    }

    void deleted(String type) {
        offer(I_DELETED, type, null, null, 0);
    }

    void revoked(String type, String sub, int count) {
        offer(I_REVOKED, type, sub, null, count);
    }

    void expired(String type, int count) {
        offer(I_EXPIRED, type, null, null, count);
    }

    void consumed(String type) {
        offer(I_CONSUMED, type, null, null, 0);
    }

    void rejected(String type) {
        offer(I_REJECTED, type, null, "User-Agent mismatch", 0);
    }

    void switched(String type, String previous) {
        offer(I_SWITCHED, type, null, previous, 0);
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

    /** The event's properties, as documented in the class comment (small immutable maps: little garbage). */
    static Map<String, Object> properties(int topic, String type, String sub, String text, int count) {
        return switch (topic) {
            case I_ADDED -> sub == null ? Map.of("store.type", type) : Map.of("store.type", type, "sub", sub);
            case I_REVOKED -> Map.of("store.type", type, "sub", sub, "count", count);
            case I_EXPIRED -> Map.of("store.type", type, "count", count);
            case I_REJECTED, I_UNAVAILABLE -> Map.of("store.type", type, "reason", text);
            case I_SWITCHED -> text == null ? Map.of("store.type", type) : Map.of("store.type", type, "previous.type", text);
            default -> Map.of("store.type", type);
        };
    }

    /** Events waiting for the publishing thread (a power of two); a full ring drops rather than slow a call. */
    static final int RING = 16_384;
    private final Ring ring = new Ring(RING);
    private final LongAdder dropped = new LongAdder();
    private volatile Thread publisher;
    private volatile boolean closed;
    /** Set by the publishing thread before it parks with no deadline: only then does a call wake it. */
    private volatile boolean asleep;

    /** Never throws, never waits, never takes a lock (but once, to start the publishing thread). */
    private void offer(int topic, String type, String sub, String text, int count) {
        if (poster == null || !wanted[topic]) {
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
                Poster p = poster;
                if (p != null) {
                    try {
                        p.post(TOPICS[e.topic()], properties(e.topic(), e.type(), e.sub(), e.text(), e.count()));
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

    /**
     * A bounded ring of many producers and one consumer (the publishing thread), laid out so that a
     * call shares as little as it can with the consumer: a producer claims a slot with one
     * compare-and-set of the tail and fills it, and reads the consumer's head only once a lap (it
     * keeps the limit it last saw); the consumer takes filled slots in order and reads the tail only
     * when it finds an empty slot.
     */
    static final class Ring {
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

        Ring(int capacity) {
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
}
