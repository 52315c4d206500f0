package org.sessionstore.api.crypto;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.sessionstore.api.Redaction;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.TransferableStore;

/**
 * A store whose tokens are encrypted before they reach the backend: a session's
 * {@code accessToken}, {@code idToken} and {@code codeVerifier}, and a state's
 * {@code codeVerifier}. Ids, user names, subjects, times and URLs stay readable. The registry
 * puts one in front of the backend it builds when {@code encryption_key} is set, so every
 * backend, ours or a third party's, stores ciphertext only.
 *
 * <p>A record with a token no key decrypts is reported once (naming the session or state and the
 * key id) and treated as absent by every read but {@link #getSessionCount()}, which counts what the
 * backend holds; {@link #unreadableRecords()} counts them. While a current key is set a token in
 * clear is not trusted (planted, or stored before encryption was turned on): such a record is
 * unreadable too ({@code use --migrate} with the key re-writes a store's values sealed). With no
 * current key (only {@code encryption_keys_old}, or no key at all) nothing is encrypted and stored
 * ciphertext still decrypts with the old keys, or reads as absent, never as a token.
 *
 * @since 1.0
 */
public class EncryptedStore implements SessionStore {

    private static final Logger LOG = System.getLogger("org.sessionstore.crypto");

    /** The backend. */
    protected final SessionStore backend;
    /** The cipher. */
    protected final TokenCipher cipher;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.LongAdder unreadable = new java.util.concurrent.atomic.LongAdder();

    /**
     * @param backend the store that keeps the ciphertext
     * @param keys the keys
     */
    protected EncryptedStore(SessionStore backend, TokenKeys keys) {
        this.backend = backend;
        this.cipher = new TokenCipher(keys);
    }

    /**
     * Wraps a backend; the result can list and import its entries exactly when the backend can.
     *
     * @param backend the store that keeps the ciphertext
     * @param keys the keys
     * @return the encrypting store
     */
    public static SessionStore of(SessionStore backend, TokenKeys keys) {
        return backend instanceof TransferableStore ? new Transferable(backend, keys) : new EncryptedStore(backend, keys);
    }

    /** @return the backend behind it */
    public SessionStore backend() {
        return backend;
    }

    private static String context(Session s, String field) {
        return "session:" + s.id() + ":" + field;
    }

    Session seal(Session s) {
        if (s.accessToken() == null && s.idToken() == null && s.codeVerifier() == null || !cipher.encrypts()
                && !TokenCipher.marked(s.accessToken()) && !TokenCipher.marked(s.idToken())
                && !TokenCipher.marked(s.codeVerifier())) {
            return s; // nothing to seal, or to mark (in clear, a value that looks like a format is marked)
        }
        return new Session(s.id(), s.username(), s.sub(), s.issuedAt(), s.expiresAt(),
                cipher.encrypt(s.accessToken(), context(s, "access_token")), cipher.encrypt(s.idToken(), context(s, "id_token")),
                cipher.encrypt(s.codeVerifier(), context(s, "code_verifier")), s.sid());
    }

    /** The session with its tokens decrypted, or null (reported) if one does not decrypt. */
    Session open(Session s) {
        if (!cipher.encrypts() && !TokenCipher.marked(s.accessToken()) && !TokenCipher.marked(s.idToken())
                && !TokenCipher.marked(s.codeVerifier())) {
            return s; // nothing to decrypt or unmark: no copy
        }
        if (cipher.encrypts() && s.accessToken() == null && s.idToken() == null && s.codeVerifier() == null) {
            return s;
        }
        try {
            return new Session(s.id(), s.username(), s.sub(), s.issuedAt(), s.expiresAt(),
                    cipher.decrypt(s.accessToken(), context(s, "access_token")),
                    cipher.decrypt(s.idToken(), context(s, "id_token")),
                    cipher.decrypt(s.codeVerifier(), context(s, "code_verifier")), s.sid());
        } catch (UndecryptableException e) {
            report("session '" + Redaction.printable(s.id()) + "'", e);
            return null;
        }
    }

    private static String stateContext(String state) {
        return "state:" + state + ":code_verifier";
    }

    StateEntry seal(StateEntry e) {
        if (e.codeVerifier() == null || !cipher.encrypts() && !TokenCipher.marked(e.codeVerifier())) {
            return e;
        }
        return new StateEntry(e.state(), e.createdAt(), e.userAgent(), e.requestUrl(), e.upstreamUrl(),
                cipher.encrypt(e.codeVerifier(), stateContext(e.state())));
    }

    StateEntry open(StateEntry e) {
        if (e.codeVerifier() == null || !cipher.encrypts() && !TokenCipher.marked(e.codeVerifier())) {
            return e;
        }
        try {
            return new StateEntry(e.state(), e.createdAt(), e.userAgent(), e.requestUrl(), e.upstreamUrl(),
                    cipher.decrypt(e.codeVerifier(), stateContext(e.state())));
        } catch (UndecryptableException x) {
            report("state '" + Redaction.printable(e.state()) + "'", x);
            return null;
        }
    }

