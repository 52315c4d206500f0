package org.sessionstore.registry.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

import org.sessionstore.api.Session;
import org.sessionstore.api.SessionInfo;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;

/**
 * The store consumers hold: the registry's front, with each call counted under the type served
 * now ({@link Metrics#serving}), its failure by kind, its result (a get's hit or miss, a state's
 * hit, miss or mismatch), and one call in {@link OpStats#SAMPLE} timed. The hot calls are written
 * out (no lambda); the rare ones go through {@link #metered}. What the front answers or throws is
 * passed on unchanged.
 */
public final class MeteredStore implements SessionStore {

    private final SessionStore front;
    private final Metrics metrics;

    public MeteredStore(SessionStore front, Metrics metrics) {
        this.front = front;
        this.metrics = metrics;
    }

    /** Whether this call is timed: one in {@link OpStats#SAMPLE}, at random (a clock read per call cost as much as a get). */
    private static long start() {
        return (ThreadLocalRandom.current().nextInt() & (OpStats.SAMPLE - 1)) == 0 ? System.nanoTime() : 0;
    }

    private static void end(OpStats s, long started) {
        if (started != 0) {
            s.timed(System.nanoTime() - started);
        }
    }

    private <T> T metered(Op op, Supplier<T> call) {
        OpStats s = metrics.current()[op.ordinal()];
        s.calls.increment();
        long t = start();
        try {
            return call.get();
        } catch (RuntimeException | Error e) {
            s.failed(e);
            throw e;
        } finally {
            end(s, t);
        }
    }

    @Override
    public Optional<Session> getSession(String id) {
        OpStats s = metrics.current()[Op.GET.ordinal()];
        s.calls.increment();
        long t = start();
        try {
            Optional<Session> found = front.getSession(id);
            (found.isPresent() ? s.hits : s.misses).increment();
            return found;
        } catch (RuntimeException | Error e) {
            s.failed(e);
            throw e;
        } finally {
            end(s, t);
        }
    }

    @Override
    public boolean sessionExists(String id) {
        OpStats s = metrics.current()[Op.EXISTS.ordinal()];
        s.calls.increment();
        long t = start();
        try {
            return front.sessionExists(id);
        } catch (RuntimeException | Error e) {
            s.failed(e);
            throw e;
        } finally {
            end(s, t);
        }
    }

    @Override
    public Optional<String> getField(String id, String field) {
        OpStats s = metrics.current()[Op.GET_FIELD.ordinal()];
        s.calls.increment();
        long t = start();
        try {
            return front.getField(id, field);
        } catch (RuntimeException | Error e) {
            s.failed(e);
            throw e;
        } finally {
            end(s, t);
        }
    }

    @Override
    public void addSession(Session session) {
        addSession(session, n -> { });
    }

    @Override
    public void addSession(Session session, IntConsumer onEvicted) {
        OpStats s = metrics.current()[Op.ADD.ordinal()];
        s.calls.increment();
        long t = start();
        try {
            front.addSession(session, onEvicted);
        } catch (RuntimeException | Error e) {
            s.failed(e);
            throw e;
        } finally {
            end(s, t);
        }
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier) {
        addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier, null);
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier,
            String client) {
        OpStats s = metrics.current()[Op.ADD_STATE.ordinal()];
        s.calls.increment();
        long t = start();
        try {
            if (client == null) {
                front.addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier);
            } else {
                front.addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier, client);
            }
        } catch (RuntimeException | Error e) {
            s.failed(e);
            throw e;
        } finally {
            end(s, t);
        }
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
        return validateAndRemoveState(state, userAgent, () -> { });
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent, Runnable onMismatch) {
        org.sessionstore.api.Ids.requireNonNull(onMismatch, "onMismatch");
        OpStats s = metrics.current()[Op.VALIDATE_STATE.ordinal()];
        s.calls.increment();
        long t = start();
        boolean[] mismatched = {false};
        Optional<StateEntry> taken;
        try {
            taken = front.validateAndRemoveState(state, userAgent, () -> mismatched[0] = true);
        } catch (RuntimeException | Error e) {
            s.failed(e);
            throw e;
        } finally {
            end(s, t);
        }
        (taken.isPresent() ? s.hits : mismatched[0] ? s.mismatches : s.misses).increment();
        if (mismatched[0]) {
            onMismatch.run(); // after the call, as the front runs it: what it throws is the caller's own
        }
        return taken;
    }

    @Override
    public boolean deleteSession(String id) {
        return metered(Op.DELETE, () -> front.deleteSession(id));
    }

    @Override
    public int deleteSessionsBySubject(String sub) {
        return metered(Op.REVOKE, () -> front.deleteSessionsBySubject(sub));
    }

    @Override
    public int deleteSessionsBySubject(String sub, String exceptId) {
        return metered(Op.REVOKE, () -> front.deleteSessionsBySubject(sub, exceptId));
    }

    @Override
    public int deleteSessionsBySid(String sid) {
        return metered(Op.REVOKE_SID, () -> front.deleteSessionsBySid(sid));
    }

    @Override
    public List<SessionInfo> sessionsOf(String sub, int offset, int limit) {
        return metered(Op.SESSIONS, () -> front.sessionsOf(sub, offset, limit));
    }

    @Override
    public List<String> subjects(String prefix, int limit) {
        return metered(Op.SUBJECTS, () -> front.subjects(prefix, limit));
    }

    @Override
    public int cleanExpired() {
        return metered(Op.CLEAN, () -> front.cleanExpired());
    }

    @Override
    public int cleanExpired(IntConsumer idleEnded) {
        return metered(Op.CLEAN, () -> front.cleanExpired(idleEnded));
    }

    @Override
    public long getSessionCount() {
        return metered(Op.COUNT, front::getSessionCount);
    }

    @Override
    public long getStateCount() {
        return metered(Op.COUNT, front::getStateCount);
    }

    @Override
    public int cleanExpiredStates(Duration maxAge) {
        return metered(Op.CLEAN_STATES, () -> front.cleanExpiredStates(maxAge));
    }

    @Override
    public Optional<Duration> stateTtl() {
        return front.stateTtl();
    }

    @Override
    public Map<String, String> details() {
        return front.details();
    }

    @Override
    public long unreadableRecords() {
        return front.unreadableRecords();
    }

    /** Does nothing, as the front: the registry owns the backends. */
    @Override
    public void close() {
        front.close();
    }

    @Override
    public String toString() {
        return front.toString();
    }
}
