package org.sessionstore.registry.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

import org.sessionstore.api.Session;
import org.sessionstore.api.SessionInfo;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;

/**
 * The store consumers hold: the registry's front, with each call counted under the type served
 * now ({@link Metrics#serving}), its failure by kind, its result (a get's hit or miss, a state's
 * hit, miss or mismatch), and calls timed as {@link OpStats} says. The get (the hottest call,
 * no lambda) and the state validation (whose answer is counted) are written out; the others go
 * through {@link #metered}. What the front answers or throws is passed on unchanged.
 */
public final class MeteredStore implements SessionStore {

    private final SessionStore front;
    private final Metrics metrics;

    public MeteredStore(SessionStore front, Metrics metrics) {
        this.front = front;
        this.metrics = metrics;
    }

    private <T> T metered(Op op, Supplier<T> call) {
        OpStats s = metrics.current()[op.ordinal()];
        long[] c = s.cells();
        long t = s.called(c);
        try {
            return call.get();
        } catch (RuntimeException | Error e) {
            OpStats.failed(c, e);
            throw e;
        } finally {
            s.ended(c, t);
        }
    }

    @Override
    public Optional<Session> getSession(String id) {
        OpStats s = metrics.current()[Op.GET.ordinal()];
        long[] c = s.cells();
        long t = s.called(c);
        try {
            Optional<Session> found = front.getSession(id);
            OpStats.inc(c, found.isPresent() ? OpStats.HITS : OpStats.MISSES);
            return found;
        } catch (RuntimeException | Error e) {
            OpStats.failed(c, e);
            throw e;
        } finally {
            s.ended(c, t);
        }
    }

    @Override
    public boolean sessionExists(String id) {
        return metered(Op.EXISTS, () -> front.sessionExists(id));
    }

    @Override
    public Optional<String> getField(String id, String field) {
        return metered(Op.GET_FIELD, () -> front.getField(id, field));
    }

    @Override
    public void addSession(Session session) {
        addSession(session, n -> { });
    }

    @Override
    public void addSession(Session session, IntConsumer onEvicted) {
        metered(Op.ADD, () -> {
            front.addSession(session, onEvicted);
            return null;
        });
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier) {
        addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier, null);
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier,
            String client) {
        metered(Op.ADD_STATE, () -> {
            if (client == null) {
                front.addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier);
            } else {
                front.addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier, client);
            }
            return null;
        });
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
        return validateAndRemoveState(state, userAgent, () -> { });
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent, Runnable onMismatch) {
        org.sessionstore.api.Ids.requireNonNull(onMismatch, "onMismatch");
        OpStats s = metrics.current()[Op.VALIDATE_STATE.ordinal()];
        long[] c = s.cells();
        long t = s.called(c);
        boolean[] mismatched = {false};
        Optional<StateEntry> taken;
        try {
            taken = front.validateAndRemoveState(state, userAgent, () -> mismatched[0] = true);
        } catch (RuntimeException | Error e) {
            OpStats.failed(c, e);
            throw e;
        } finally {
            s.ended(c, t);
        }
        OpStats.inc(c, taken.isPresent() ? OpStats.HITS : mismatched[0] ? OpStats.MISMATCHES : OpStats.MISSES);
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
    public java.util.Optional<org.sessionstore.api.Broadcast> broadcast() {
        return front.broadcast();
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
