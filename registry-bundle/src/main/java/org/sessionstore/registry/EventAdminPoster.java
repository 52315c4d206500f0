package org.sessionstore.registry;

import java.util.Map;

import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/** The one class that names Event Admin's types: loaded only once an Event Admin service is found. */
final class EventAdminPoster implements Events.Poster {

    private final EventAdmin admin;

    EventAdminPoster(Object admin) {
        this.admin = (EventAdmin) admin;
    }

    @Override
    public void post(String topic, Map<String, Object> properties) {
        admin.postEvent(new Event(topic, properties));
    }
}
