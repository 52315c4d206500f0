package org.sessionstore.registry.near;

import java.time.Duration;

import org.sessionstore.api.Broadcast;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.TransferableStore;

/** A near cache over a store that can hand its sessions over: delegates the transfer. */
final class TransferableNearCache extends NearCache implements TransferableStore {

    TransferableNearCache(SessionStore backend, Broadcast channel, int size, Duration maxAge, Duration idle, Duration touchAfter,
            java.time.Clock clock) {
        super(backend, channel, size, maxAge, idle, touchAfter, clock);
    }

    @Override
    public java.util.stream.Stream<Session> liveSessions() {
        return ((TransferableStore) backend).liveSessions();
    }

    @Override
    public java.util.stream.Stream<org.sessionstore.api.StateEntry> liveStates() {
        return ((TransferableStore) backend).liveStates();
    }

    @Override
    public void importState(org.sessionstore.api.StateEntry entry) {
        ((TransferableStore) backend).importState(entry);
    }

    @Override
    public boolean handOffOnUpgrade() {
        return ((TransferableStore) backend).handOffOnUpgrade();
    }
}
