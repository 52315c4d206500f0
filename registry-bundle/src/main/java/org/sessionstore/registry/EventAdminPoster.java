package org.sessionstore.registry;

import java.util.Map;

import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/**
 * The one class that names Event Admin's types: loaded only once an Event Admin service is found.
 * It runs on the registry's publishing thread, which is the asynchrony callers see: {@code sendEvent}
 * returns once the handlers had the event, so a slow handler holds back the registry's bounded
 * ring rather than growing Event Admin's unbounded asynchronous queue.
 */
final class EventAdminPoster implements EventSubscribers.Poster {

    private final EventAdmin admin;

    EventAdminPoster(Object admin) {
        this.admin = (EventAdmin) admin;
    }

    @Override
    public void post(String topic, Map<String, Object> properties) {
        admin.sendEvent(new Event(topic, properties));
    }
}
