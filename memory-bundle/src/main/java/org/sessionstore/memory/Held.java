package org.sessionstore.memory;

import java.util.Optional;

import org.sessionstore.api.Session;

/**
 * A session, its deadline and its own end. The {@code Optional} a read returns is made on the
 * first read and kept (a benign race: an {@code Optional} is immutable, its value a final
 * field), so an add allocates one object and a later read none.
 */
final class Held {
    final Session session;
    final long expiresAt;
    final long end;
    private Optional<Session> found;

    Held(Session session, long expiresAt) {
        this.session = session;
        this.expiresAt = expiresAt;
        this.end = session.expiresAt().toEpochMilli();
    }

    Session session() {
        return session;
    }

    long expiresAt() {
        return expiresAt;
    }

    long end() {
        return end;
    }

    Optional<Session> found() {
        Optional<Session> f = found;
        if (f == null) {
            f = Optional.of(session);
            found = f;
        }
        return f;
    }
}
