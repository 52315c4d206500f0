package org.sessionstore.itests;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;

/** The store behind the test's own {@code mock} factory, as the Go tests registered {@code mock}. */
final class MockStore implements SessionStore {

    static volatile Map<String, ?> lastConfig;

    volatile boolean closed;

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    MockStore(Map<String, ?> config) {
        lastConfig = Map.copyOf(config);
    }

    @Override
    public void addSession(Session session) {
        sessions.put(session.id(), session);
    }

    @Override
    public Optional<Session> getSession(String id) {
        return Optional.ofNullable(sessions.get(id));
    }

    @Override
    public boolean deleteSession(String id) {
        return sessions.remove(id) != null;
    }

    @Override
    public int cleanExpired() {
        return 0;
    }

    @Override
    public Optional<String> getField(String id, String field) {
        return getSession(id).flatMap(s -> s.field(field));
    }

    @Override
    public long getSessionCount() {
        return sessions.size();
    }

    @Override
    public boolean sessionExists(String id) {
        return sessions.containsKey(id);
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier) {
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
        return Optional.empty();
    }

    @Override
    public int cleanExpiredStates(Duration maxAge) {
        return 0;
    }

    @Override
    public void close() {
        closed = true;
    }
}