    private void report(String what, UndecryptableException e) {
        unreadable.increment();
        if (reported.add(what + e.keyId())) {
            if (reported.size() > 10_000) {
                reported.clear();
            }
            LOG.log(Level.WARNING, "{0} cannot be decrypted: {1}; it is treated as absent (add the key with that id to"
                    + " encryption_keys_old to read it again)", what, e.getMessage());
        }
    }

    @Override
    public void addSession(Session session) {
        backend.addSession(session == null ? null : seal(session));
    }

    @Override
    public void addSession(Session session, java.util.function.IntConsumer onEvicted) {
        backend.addSession(session == null ? null : seal(session), onEvicted);
    }

    @Override
    public int deleteSessionsBySubject(String sub, String exceptId) {
        return backend.deleteSessionsBySubject(sub, exceptId);
    }

    @Override
    public int deleteSessionsBySid(String sid) {
        return backend.deleteSessionsBySid(sid); // the sid is stored in clear, as it is an index
    }

    @Override
    public java.util.List<org.sessionstore.api.SessionInfo> sessionsOf(String sub, int offset, int limit) {
        return backend.sessionsOf(sub, offset, limit); // metadata only: nothing to decrypt
    }

    @Override
    public java.util.List<String> subjects(String prefix, int limit) {
        return backend.subjects(prefix, limit); // names only: nothing to decrypt
    }

    @Override
    public Optional<Session> getSession(String id) {
        return backend.getSession(id).map(this::open);
    }

    @Override
    public boolean deleteSession(String id) {
        return backend.deleteSession(id);
    }

    @Override
    public int deleteSessionsBySubject(String sub) {
        return backend.deleteSessionsBySubject(sub); // the subject is stored in clear, as it is an index
    }

    @Override
    public int cleanExpired() {
        return backend.cleanExpired();
    }

    @Override
    public long getStateCount() {
        return backend.getStateCount();
    }

    /** The backend's channel: what travels on it is session ids and subjects, never a token. */
    @Override
    public java.util.Optional<org.sessionstore.api.Broadcast> broadcast() {
        return backend.broadcast();
    }

    @Override
    public int cleanExpired(java.util.function.IntConsumer idleEnded) {
        return backend.cleanExpired(idleEnded);
    }

    @Override
    public Optional<String> getField(String id, String field) {
        Session.requireField(field);
        if (!field.equals("access_token") && !field.equals("id_token")) {
            return backend.getField(id, field);
        }
        Optional<String> stored = backend.getField(id, field);
        if (stored.isPresent() && !cipher.encrypts() && !TokenCipher.marked(stored.get())) {
            return stored;
        }
        try {
            return stored.map(v -> cipher.decrypt(v, "session:" + id + ":" + field));
        } catch (UndecryptableException e) {
            report("session '" + Redaction.printable(id) + "'", e);
            return Optional.empty();
        }
    }

    @Override
    public long getSessionCount() {
        return backend.getSessionCount();
    }

    /** The backend's unreadable records and the ones found here (a token no key decrypts, or in clear while a key is set). */
    @Override
    public long unreadableRecords() {
        return unreadable.sum() + backend.unreadableRecords();
    }

    @Override
    public java.util.Map<String, String> details() {
        return backend.details();
    }

    /**
     * With keys, read whole, so a session whose tokens no key decrypts does not exist here either;
     * with none (encryption never set), the backend's own cheap check.
     */
    @Override
    public boolean sessionExists(String id) {
        return cipher.keys().ids().isEmpty() ? backend.sessionExists(id) : getSession(id).isPresent();
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier) {
        backend.addStateEntry(state, userAgent, requestUrl, upstreamUrl,
                state == null ? codeVerifier : cipher.encrypt(codeVerifier, stateContext(state)));
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier,
            String client) {
        backend.addStateEntry(state, userAgent, requestUrl, upstreamUrl,
                state == null ? codeVerifier : cipher.encrypt(codeVerifier, stateContext(state)), client);
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
        return backend.validateAndRemoveState(state, userAgent).map(this::open);
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent, Runnable onMismatch) {
        return backend.validateAndRemoveState(state, userAgent, onMismatch).map(this::open);
    }

    @Override
    public int cleanExpiredStates(Duration maxAge) {
        return backend.cleanExpiredStates(maxAge);
    }

    @Override
    public Optional<Duration> stateTtl() {
        return backend.stateTtl();
    }

    @Override
    public void close() {
        backend.close();
    }

    @Override
    public String toString() {
        return "EncryptedStore[" + cipher.keys() + ", " + backend + "]";
    }

    /** The same, for a backend that can list and import its entries (a migration decrypts, then encrypts again). */
    static final class Transferable extends EncryptedStore implements TransferableStore {

        Transferable(SessionStore backend, TokenKeys keys) {
            super(backend, keys);
        }

        private TransferableStore source() {
            return (TransferableStore) backend;
        }

        @Override
        public Stream<Session> liveSessions() {
            return source().liveSessions().map(this::open).filter(s -> s != null);
        }

        @Override
        public Stream<StateEntry> liveStates() {
            return source().liveStates().map(this::open).filter(e -> e != null);
        }

        @Override
        public void importState(StateEntry entry) {
            source().importState(entry == null ? null : seal(entry));
        }

        @Override
        public boolean handOffOnUpgrade() {
            return source().handOffOnUpgrade();
        }
    }
}
