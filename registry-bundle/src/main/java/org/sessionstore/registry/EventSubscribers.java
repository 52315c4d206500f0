package org.sessionstore.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Who listens: follows the Event Admin (one is used) and the topics the {@code EventHandler}
 * services subscribe to, so that a call posts nothing nobody wants. The registry imports
 * {@code org.osgi.service.event} optionally and never names its types here: only
 * {@link EventAdminPoster} does, loaded once an Event Admin service is found. Its monitor guards
 * the choice of the poster and the topics (taken when a service comes or goes, never on a call).
 */
final class EventSubscribers {

    /** Delivers one event. */
    interface Poster {
        void post(String topic, Map<String, Object> properties);
    }

    private volatile Poster poster;
    /** Per topic of {@link EventTopics#TOPICS}: whether some handler subscribes to it. */
    private volatile boolean[] wanted = new boolean[EventTopics.TOPICS.length];
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

    void close() {
        if (admins != null) {
            admins.close();
        }
        if (handlers != null) {
            handlers.close();
        }
        poster = null;
    }

    private static Object topicsOf(ServiceReference<Object> ref) {
        Object topics = ref.getProperty("event.topics");
        return topics == null ? "" : topics;
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
            Events.LOG.log(System.Logger.Level.WARNING, "an Event Admin is there but the registry bundle is not wired"
                    + " to org.osgi.service.event (it was installed after the registry resolved): refresh the registry"
                    + " bundle to post session store events");
        }
    }

    private synchronized void topicsChanged() {
        List<String> patterns = new ArrayList<>();
        for (Object topics : handlersSeen.values()) {
            if (topics instanceof String s) {
                patterns.add(s);
            } else if (topics instanceof String[] a) {
                patterns.addAll(List.of(a));
            } else if (topics instanceof java.util.Collection<?> c) {
                c.forEach(t -> patterns.add(String.valueOf(t)));
            }
        }
        wanted = EventTopics.wanted(patterns);
    }

    /** For tests without a framework: posts to {@code p} every topic that one of {@code patterns} matches. */
    void postTo(Poster p, String... patterns) {
        wanted = EventTopics.wanted(List.of(patterns));
        poster = p;
    }

    /** Whether an event of topic number {@code i} would reach someone. */
    boolean wants(int i) {
        return poster != null && wanted[i];
    }

    /** The poster now, or null. */
    Poster poster() {
        return poster;
    }
}
