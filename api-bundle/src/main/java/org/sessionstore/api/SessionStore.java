package org.sessionstore.api;

import java.time.Duration;
import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A store of sessions and one-time OAuth2 states [Go: {@code SessionStorer}].
 *
 * <p>Every method is thread-safe. Arguments are checked: a null, blank, over-long id or one with
 * control characters fails with {@link IllegalArgumentException} (see {@link Ids}). A backend
 * that cannot reach its storage fails within its timeout with {@link StoreUnavailableException};
 * nothing fails silently. A closed store fails every call with {@link StoreUnavailableException}.
 *
 * <p>Consumers normally use the store the registry publishes as an OSGi service (with the
 * service property {@link StoreFactory#STORE_TYPE}); that store is owned by the registry and its
 * {@link #close()} does nothing.
 */
@ConsumerType
public interface SessionStore extends AutoCloseable {

    /**
     * Inserts or replaces a session [AddSession]. A session already expired is not kept (and
     * replaces, that is removes, a session with the same id).
     *
     * @param session the session
     * @throws IllegalArgumentException if {@code session} is null
     * @throws StoreFullException if the store holds as many sessions as it may
     */
    void addSession(Session session);

    /**
     * The session with this id [GetSession]; never an expired one, cleaned or not.
     *
     * @param id the session id
     * @return the session, or empty if there is none or it has expired
     * @throws IllegalArgumentException if {@code id} is not a valid id ({@link Ids#require})
     */
    Optional<Session> getSession(String id);

    /**
     * Removes a session [DeleteSession].
     *
     * @param id the session id
     * @return true if a live session was removed
     * @throws IllegalArgumentException if {@code id} is not a valid id ({@link Ids#require})
     */
    boolean deleteSession(String id);

    /**
     * Removes every session of a subject: "sign out everywhere", or an OpenID Connect back-channel
     * logout that names the subject. Backends index sessions by subject, so this never scans the
     * store. A session added while this runs may stay (it is concurrent with the revocation);
     * every session of the subject added before the call started is gone when it returns.
     * Sessions without a subject are never matched.
     *
     * <p>The default, for backends written before API 1.3, fails with
     * {@link UnsupportedOperationException} saying so.
     *
     * @param sub the subject ({@link Session#sub()}), not null or blank
     * @return how many live sessions were removed
     * @throws IllegalArgumentException if {@code sub} is null or blank
     * @throws UnsupportedOperationException if the backend cannot do this
     * @since 1.3
     */
    default int deleteSessionsBySubject(String sub) {
        Ids.requireSubject(sub);
        throw new UnsupportedOperationException("the " + getClass().getSimpleName() + " backend cannot remove sessions"
                + " by subject (it was written before API 1.3); delete them one by one, or upgrade the backend");
    }

    /**
     * Removes every session of a subject but one: "sign out my other devices". Like
     * {@link #deleteSessionsBySubject(String)}, with the session {@code exceptId} kept (if it is
     * the subject's; an id of no session of the subject keeps nothing).
     *
     * <p>The default, for backends written before API 1.6, removes them all when {@code exceptId}
     * is null and otherwise fails with {@link UnsupportedOperationException} saying so.
     *
     * @param sub the subject, not null or blank
     * @param exceptId the id of the session to keep, or null to remove them all
     * @return how many live sessions were removed
     * @throws IllegalArgumentException if {@code sub} is null or blank, or {@code exceptId} is not a valid id
     * @throws UnsupportedOperationException if the backend cannot do this
     * @since 1.6
     */
    default int deleteSessionsBySubject(String sub, String exceptId) {
        Ids.requireSubject(sub);
        if (exceptId == null) {
            return deleteSessionsBySubject(sub);
        }
        Ids.require(exceptId, "session id");
        throw new UnsupportedOperationException(before16("remove a subject's sessions but one"));
    }

    /**
     * Removes every session of an identity provider's session: an OpenID Connect back-channel
     * logout that names {@code sid} ({@link Session#sid()}). Backends index sessions by sid, so this
     * never scans the store; the same guarantees as {@link #deleteSessionsBySubject(String)}.
     *
     * <p>The default, for backends written before API 1.6, fails with
     * {@link UnsupportedOperationException} saying so.
     *
     * @param sid the identity provider's session id
     * @return how many live sessions were removed
     * @throws IllegalArgumentException if {@code sid} is not a valid id
     * @throws UnsupportedOperationException if the backend cannot do this
     * @since 1.6
     */
    default int deleteSessionsBySid(String sid) {
        Ids.require(sid, "sid");
        throw new UnsupportedOperationException(before16("remove sessions by sid"));
    }

    /**
     * A page of a subject's live sessions, newest first ({@link SessionInfo#NEWEST_FIRST}): their
     * metadata, never a token. Read through the subject's index, never a scan of the store.
     *
     * <p>The default, for backends written before API 1.6, fails with
     * {@link UnsupportedOperationException} saying so.
     *
     * @param sub the subject, not null or blank
     * @param offset how many of the newest to skip (0 or more)
     * @param limit the most to return (1 to 1,000)
     * @return the page, possibly empty
     * @throws IllegalArgumentException if {@code sub} is null or blank, {@code offset} is negative or
     *         {@code limit} is out of range
     * @throws UnsupportedOperationException if the backend cannot do this
     * @since 1.6
     */
    default java.util.List<SessionInfo> sessionsOf(String sub, int offset, int limit) {
        checkPage(sub, offset, limit);
        throw new UnsupportedOperationException(before16("list a subject's sessions"));
    }

    /**
     * Subjects whose name starts with {@code prefix}, in name order, at most {@code limit}: for a
     * shell's completion and a page's search, never a hot path. Every subject with a live session
     * and the prefix is among them unless more than {@code limit} match (which ones then is the
     * store's choice); a subject whose sessions all ended may still be named until the store's index
     * forgets it (Redis: up to the end its last session was added with). Name order is the order of
     * the names' characters (memory and Redis: UTF-16 units; PostgreSQL: code points, which differ
     * only outside the Basic Multilingual Plane). A store may bound the work of one call (Redis walks
     * its keys with {@code SCAN}, never {@code KEYS}, for at most a second); it says so in its
     * documentation.
     *
     * <p>The default, for backends written before API 1.6, fails with
     * {@link UnsupportedOperationException} saying so.
     *
     * @param prefix the start of the names, not null (empty: any subject)
     * @param limit the most to return (1 to {@link #MAX_PAGE})
     * @return the names, possibly none
     * @throws IllegalArgumentException if {@code prefix} is null or {@code limit} is out of range
     * @throws UnsupportedOperationException if the backend cannot do this
     * @since 1.6
     */
    default java.util.List<String> subjects(String prefix, int limit) {
        checkSubjects(prefix, limit);
        throw new UnsupportedOperationException(before16("list subjects"));
    }

    /**
     * Checks the arguments of {@link #subjects}: for backends.
     *
     * @param prefix the prefix
     * @param limit the most to return
     * @throws IllegalArgumentException naming what is wrong
     * @since 1.6
     */
    static void checkSubjects(String prefix, int limit) {
        Ids.requireNonNull(prefix, "prefix");
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("limit must be from 1 to " + MAX_PAGE + ", got " + limit);
        }
    }

    /**
     * Inserts or replaces a session like {@link #addSession(Session)}, and tells how many sessions
     * of its subject were removed to make room for it: a store with a per-subject limit
     * ({@code max_sessions_per_subject}) and {@code on_subject_limit=evict_oldest} removes the
     * subject's sessions that end first (see {@link org.sessionstore.api.config.SubjectLimit}) in the same atomic step as the add, so that racing logins of one
     * subject on any number of nodes leave exactly the limit. {@code onEvicted} runs once, on the
     * calling thread, with the count, when it is not 0. With {@code on_subject_limit=refuse} the
     * add fails instead with {@link StoreFullException} naming the subject's limit.
     *
     * <p>A backend should implement this one and let {@link #addSession(Session)} call it with a
     * no-op. The default, for backends written before API 1.6 (which have no such limit), adds
     * through {@link #addSession(Session)} and never runs {@code onEvicted}.
     *
     * @param session the session
     * @param onEvicted told how many of the subject's sessions went to make room (not null)
     * @throws IllegalArgumentException if {@code session} or {@code onEvicted} is null
     * @throws StoreFullException if the store, or the subject's limit under {@code refuse}, is full
     * @since 1.6
     */
    default void addSession(Session session, java.util.function.IntConsumer onEvicted) {
        Ids.requireNonNull(onEvicted, "onEvicted");
        addSession(session);
    }

    /**
     * The channel between the nodes that share this store, for the registry's near cache (a store
     * in the process has none, and neither has a backend built before API 1.6): a shared store
     * offers one so that a session cached on one node is dropped when another changes it.
     *
     * @return the channel, or empty
     * @since 1.6
     */
    default java.util.Optional<Broadcast> broadcast() {
        return java.util.Optional.empty();
    }

    /**
     * Checks the arguments of {@link #sessionsOf}: for backends.
     *
     * @param sub the subject
     * @param offset the offset
     * @param limit the page size
     * @throws IllegalArgumentException naming what is wrong
     * @since 1.6
     */
    static void checkPage(String sub, int offset, int limit) {
        Ids.requireSubject(sub);
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be 0 or more, got " + offset);
        }
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("limit must be from 1 to " + MAX_PAGE + ", got " + limit);
        }
    }

    /** The largest page {@link #sessionsOf} returns. @since 1.6 */
    int MAX_PAGE = 1_000;

    private String before16(String what) {
        return "the " + getClass().getSimpleName() + " backend cannot " + what + " (it was written before API 1.6);"
                + " upgrade the backend";
    }

    /**
     * Removes the expired sessions [CleanExpired].
     *
     * @return how many were removed
     */
    int cleanExpired();

    /**
     * Removes the expired sessions like {@link #cleanExpired()}, and tells how many of them ended
     * idle: under {@code idle_timeout} (see {@link org.sessionstore.api.config.IdleTimeout}) their
     * idle deadline passed before their absolute end. {@code idleEnded} runs once, on the calling
     * thread, with that count, when it is not 0; the return value counts them too.
     *
     * <p>A backend with idle expiry should implement this one and let {@link #cleanExpired()} call it
     * with a no-op. The default, for backends written before API 1.6 (which have no idle expiry),
     * calls {@link #cleanExpired()} and never runs {@code idleEnded}.
     *
     * @param idleEnded told how many of the removed sessions ended idle (not null)
     * @return how many were removed, idle or not
     * @throws IllegalArgumentException if {@code idleEnded} is null
     * @since 1.6
     */
    default int cleanExpired(java.util.function.IntConsumer idleEnded) {
        Ids.requireNonNull(idleEnded, "idleEnded");
        return cleanExpired();
    }

    /**
     * One field of a live session [GetField]: {@code username}, {@code sub}, {@code access_token}
     * or {@code id_token} (see {@link Session#FIELDS}).
     *
     * @param id the session id
     * @param field the field name
     * @return its value, or empty if the session does not exist, has expired or the field is unset
     * @throws IllegalArgumentException for an unknown field, or if {@code id} is not a valid id
     */
    Optional<String> getField(String id, String field);

    /**
     * How many live sessions there are [GetSessionCount]; never a scan of all keys.
     *
     * @return the number of live sessions
     */
    long getSessionCount();

    /**
     * The live states, for a gauge: through the store's index or table, never a read of every
     * entry.
     *
     * <p>The default, for backends written before API 1.6, says -1: unknown.
     *
     * @return how many states are live, or -1 if the store cannot say
     * @since 1.6
     */
    default long getStateCount() {
        return -1;
    }

    /**
     * Whether a live session has this id [SessionExists].
     *
     * @param id the session id
     * @return true if it exists and has not expired
     * @throws IllegalArgumentException if {@code id} is not a valid id ({@link Ids#require})
     */
    boolean sessionExists(String id);

    /**
     * Stores a new one-time state [AddStateEntry]; its {@code createdAt} is now.
     *
     * @param state the state value
     * @param userAgent the browser's User-Agent (not null, may be empty)
     * @param requestUrl the URL the user asked for
     * @param upstreamUrl the upstream URL
     * @param codeVerifier the PKCE code verifier
     * @throws IllegalArgumentException if {@code state} is not a valid id or {@code userAgent} is null
     * @throws StoreFullException if the store holds as many states as it may
     */
    void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier);

    /**
     * Stores a new one-time state like {@link #addStateEntry(String, String, String, String, String)},
     * on behalf of a named client (the address the login came from, say), so that a flood from one
     * client cannot crowd out other users' logins: a store that supports it keeps at most
     * {@code max_states_per_client} pending states per client and drops that client's oldest
     * state to make room, never another client's. States of every client still share the store's
     * own bound, where the oldest go first.
     *
     * <p>The default, for backends written before API 1.5, ignores {@code client}.
     *
     * @param state the state value
     * @param userAgent the browser's User-Agent (not null, may be empty)
     * @param requestUrl the URL the user asked for
     * @param upstreamUrl the upstream URL
     * @param codeVerifier the PKCE code verifier
     * @param client who asked (an address, a network), or null when unknown: then only the store's
     *        own bound applies
     * @throws IllegalArgumentException if {@code state} is not a valid id, {@code userAgent} is null,
     *         or {@code client} is blank or holds a control character
     * @since 1.5
     */
    default void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier,
            String client) {
        if (client != null) {
            Ids.require(client, "client");
        }
        addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier);
    }

    /**
     * Consumes a state [ValidateAndRemoveState]. Atomic: of any number of concurrent callers, on
     * any number of nodes sharing the backend, exactly one gets the entry. The first attempt
     * consumes the state whatever its outcome: on a User-Agent mismatch this returns empty and the
     * state is gone.
     *
     * @param state the state value
     * @param userAgent the User-Agent of the browser finishing the login
     * @return the entry if it existed, had not expired and the User-Agent matches; else empty
     * @throws IllegalArgumentException if {@code state} is not a valid id or {@code userAgent} is null
     */
    Optional<StateEntry> validateAndRemoveState(String state, String userAgent);

    /**
     * Consumes a state like {@link #validateAndRemoveState(String, String)}, and tells the one case
     * that is worth an alarm: the state was there and fresh, this call took it, but the User-Agent
     * differed (the state is gone all the same). Then {@code onMismatch} runs once, on the calling
     * thread, before this returns empty; it runs neither for an absent or expired state nor when the
     * entry is returned. The state is consumed whatever {@code onMismatch} does; what it throws
     * reaches the caller (the published store runs it after the backend call, so it is never taken
     * for the backend's failure). The registry uses it to post its
     * {@code org/sessionstore/state/REJECTED} event.
     *
     * <p>A backend should implement this one and let the two-argument method call it with a no-op.
     * The default, for backends written before API 1.4, consumes through the two-argument method
     * and never runs {@code onMismatch}: such a backend cannot tell a mismatch from an absent state.
     *
     * @param state the state value
     * @param userAgent the User-Agent of the browser finishing the login
     * @param onMismatch what to run when the state was taken but its User-Agent differed (not null)
     * @return the entry if it existed, had not expired and the User-Agent matches; else empty
     * @since 1.4
     */
    default Optional<StateEntry> validateAndRemoveState(String state, String userAgent, Runnable onMismatch) {
        Ids.requireNonNull(onMismatch, "onMismatch");
        return validateAndRemoveState(state, userAgent);
    }

    /**
     * Removes states older than {@code maxAge} [CleanExpiredStates].
     *
     * @param maxAge the greatest age kept (positive)
     * @return how many were removed
     * @throws IllegalArgumentException if {@code maxAge} is null or negative
     */
    int cleanExpiredStates(Duration maxAge);

    /**
     * How long a state can be validated after it was added: the store's one setting for a
     * state's life (the {@code state_ttl} key of the memory and redis backends). The registry's
     * housekeeping and {@code sessionstore:clean} remove states older than this, and never
     * younger ones, so they never delete a state the store still accepts.
     *
     * @return the lifetime, or empty if the store does not say (then the registry leaves its
     *         states alone and the store must expire them itself)
     * @since 1.2
     */
    default Optional<Duration> stateTtl() {
        return Optional.empty();
    }

    /**
     * What the store is connected to now, for operators ({@code sessionstore:info} prints it):
     * rows of a name and a value in words, such as the primary a Sentinel named or a cluster's
     * shards. Never a secret, never a call that waits long: it says what the store knows.
     *
     * @return the rows, in order; empty if the store has nothing to say (the default)
     * @since 1.3
     */
    default java.util.Map<String, String> details() {
        return java.util.Map.of();
    }

    /**
     * How many stored records this store found unreadable since it was made (a corrupt value, a
     * ciphertext no key decrypts, a token in clear while encryption is on, contradictory expiry
     * columns, control characters in an id, a value of another layout). Each such record is treated
     * as absent, named once in a log line by its key (never its content), skipped by a migration
     * and counted here; {@code sessionstore:info} shows the count and a migration reports how many
     * it skipped.
     *
     * <p>The default, for backends written before API 1.5, says 0.
     *
     * @return the count so far
     * @since 1.5
     */
    default long unreadableRecords() {
        return 0;
    }

    /**
     * Releases what the store holds (connections, memory). Later calls fail with
     * {@link StoreUnavailableException}. Closing twice does nothing.
     */
    @Override
    void close();
}
