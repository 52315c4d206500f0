package org.sessionstore.registry;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import org.sessionstore.api.Ids;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.api.config.Durations;

/**
 * The {@link SessionStore} service consumers hold. It stays registered while backends come and
 * go: with no backend, a call waits up to the swap timeout for one, then fails with a
 * {@link StoreUnavailableException} naming the type. A call that fails because its backend was
 * swapped out under it is retried on the successor. Every call that writes is counted while it
 * runs on a backend, so the registry can wait for a replaced backend to fall quiet ({@link #drain})
 * before it copies or closes it: no call is lost in a swap. Reads are checked instead of counted
 * (see {@link #read}). Its {@link #close()} does nothing: the
 * registry owns the backends.
 */
final class StoreFront implements SessionStore {

    // guards the transitions below; callers waiting for a backend wait on it
    private final Object monitor = new Object();
    private volatile Lease backend;
    private volatile String type = "memory";
    private volatile Duration swapTimeout = RegistrySettings.DEFAULT_SWAP_TIMEOUT;
    private volatile String failure;
    private volatile String waitingFor;
    /** The last progress line of the migration that calls wait for; null when none runs. */
    private volatile String progress;
    /** Where events go ({@link Events}); set by the registry. */
    volatile Events events = new Events();
    /** UNAVAILABLE once per outage, AVAILABLE when it ends. */
    private final Outage outage = new Outage();
    /** The type last served, for SWITCHED's previous.type; null before the first. */
    private volatile String lastServedType;

    /** Changes how long calls wait for a backend, keeping the one served. */
    void retime(Duration timeout) {
        swapTimeout = timeout;
    }

    /** A backend and the calls running on it now. */
    static final class Lease {
        final SessionStore store;
        final LongAdder running = new LongAdder();

        Lease(SessionStore store) {
            this.store = store;
        }
    }

    /**
     * Serves calls from {@code next}; returns the backend it replaces (drained: no call runs on it
     * any more), for the caller to migrate from or close.
     */
    SessionStore serve(SessionStore next, String nextType, Duration timeout) {
        return serve(next, nextType, timeout, 0);
    }

    /** As {@link #serve(SessionStore, String, Duration)}; SWITCHED says {@code left} sessions were not copied. */
    SessionStore serve(SessionStore next, String nextType, Duration timeout, long left) {
        this.left = left;
        return replace(new Lease(next), nextType, timeout, null, null);
    }

    /** What the next SWITCHED says was left behind (only the registry thread swaps). */
    private long left;

    /**
     * Stops serving: calls wait up to {@code timeout} for a backend of {@code nextType}
     * ({@code why} says for what, in the message of a call that waited in vain). Returns the
     * backend withdrawn, drained, for the caller to migrate from, keep or close.
     */
    SessionStore withdraw(String nextType, Duration timeout, String why) {
        return replace(null, nextType, timeout, null, why);
    }

    /** The migration that calls wait for says how far it got (its last line, every second). */
    void progress(String line) {
        progress = line;
    }

    /** The last progress line of the migration calls wait for now, if one runs. */
    java.util.Optional<String> progress() {
        return backend == null ? java.util.Optional.ofNullable(progress) : java.util.Optional.empty();
    }

    /** Stops serving: calls fail at once with {@code failureMessage}. Returns the backend withdrawn, drained. */
    SessionStore fail(String nextType, Duration timeout, String failureMessage) {
        return replace(null, nextType, timeout, failureMessage, null);
    }

    private SessionStore replace(Lease next, String nextType, Duration timeout, String failureMessage, String why) {
        Lease old;
        synchronized (monitor) {
            old = backend;
            type = nextType;
            swapTimeout = timeout;
            failure = failureMessage;
            waitingFor = why;
            progress = null;
            backend = next;
            monitor.notifyAll();
        }
        if (next != null) {
            outage.reset();
            String previous = lastServedType;
            lastServedType = nextType;
            events.switched(nextType, previous, left);
            left = 0;
        }
        return drain(old);
    }

    /** Calls that waited for a backend in vain (swap_timeout): a swap says how many did while it ran. */
    final java.util.concurrent.atomic.LongAdder timedOut = new java.util.concurrent.atomic.LongAdder();

    /** Whether {@code store} is the backend served now (for what is remembered of it, such as the last clean). */
    boolean serves(SessionStore store) {
        Lease b = backend;
        return b != null && b.store == store;
    }

    /**
     * Runs {@code op} on the backend serving now, counted like any call (so a swap drains it),
     * without waiting if none serves.
     *
     * @return whether a backend ran it
     */
    boolean ifServing(Consumer<SessionStore> op) {
        Lease b = backend;
        if (b == null) {
            return false;
        }
        b.running.increment();
        try {
            if (backend != b) {
                return false;
            }
            op.accept(b.store);
            return true;
        } finally {
            b.running.decrement();
        }
    }

