package org.sessionstore.registry;

import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.sessionstore.api.Migration;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.TransferableStore;

/**
 * Copies the live sessions and states of one store into another, keeping their remaining
 * lifetimes: sessions keep {@code expiresAt}; states keep {@code createdAt} when the target can
 * import them ({@link TransferableStore}), else they are added anew.
 */
final class Transfer {

    private Transfer() {
    }

    static boolean possible(SessionStore from) {
        return from instanceof TransferableStore;
    }

    static Migration copy(String type, SessionStore from, SessionStore to) {
        if (!(from instanceof TransferableStore source)) {
            throw new StoreException("the current store cannot list its sessions, so it cannot be migrated; "
                    + "switch without --migrate");
        }
        long start = System.nanoTime();
        AtomicLong sessions = new AtomicLong();
        AtomicLong states = new AtomicLong();
        try (Stream<org.sessionstore.api.Session> live = source.liveSessions()) {
            live.forEach(s -> {
                to.addSession(s);
                sessions.incrementAndGet();
            });
        }
        try (Stream<StateEntry> live = source.liveStates()) {
            live.sorted(Comparator.comparing(StateEntry::createdAt)).forEach(e -> {
                if (to instanceof TransferableStore target) {
                    target.importState(e);
                } else {
                    to.addStateEntry(e.state(), e.userAgent(), e.requestUrl(), e.upstreamUrl(), e.codeVerifier());
                }
                states.incrementAndGet();
            });
        }
        return new Migration(type, sessions.get(), states.get(), Duration.ofNanos(System.nanoTime() - start));
    }
}
