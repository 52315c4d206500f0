package org.sessionstore.api;

import java.util.stream.Stream;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Optional for a {@link SessionStore}: its live entries can be read out and states written in
 * with their original creation time, so the registry can hand them to another store (when the
 * active backend's bundle is upgraded, or on {@code sessionstore:use TYPE --migrate}). Sessions
 * carry their {@code expiresAt}, states their {@code createdAt}: copies keep their remaining
 * lifetimes.
 *
 * @since 1.1
 */
@ConsumerType
public interface TransferableStore {

    /**
     * The live sessions now; weakly consistent with concurrent changes.
     *
     * @return a stream the caller closes
     */
    Stream<Session> liveSessions();

    /**
     * The pending states now; weakly consistent with concurrent changes.
     *
     * @return a stream the caller closes
     */
    Stream<StateEntry> liveStates();

    /**
     * Stores a state as it is, {@code createdAt} included (so it expires when it would have).
     *
     * @param entry the state
     */
    void importState(StateEntry entry);

    /**
     * Whether a successor of the same type must be handed this store's entries when its bundle is
     * upgraded: true for a store whose data lives in the process, false for one whose data lives
     * in a server the successor reaches too.
     *
     * @return true to hand entries over on upgrade
     */
    default boolean handOffOnUpgrade() {
        return true;
    }
}