    /** Waits (up to 10 s) until no call runs on a replaced backend; returns its store. */
    private static SessionStore drain(Lease old) {
        if (old == null) {
            return null;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (old.running.sum() != 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(50_000);
        }
        if (old.running.sum() != 0) {
            System.getLogger("org.sessionstore.registry").log(System.Logger.Level.WARNING, "{0} calls still run on the"
                    + " replaced session store after 10s; it is copied or closed under them", old.running.sum());
        }
        return old.store;
    }

    /** The backend serving now, or null. */
    SessionStore backend() {
        Lease l = backend;
        return l == null ? null : l.store;
    }

    private <T> T call(Function<SessionStore, T> op) {
        long deadline = 0;
        while (true) {
            Lease b = backend;
            if (b == null) {
                if (deadline == 0) {
                    deadline = System.nanoTime() + swapTimeout.toNanos();
                }
                b = await(deadline);
            }
            b.running.increment();
            try {
                if (backend != b) {
                    continue; // replaced between the read and the count: use the successor
                }
                T result = op.apply(b.store);
                outage.succeeded(events, type);
                return result;
            } catch (StoreUnavailableException e) {
                if (backend == b) {
                    outage.failed(events, type, e);
                    throw e;
                }
                // b was swapped out while the call ran: go on with its successor
            } finally {
                b.running.decrement();
            }
        }
    }

    private Lease await(long deadline) {
        synchronized (monitor) {
            while (true) {
                Lease b = backend;
                if (b != null) {
                    return b;
                }
                if (failure != null) {
                    throw new StoreUnavailableException(failure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    timedOut.increment();
                    String why = waitingFor;
                    throw new StoreUnavailableException(why != null
                            ? "no session store of type '" + type + "' is serving yet: " + why + " (waited "
                                    + Durations.format(swapTimeout) + ", swap_timeout); try again, or raise swap_timeout"
                            : "no session store of type '" + type + "' is available: no bundle provides store.type="
                                    + type + " (waited " + Durations.format(swapTimeout) + ", swap_timeout); install or"
                                    + " start a bundle that provides it, or configure another type");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(monitor, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StoreUnavailableException("interrupted while waiting for a session store of type '"
                            + type + "'", e);
                }
            }
        }
    }

    @Override
    public void addSession(Session session) {
        addSession(session, n -> { });
    }

    /** Adds through the backend's add with evictions (API 1.6; an older backend's default never evicts). */
    @Override
    public void addSession(Session session, java.util.function.IntConsumer onEvicted) {
        org.sessionstore.api.Ids.requireNonNull(onEvicted, "onEvicted");
        int[] evicted = {0};
        call(s -> {
            evicted[0] = 0; // a call tried again on a successor counts what that one evicted
            s.addSession(session, n -> evicted[0] += n);
            return null;
        });
        events.added(type, session.sub());
        if (evicted[0] > 0) {
            events.revoked(type, session.sub(), evicted[0], "limit");
            onEvicted.accept(evicted[0]);
        }
    }

    /**
     * A read that changes nothing runs on the served backend without being counted: two plain
     * loads of {@link #backend} instead of two atomic updates, which on a memory get were a third
     * of its cost. Sound because a backend is copied or closed only after it stopped being served:
     * if the same lease is still served after the read, the read ran wholly before any swap and
     * its answer is the served backend's; if not (a swap began meanwhile, and the backend may be
     * closing or copied), the answer, or the failure, is dropped and the read runs again, counted,
     * on the successor. A read never changes what the store holds, so running one on a store
     * being copied or closed harms nothing.
     */
    private <T> T read(Function<SessionStore, T> op) {
        Lease b = backend;
        if (b != null) {
            T answer;
            try {
                answer = op.apply(b.store);
            } catch (RuntimeException | LinkageError e) {
                // a LinkageError: the replaced backend's bundle was refreshed under the read
                if (backend == b) {
                    if (e instanceof StoreUnavailableException u) {
                        outage.failed(events, type, u);
                    }
                    throw e;
                }
                return call(op);
            }
            if (backend == b) {
                outage.succeeded(events, type);
                return answer;
            }
        }
        return call(op);
    }

    @Override
    public Optional<Session> getSession(String id) {
        // read(), spelled out for the hottest call: no lambda to allocate
        Lease b = backend;
        if (b != null) {
            Optional<Session> answer;
            try {
                answer = b.store.getSession(id);
            } catch (RuntimeException | LinkageError e) {
                if (backend == b) {
                    if (e instanceof StoreUnavailableException u) {
                        outage.failed(events, type, u);
                    }
                    throw e;
                }
                return call(s -> s.getSession(id));
            }
            if (backend == b) {
                outage.succeeded(events, type);
                return answer;
            }
        }
        return call(s -> s.getSession(id));
    }

    @Override
    public boolean deleteSession(String id) {
        boolean deleted = call(s -> s.deleteSession(id));
        if (deleted) {
            events.deleted(type);
        }
        return deleted;
    }

    @Override
    public int deleteSessionsBySubject(String sub) {
        int n = older(() -> call(s -> s.deleteSessionsBySubject(sub)), "remove sessions by subject", "1.3");
        events.revoked(type, sub, n);
        return n;
    }

    @Override
    public int deleteSessionsBySubject(String sub, String exceptId) {
        int n = exceptId == null ? deleteSessionsBySubject(sub)
                : older(() -> call(s -> s.deleteSessionsBySubject(sub, exceptId)), "remove a subject's sessions but one", "1.6");
        if (exceptId != null) {
            events.revoked(type, sub, n, "revoked");
        }
        return n;
    }

    @Override
    public int deleteSessionsBySid(String sid) {
        int n = older(() -> call(s -> s.deleteSessionsBySid(sid)), "remove sessions by sid", "1.6");
        events.revoked(type, null, n, "sid");
        return n;
    }

    @Override
    public java.util.List<org.sessionstore.api.SessionInfo> sessionsOf(String sub, int offset, int limit) {
        return older(() -> read(s -> s.sessionsOf(sub, offset, limit)), "list a subject's sessions", "1.6");
    }

    @Override
    public java.util.List<String> subjects(String prefix, int limit) {
        return older(() -> read(s -> s.subjects(prefix, limit)), "list subjects", "1.6");
    }

    /** The API's refusal of an older backend names its Java class, which tells an operator nothing: name the type. */
    private <T> T older(java.util.function.Supplier<T> op, String what, String level) {
        try {
            return op.get();
        } catch (UnsupportedOperationException old) {
            throw new UnsupportedOperationException("the '" + type + "' store cannot " + what + " (its backend was"
                    + " written before API " + level + "); upgrade its bundle", old);
        }
    }

    @Override
    public int cleanExpired() {
        return cleanExpired(n -> { });
    }

    @Override
    public int cleanExpired(java.util.function.IntConsumer idleEnded) {
        Ids.requireNonNull(idleEnded, "idleEnded");
        int[] idle = {0};
        int n = call(s -> {
            idle[0] = 0; // a try on a backend swapped out under it is not counted
            return s.cleanExpired(i -> idle[0] = i);
        });
        expired(n, idle[0]);
        if (idle[0] > 0) {
            idleEnded.accept(idle[0]);
        }
        return n;
    }

    /** Posts EXPIRED for sessions removed by cleaning (here or by the housekeeping): reason ttl, and idle for {@code idle} of them. */
    void expired(int n, int idle) {
        if (n > idle) {
            events.expired(type, n - idle, "ttl");
        }
        if (idle > 0) {
            events.expired(type, idle, "idle");
        }
    }

    @Override
    public Optional<String> getField(String id, String field) {
        return read(s -> s.getField(id, field));
    }

    @Override
    public long getSessionCount() {
        return read(SessionStore::getSessionCount);
    }

    @Override
    public long getStateCount() {
        return read(SessionStore::getStateCount);
    }

    @Override
    public java.util.Optional<org.sessionstore.api.Broadcast> broadcast() {
        return java.util.Optional.empty(); // the served backend's channel is the near cache's (below), not a caller's
    }

    @Override
    public boolean sessionExists(String id) {
        return read(s -> s.sessionExists(id));
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl,
            String codeVerifier) {
        call(s -> {
            s.addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier);
            return null;
        });
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl,
            String codeVerifier, String client) {
        call(s -> {
            s.addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier, client);
            return null;
        });
    }

    @Override
    public long unreadableRecords() {
        return read(SessionStore::unreadableRecords);
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
        return validateAndRemoveState(state, userAgent, () -> { });
    }

    /**
     * The backend tells a User-Agent mismatch (API 1.4; older backends never do): then REJECTED is
     * posted and the caller's {@code onMismatch} runs, after the backend call, so nothing it throws
     * is taken for the backend's (a StoreUnavailableException of its own must not look like an outage).
     */
    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent, Runnable onMismatch) {
        Ids.requireNonNull(onMismatch, "onMismatch");
        boolean[] mismatched = new boolean[1];
        Optional<StateEntry> e = call(s -> s.validateAndRemoveState(state, userAgent, () -> mismatched[0] = true));
        if (e.isPresent()) {
            events.consumed(type);
        } else if (mismatched[0]) {
            events.rejected(type);
            onMismatch.run();
        }
        return e;
    }

    @Override
    public int cleanExpiredStates(Duration maxAge) {
        return call(s -> s.cleanExpiredStates(maxAge));
    }

    @Override
    public Optional<Duration> stateTtl() {
        return read(SessionStore::stateTtl);
    }

    @Override
    public java.util.Map<String, String> details() {
        return read(SessionStore::details);
    }

    /** Does nothing: the registry owns the backends and closes them. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "StoreFront[type=" + type + (backend == null ? ", no backend" : "") + "]";
    }
}
