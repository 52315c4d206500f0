package org.sessionstore.registry;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import org.sessionstore.api.Session;
import org.sessionstore.api.StoreFullException;
import org.sessionstore.testkit.MapStore;

/**
 * The testkit's map store, listing and importing its entries: in-process like the memory store, or,
 * with {@code shared}, like a store whose data lives in a server (redis). {@code limit} bounds its
 * sessions, as max_sessions does.
 */
class InProcessStore extends MapStore {

    final boolean shared;

    InProcessStore(Map<String, ?> config) {
        this(config, false);
    }

    InProcessStore(Map<String, ?> config, boolean shared) {
        // states never age here: the routing tests move states of any creation time
        super(config, Clock.systemUTC(), Duration.ofDays(36_500), !shared);
        this.shared = shared;
    }

    int limit() {
        Object l = config.get("limit");
        return l == null ? Integer.MAX_VALUE : Integer.parseInt(String.valueOf(l));
    }

    @Override
    public void addSession(Session s) {
        if (!sessions.containsKey(s.id()) && sessions.size() >= limit()) {
            throw new StoreFullException("full: limit=" + limit());
        }
        super.addSession(s);
    }
}
