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
    /**
     * Set (release) once the id is in its subject's and sid's sets, by the add that put this entry
     * after its set updates, or copied from the entry a touch replaced: a re-add under the same
     * subject and sid may skip the sets only if the entry it replaces says so (review: the skip
     * trusted an entry whose adder had not reached the sets yet, and a revoke after the re-add
     * missed the session).
     */
    @SuppressWarnings("unused") // through INDEXED
    private boolean indexed;
    private static final java.lang.invoke.VarHandle INDEXED;

    static {
        try {
            INDEXED = java.lang.invoke.MethodHandles.lookup().findVarHandle(Held.class, "indexed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    Held(Session session, long expiresAt) {
        this.session = session;
        this.expiresAt = expiresAt;
        this.end = session.expiresAt().toEpochMilli();
    }

    /** A touched copy: the same session with a new deadline, indexed as {@code from} is. */
    Held(Held from, long expiresAt) {
        this(from.session, expiresAt);
        if (from.indexed()) {
            markIndexed();
        }
    }

    boolean indexed() {
        return (boolean) INDEXED.getAcquire(this);
    }

    void markIndexed() {
        INDEXED.setRelease(this, true);
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
