package org.sessionstore.registry;

import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import org.sessionstore.api.Session;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.TransferableStore;

/**
 * The live entries of an in-process store whose bundle left, read out while the bundle was
 * still stopping, so the migration into its successor needs none of the departed bundle's classes
 * (after an update and refresh its class loader is gone, and a class it had not loaded yet can no
 * longer be). Only API records are kept; expired ones are skipped when migrated.
 */
final class KeptEntries implements TransferableStore {

    private final String type;
    private final List<Session> sessions;
    private final List<StateEntry> states;

    private KeptEntries(String type, List<Session> sessions, List<StateEntry> states) {
        this.type = type;
        this.sessions = sessions;
        this.states = states;
    }

    /** Reads a store's live entries now. */
    static KeptEntries of(String type, TransferableStore store) {
        List<Session> s;
        List<StateEntry> st;
        try (Stream<Session> live = store.liveSessions()) {
            s = live.toList();
        }
        try (Stream<StateEntry> live = store.liveStates()) {
            st = live.toList();
        }
        return new KeptEntries(type, s, st);
    }

    /** Entries handed over as plain JDK and API objects (from a previous registry instance). */
    static KeptEntries of(String type, List<Session> sessions, List<StateEntry> states) {
        return new KeptEntries(type, List.copyOf(sessions), List.copyOf(states));
    }

    /** As plain JDK and API objects: {type, sessions, states}. */
    Object[] asHandover() {
        return new Object[] {type, sessions, states};
    }

    String type() {
        return type;
    }

    int size() {
        return sessions.size() + states.size();
    }

    @Override
    public Stream<Session> liveSessions() {
        Instant now = Instant.now();
        return sessions.stream().filter(s -> !s.isExpiredAt(now));
    }

    @Override
    public Stream<StateEntry> liveStates() {
        return states.stream();
    }

    @Override
    public void importState(StateEntry entry) {
        throw new UnsupportedOperationException("kept entries are only read");
    }
}
