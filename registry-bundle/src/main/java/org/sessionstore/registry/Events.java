package org.sessionstore.registry;

import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The registry's OSGi Event Admin events, posted when an Event Admin is there and some
 * {@code EventHandler} subscribes to the topic; otherwise a call pays one volatile read. A call
 * only offers the event to a bounded queue; one daemon thread hands them to Event Admin, in order.
 * Topics and properties (never a token, a session id or a state):
 *
 * <ul>
 * <li>{@value #ADDED}: {@code store.type}, {@code sub} (if the session has one)</li>
 * <li>{@value #DELETED}: {@code store.type}</li>
 * <li>{@value #REVOKED}: {@code store.type}, {@code sub}, {@code count}</li>
 * <li>{@value #EXPIRED}: {@code store.type}, {@code count} (cleaning, by housekeeping or {@code clean})</li>
 * <li>{@value #CONSUMED}: {@code store.type} (a state was validated and taken)</li>
 * <li>{@value #SWITCHED}: {@code store.type}, {@code previous.type}</li>
 * <li>{@value #UNAVAILABLE}: {@code store.type}, {@code reason} (the first failed call)</li>
 * <li>{@value #AVAILABLE}: {@code store.type} (the first call that succeeds after that)</li>
 * </ul>
 *
 * The registry imports {@code org.osgi.service.event} optionally and never names its types here:
 * only {@link EventAdminPoster} does, loaded once an Event Admin service is found.
 */
final class Events {

    static final String ADDED = "org/sessionstore/session/ADDED";
    static final String DELETED = "org/sessionstore/session/DELETED";
    static final String REVOKED = "org/sessionstore/session/REVOKED";
    static final String EXPIRED = "org/sessionstore/session/EXPIRED";
    static final String CONSUMED = "org/sessionstore/state/CONSUMED";
    static final String SWITCHED = "org/sessionstore/store/SWITCHED";
    static final String UNAVAILABLE = "org/sessionstore/store/UNAVAILABLE";
    static final String AVAILABLE = "org/sessionstore/store/AVAILABLE";
    static final String[] TOPICS = {ADDED, DELETED, REVOKED, EXPIRED, CONSUMED, SWITCHED, UNAVAILABLE, AVAILABLE};

    static final System.Logger LOG = System.getLogger("org.sessionstore.registry");

    /** Posts one event. */
    interface Poster {
        void post(String topic, Map<String, Object> properties);
    }

    private volatile Poster poster;
    /** Per topic of {@link #TOPICS}: whether some handler subscribes to it. */
    private volatile boolean[] wanted = new boolean[TOPICS.length];
    /** The Event Admins and the handlers' topics, as the trackers saw them (a tracker's own set lags its callbacks). */
    private final Map<ServiceReference<Object>, Object> adminsSeen = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<ServiceReference<Object>, Object> handlersSeen = new java.util.concurrent.ConcurrentHashMap<>();
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
                    handlersSeen.put(ref, ref.getProperty("event.topics") == null ? "" : ref.getProperty("event.topics"));
                    topicsChanged();
                    return ref;
                }

                @Override
                public void modifiedService(ServiceReference<Object> ref, Object service) {
                    handlersSeen.put(ref, ref.getProperty("event.topics") == null ? "" : ref.getProperty("event.topics"));
                    topicsChanged();
                }

                @Override
                public void removedService(ServiceReference<Object> ref, Object service) {
                    handlersSeen.remove(ref);
                    topicsChanged();
                }
            };
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        admins.open(true);
        handlers.open(true);
        topicsChanged();
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
        queue.clear();
        if (t != null) {
            // a marker wakes it even if an interrupt is swallowed inside Event Admin
            queue.offer(STOP);
            t.interrupt();
            try {
                t.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
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

    /** Events waiting for the publishing thread; a full queue drops (and counts) rather than slow a call. */
    static final int QUEUE = 16_384;
    private final java.util.concurrent.ArrayBlockingQueue<Object[]> queue = new java.util.concurrent.ArrayBlockingQueue<>(QUEUE);
    private final java.util.concurrent.atomic.LongAdder dropped = new java.util.concurrent.atomic.LongAdder();
    private volatile Thread publisher;

    /**
     * Hands the event to the publishing thread if wanted: the calling thread only offers it to a
     * bounded queue (Event Admin's own {@code postEvent} costs a call several times a memory add).
     * Never throws, never waits: with the queue full the event is dropped and counted.
     */
    void post(int topic, Map<String, Object> properties) {
        if (poster == null || !wanted[topic]) {
            return;
        }
        if (!queue.offer(new Object[] {TOPICS[topic], properties})) {
            dropped.increment();
            return;
        }
        if (publisher == null && !closed) {
            startPublisher();
        }
    }

    /** Tells the publishing thread to end (it is never blocked waiting for anything else). */
    private static final Object[] STOP = new Object[0];
    private volatile boolean closed;

    /** Events dropped because the queue was full. */
    long dropped() {
        return dropped.sum();
    }

    private synchronized void startPublisher() {
        if (publisher != null || closed) {
            return;
        }
        Thread t = new Thread(() -> {
            long reportedDrops = 0;
            long reportedAt = 0;
            while (true) {
                Object[] e;
                try {
                    e = queue.take();
                } catch (InterruptedException stop) {
                    return;
                }
                if (e == STOP) {
                    return;
                }
                Poster p = poster;
                if (p != null) {
                    try {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> props = (Map<String, Object>) e[1];
                        p.post((String) e[0], props);
                    } catch (RuntimeException | LinkageError failed) {
                        // an event must never fail anything
                        LOG.log(System.Logger.Level.DEBUG, "posting {0} failed: {1}", e[0], failed);
                    }
                }
                long drops = dropped.sum();
                long now = System.nanoTime();
                if (drops > reportedDrops && now - reportedAt > 10_000_000_000L) {
                    LOG.log(System.Logger.Level.WARNING, "{0} session store events were dropped: they came faster than"
                            + " Event Admin took them (the queue holds {1})", drops - reportedDrops, QUEUE);
                    reportedDrops = drops;
                    reportedAt = now;
                }
            }
        }, "sessionstore-events");
        t.setDaemon(true);
        publisher = t;
        t.start();
    }

    static int index(String topic) {
        for (int i = 0; i < TOPICS.length; i++) {
            if (TOPICS[i].equals(topic)) {
                return i;
            }
        }
        throw new IllegalArgumentException(topic);
    }

    static final int I_ADDED = index(ADDED);
    static final int I_DELETED = index(DELETED);
    static final int I_REVOKED = index(REVOKED);
    static final int I_EXPIRED = index(EXPIRED);
    static final int I_CONSUMED = index(CONSUMED);
    static final int I_SWITCHED = index(SWITCHED);
    static final int I_UNAVAILABLE = index(UNAVAILABLE);
    static final int I_AVAILABLE = index(AVAILABLE);
}
