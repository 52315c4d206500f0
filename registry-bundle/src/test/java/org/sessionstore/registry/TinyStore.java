package org.sessionstore.registry;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreUnavailableException;

/** A minimal store for the registry's own tests, which are about routing, not storing. */
class TinyStore implements SessionStore {

    final Map<String, ?> config;
    final Map<String, Session> sessions = new ConcurrentHashMap<>();
    volatile boolean closed;

    TinyStore(Map<String, ?> config) {
        this.config = config;
    }

    /** A factory accepting only the key {@code size}. */
    static StoreFactory factory() {
        return config -> {
            for (String k : config.keySet()) {
                if (!k.equals("size")) {
                    throw new StoreConfigException(k, "unknown tiny store key '" + k + "'; known keys: size");
                }
            }
            return new TinyStore(config);
        };
    }

    private void open() {
        if (closed) {
            throw new StoreUnavailableException("closed");
        }
    }

    @Override
    public void addSession(Session session) {
        open();
        sessions.put(session.id(), session);
    }

    @Override
    public Optional<Session> getSession(String id) {
        open();
        return Optional.ofNullable(sessions.get(id));
    }

    @Override
    public boolean deleteSession(String id) {
        open();
        return sessions.remove(id) != null;
    }

    @Override
    public int cleanExpired() {
        open();
        return 0;
    }

    @Override
    public Optional<String> getField(String id, String field) {
        return getSession(id).flatMap(s -> s.field(field));
    }

    @Override
    public long getSessionCount() {
        open();
        return sessions.size();
    }

    @Override
    public boolean sessionExists(String id) {
        return getSession(id).isPresent();
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int cleanExpiredStates(Duration maxAge) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
        closed = true;
    }
}
