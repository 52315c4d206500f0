package org.sessionstore.memory;

import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;

import org.sessionstore.api.Ids;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.TransferableStore;

/**
 * The memory store's one-time states: the {@link SessionStore} and {@link TransferableStore}
 * methods of states, each checking its arguments and then the store's {@link StateTable}, which
 * keeps them within {@code max_states} and {@code max_states_per_client}. The sessions are
 * {@link MemorySessionStore}'s.
 */
abstract class MemoryStates implements SessionStore, TransferableStore {

    final StateTable states;

    MemoryStates(StateTable states) {
        this.states = states;
    }

    /** Fails with StoreUnavailableException once the store is closed. */
    abstract void ensureOpen();

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl,
            String codeVerifier) {
        addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier, null);
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier,
            String client) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        if (client != null) {
            Ids.require(client, "client");
        }
        ensureOpen();
        states.add(state, userAgent, requestUrl, upstreamUrl, codeVerifier, client);
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
        return validateAndRemoveState(state, userAgent, () -> { });
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent, Runnable onMismatch) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        Ids.requireNonNull(onMismatch, "onMismatch");
        ensureOpen();
        return states.consume(state, userAgent, onMismatch);
    }

    @Override
    public int cleanExpiredStates(Duration maxAge) {
        Ids.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative: " + maxAge);
        }
        ensureOpen();
        return states.removeOlderThan(maxAge);
    }

    /** The states within state_ttl: the older ones are dropped first, as a count of sessions cleans first. */
    @Override
    public long getStateCount() {
        ensureOpen();
        states.removeOlderThan(stateTtl().orElseThrow());
        return states.size();
    }

    @Override
    public Stream<StateEntry> liveStates() {
        ensureOpen();
        return states.live();
    }

    @Override
    public void importState(StateEntry entry) {
        Ids.requireNonNull(entry, "entry");
        ensureOpen();
        states.put(entry, null);
    }

    /** For tests: the state table. */
    StateTable states() {
        return states;
    }

    /** For tests: pending states held. */
    int stateCount() {
        return states.size();
    }
}
