package org.sessionstore.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.sessionstore.api.Ids;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.api.TransferableStore;

/**
 * A store written for API 1.1, in maps: every method that level has, and nothing later (no revoke
 * by subject, no mismatch told, no clients, no state lifetime reported). It is the proof that a
 * backend of that age passes the newest testkit unchanged ({@code MapStoreConformanceTest}), and
 * the one fake store the registry's own tests build their stores from.
 */
public class MapStore implements SessionStore, TransferableStore {

    /** The keys it was made with. */
    public final Map<String, ?> config;
    private final Clock clock;
    private final Duration stateLifetime;
    private final boolean inProcess;
    /** The sessions held (tests may look and plant). */
    public final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** The states held. */
    public final Map<String, StateEntry> states = new ConcurrentHashMap<>();
    /** Whether it was closed. */
    public volatile boolean closed;
    /** How often it was cleaned. */
    public volatile int cleaned;

    /**
     * @param config the keys it was made with (kept for tests to look at)
     * @param clock where it reads now
     * @param stateLifetime how long a state can be validated
     * @param inProcess whether it holds its entries in the process (so a swap or an upgrade migrates them)
     */
    public MapStore(Map<String, ?> config, Clock clock, Duration stateLifetime, boolean inProcess) {
        this.config = config;
        this.clock = clock;
        this.stateLifetime = stateLifetime;
        this.inProcess = inProcess;
    }

    /** Checks that the store is open; a closed store fails every call. */
    protected void open() {
        if (closed) {
            throw new StoreUnavailableException("the map store is closed");
        }
    }

    private boolean live(Session s) {
        return s != null && !s.isExpiredAt(clock.instant());
    }

    @Override
    public void addSession(Session session) {
        Ids.requireNonNull(session, "session");
        open();
        if (!live(session)) {
            sessions.remove(session.id());
            return;
        }
        sessions.put(session.id(), session);
    }

    @Override
    public Optional<Session> getSession(String id) {
        Ids.require(id, "session id");
        open();
        Session s = sessions.get(id);
        return live(s) ? Optional.of(s) : Optional.empty();
    }

    @Override
    public boolean deleteSession(String id) {
        Ids.require(id, "session id");
        open();
        return live(sessions.remove(id));
    }

    @Override
    public int cleanExpired() {
        open();
        cleaned++;
        int[] n = {0};
        sessions.values().removeIf(s -> !live(s) && ++n[0] > 0);
        return n[0];
    }

    @Override
    public Optional<String> getField(String id, String field) {
        Session.requireField(field);
        return getSession(id).flatMap(s -> s.field(field));
    }

    @Override
    public long getSessionCount() {
        open();
        return sessions.values().stream().filter(this::live).count();
    }

    @Override
    public boolean sessionExists(String id) {
        return getSession(id).isPresent();
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        open();
        states.put(state, new StateEntry(state, clock.instant(), userAgent, requestUrl, upstreamUrl, codeVerifier));
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        open();
        StateEntry e = states.remove(state); // the one step that decides who gets it
        if (e == null || !e.createdAt().plus(stateLifetime).isAfter(clock.instant()) || !e.userAgent().equals(userAgent)) {
            return Optional.empty();
        }
        return Optional.of(e);
    }

    @Override
    public int cleanExpiredStates(Duration maxAge) {
        Ids.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative: " + maxAge);
        }
        open();
        Instant cutoff = clock.instant().minus(maxAge);
        int[] n = {0};
        states.values().removeIf(e -> !e.createdAt().isAfter(cutoff) && ++n[0] > 0);
        return n[0];
    }

    @Override
    public Stream<Session> liveSessions() {
        open();
        return sessions.values().stream().filter(this::live);
    }

    @Override
    public Stream<StateEntry> liveStates() {
        open();
        Instant cutoff = clock.instant().minus(stateLifetime);
        return states.values().stream().filter(e -> e.createdAt().isAfter(cutoff));
    }

    @Override
    public void importState(StateEntry entry) {
        Ids.requireNonNull(entry, "entry");
        open();
        states.put(entry.state(), entry);
    }

    @Override
    public boolean handOffOnUpgrade() {
        return inProcess;
    }

    @Override
    public void close() {
        closed = true;
    }
}
