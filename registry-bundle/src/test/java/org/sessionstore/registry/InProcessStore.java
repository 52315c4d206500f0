package org.sessionstore.registry;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreFullException;
import org.sessionstore.api.TransferableStore;

/**
 * A store that lists and imports its entries: in-process like the memory store, or, with
 * {@code shared}, like a store whose data lives in a server (redis). {@code limit} bounds its
 * sessions, as max_sessions does.
 */
class InProcessStore implements TransferableStore, SessionStore {
    final Map<String, Session> sessions = new ConcurrentHashMap<>();
    final Map<String, StateEntry> states = new ConcurrentHashMap<>();
    final Map<String, ?> config;
    final boolean shared;
    volatile boolean closed;
    volatile int cleaned;

    InProcessStore(Map<String, ?> config) {
        this(config, false);
    }

    InProcessStore(Map<String, ?> config, boolean shared) {
        this.config = config;
        this.shared = shared;
    }

    int limit() {
        Object l = config.get("limit");
        return l == null ? Integer.MAX_VALUE : Integer.parseInt(String.valueOf(l));
    }

    @Override public Stream<Session> liveSessions() { return sessions.values().stream(); }
    @Override public Stream<StateEntry> liveStates() { return states.values().stream(); }
    @Override public void importState(StateEntry e) { states.put(e.state(), e); }
    @Override public boolean handOffOnUpgrade() { return !shared; }
    @Override public void addSession(Session s) {
        if (!sessions.containsKey(s.id()) && sessions.size() >= limit()) {
            throw new StoreFullException("full: limit=" + limit());
        }
        sessions.put(s.id(), s);
    }
    @Override public Optional<Session> getSession(String id) { return Optional.ofNullable(sessions.get(id)); }
    @Override public boolean deleteSession(String id) { return sessions.remove(id) != null; }
    @Override public int cleanExpired() { cleaned++; return 0; }
    @Override public Optional<String> getField(String id, String f) { return getSession(id).flatMap(s -> s.field(f)); }
    @Override public long getSessionCount() { return sessions.size(); }
    @Override public boolean sessionExists(String id) { return sessions.containsKey(id); }
    @Override public void addStateEntry(String st, String ua, String r, String u, String cv) {
        states.put(st, new StateEntry(st, Instant.now(), ua, r, u, cv));
    }
    @Override public Optional<StateEntry> validateAndRemoveState(String st, String ua) { return Optional.ofNullable(states.remove(st)); }
    @Override public int cleanExpiredStates(Duration maxAge) { return 0; }
    @Override public void close() { closed = true; }
}
