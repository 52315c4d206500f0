package org.sessionstore.redis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

import org.apache.commons.pool2.impl.GenericObjectPool;
import org.sessionstore.api.Ids;
import org.sessionstore.api.Redaction;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.StoreFullException;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.api.TransferableStore;
import org.sessionstore.api.config.Durations;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The redis store. Layout: per session a hash {@code session_prefix+id} that Redis expires at the
 * session's end (capped by {@code ttl}); per state a string {@code state_prefix+state} that
 * expires after {@code state_ttl}; two sorted sets, named exactly {@code session_prefix} and
 * {@code state_prefix} (no id is empty, so they never collide with an entry), index sessions by
 * expiry and states by creation, so counting and cleaning never use KEYS or SCAN. Every write is
 * one Lua script, so it is atomic; a state is consumed by GETDEL in one step.
 *
 * <p>Failures: any connection problem fails the call with {@link StoreUnavailableException}
 * within about {@code timeout}. After a connection failure the idle connections are dropped and
 * the call is tried once more on a fresh one, so the first call after Redis comes back succeeds.
 */
final class RedisSessionStore implements SessionStore, TransferableStore {

    static final int CLEAN_BATCH = 1_000;
    /** Connections batched calls share: enough to keep Redis busy while one lane waits for its replies. */
    static final int LANES = 2;
    private static final System.Logger LOG = System.getLogger("org.sessionstore.redis");
    private static final System.Logger.Level WARNING = System.Logger.Level.WARNING;

    private final RedisConfig config;
    private final Clock clock;
    private final GenericObjectPool<Jedis> pool;
    /** Short calls share round trips here; long ones (cleaning, listing, migration) keep the pool. */
    private final Batcher batcher;
    private volatile boolean closed;
    /** Keys already reported as unreadable (bounded), so a bad record is logged once, not on every read. */
    private final Set<String> reportedUnreadable = ConcurrentHashMap.newKeySet();

    RedisSessionStore(RedisConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.pool = Connections.pool(config);
        this.batcher = new Batcher(Math.min(config.poolSize(), LANES), pool.getFactory(), this::loadScripts, config);
        if (config.tls() && !config.tlsFiles().verifyHostname()) {
            LOG.log(WARNING, "redis at {0}: tls_verify_hostname=false, so any certificate the trusted CAs signed is"
                    + " accepted for this address, whatever host it names", config.addr());
        }
    }

    /**
     * Runs {@code op} on a pooled connection within {@code timeout} in all: the wait for a free
     * connection, a connect, and the command share one deadline (the socket timeout of a borrowed
     * connection is cut to what is left), so a hung Redis with more callers than connections
     * still fails every call within {@code timeout}.
     */
    private <T> T redis(String what, Function<Jedis, T> op) {
        if (closed) {
            throw new StoreUnavailableException("the redis session store is closed; use the store the registry publishes");
        }
        long deadline = System.nanoTime() + config.timeout().toNanos();
        try {
            return once(op, deadline);
        } catch (JedisConnectionException first) {
            pool.clear();
            if (deadline - System.nanoTime() < config.timeout().toNanos() / 2) {
                throw unavailable(what, first);
            }
            try {
                return once(op, deadline);
            } catch (JedisConnectionException second) {
                throw unavailable(what, second);
            } catch (JedisException other) {
                throw translate(what, other);
            }
        } catch (JedisException e) {
            throw translate(what, e);
        }
    }

    /**
     * A short call, sent together with whatever other callers queued meanwhile (see {@link Batcher});
     * the same deadline, retry and error translation as {@link #redis}.
     */
    private <T> T batched(String what, Function<Pipeline, Response<T>> send) {
        return batched(what, send, null, null);
    }

    /** The same, and takes {@code member} out of the index {@code index}, in one ZREM per batch. */
    private <T> T batched(String what, Function<Pipeline, Response<T>> send, String index, String member) {
        if (closed) {
            throw new StoreUnavailableException("the redis session store is closed; use the store the registry publishes");
        }
        long deadline = System.nanoTime() + config.timeout().toNanos();
        try {
            return batcher.call(send, deadline, index, member);
        } catch (JedisConnectionException first) {
            if (deadline - System.nanoTime() < config.timeout().toNanos() / 2) {
                throw unavailable(what, first);
            }
            try {
                return batcher.call(send, deadline, index, member);
            } catch (JedisConnectionException second) {
                throw unavailable(what, second);
            } catch (JedisException other) {
                throw translate(what, other);
            }
        } catch (JedisException e) {
            throw translate(what, e);
        } catch (IllegalStateException e) {
            throw new StoreUnavailableException("the redis session store is closed; use the store the registry publishes");
        }
    }

    /** A script sent batched by its SHA; if the server has lost it (SCRIPT FLUSH), sent in full on the pool. */
    private Object batchedScript(String what, Script script, List<String> keys, List<String> args) {
        try {
            return batched(what, p -> p.evalsha(script.sha(), keys, args));
        } catch (StoreException e) {
            if (e.getMessage() != null && e.getMessage().contains("NOSCRIPT")) {
                return redis(what, j -> script.run(j, keys, args));
            }
            throw e;
        }
    }

    /**
     * Loads the batched scripts on a new batching connection, so they run by SHA from the start.
     * A user whose ACL does not allow SCRIPT LOAD (the README's rules do not) is fine: the first
     * call that meets NOSCRIPT sends the script in full once, and the server keeps it.
     */
    private Void loadScripts(Jedis j) {
        try {
            for (Script s : Script.BATCHED) {
                j.scriptLoad(s.text());
            }
        } catch (JedisDataException refused) {
            // NOPERM: see above
        }
        return null;
    }

    private <T> T once(Function<Jedis, T> op, long deadline) {
        Connections.deadline(deadline);
        Jedis jedis = borrow(deadline);
        boolean broken = false;
        try {
            int left = Connections.leftMillis(config);
            if (jedis.getConnection().getSoTimeout() != left) {
                jedis.getConnection().setSoTimeout(left);
            }
            return op.apply(jedis);
        } catch (JedisConnectionException e) {
            broken = true;
            throw e;
        } finally {
            release(jedis, broken);
        }
    }

    private Jedis borrow(long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new JedisConnectionException("no time left within the timeout");
        }
        try {
            return pool.borrowObject(Duration.ofNanos(left));
        } catch (NoSuchElementException busy) {
            throw new JedisConnectionException("all " + config.poolSize() + " connections (pool_size) stayed busy for the"
                    + " whole timeout");
        } catch (JedisException e) {
            throw e;
        } catch (IllegalStateException e) {
            throw new StoreUnavailableException("the redis session store is closed; use the store the registry publishes");
        } catch (Exception e) {
            throw new JedisConnectionException(e.getMessage(), e);
        }
    }

    private void release(Jedis jedis, boolean broken) {
        try {
            if (broken || jedis.getConnection().isBroken()) {
                pool.invalidateObject(jedis);
            } else {
                pool.returnObject(jedis);
            }
        } catch (Exception e) {
            // the pool is closed, or the connection could not be closed: nothing more to do
        }
    }

    private StoreException translate(String what, JedisException e) {
        if (e instanceof JedisAccessControlException) {
            return new StoreUnavailableException("redis at " + config.addr() + " refused the login for " + what
                    + "; check the redis store keys 'username' and 'password'");
        }
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (m.startsWith("OOM")) {
            return new StoreFullException("redis at " + config.addr() + " is out of memory (maxmemory reached, and its"
                    + " policy evicts nothing), so " + what + " was refused and nothing was written; raise maxmemory, choose"
                    + " an eviction policy such as volatile-ttl, or remove data");
        }
        if (m.startsWith("LOADING") || m.startsWith("BUSY") || m.startsWith("MASTERDOWN") || m.startsWith("TRYAGAIN")
                || m.startsWith("READONLY") || m.startsWith("CLUSTERDOWN")) {
            // the server is up but cannot serve yet (loading its data, failing over): it will recover
            return unavailable(what, e);
        }
        if (e instanceof JedisDataException) {
            return new StoreException("redis at " + config.addr() + " refused " + what + ": " + Redaction.printable(m));
        }
        return unavailable(what, e);
    }

    private StoreUnavailableException unavailable(String what, JedisException e) {
        String why = reason(e);
        if (config.tls() && (why.equals("no answer within the timeout") || why.contains("Broken pipe")
                || why.contains("Connection reset"))) {
            why += " (with tls=true: is the server speaking TLS on this port, and does it accept this client's"
                    + " certificate?)";
        }
        return new StoreUnavailableException("redis at " + config.addr() + " is unavailable for " + what + " (timeout "
                + Durations.format(config.timeout()) + "): " + why, e);
    }

    /** Why a connection failed, in words, without Java class names. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof java.security.cert.CertificateException && (m.contains("No subject alternative")
                    || m.contains("No name matching"))) {
                return "TLS refused: the server's certificate is not issued for this host name or address (" + m
                        + "); use the name the certificate holds in addr";
            }
            if (t instanceof java.security.cert.CertificateExpiredException || m.contains("validity check failed")
                    || m.contains("NotAfter")) {
                return "TLS refused: the server's certificate has expired (or is not valid yet)";
            }
            if (m.contains("PKIX path") || m.contains("unable to find valid certification path")) {
                return "TLS refused: the server's certificate is not signed by a CA this store trusts; give the CA in"
                        + " tls_ca_file";
            }
            if (m.contains("certificate_required") || m.contains("bad_certificate")) {
                return "TLS refused by the server: it requires a client certificate (tls_cert_file, tls_key_file) it"
                        + " trusts";
            }
            if (m.contains("Unsupported or unrecognized SSL message") || m.contains("plaintext connection")) {
                return "TLS failed: the server at this address does not speak TLS";
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException) {
                return "no answer within the timeout";
            }
            if (t instanceof java.net.ConnectException) {
                return "connection refused";
            }
            if (t instanceof java.net.UnknownHostException) {
                return "unknown host";
            }
        }
        String m = String.valueOf(e.getMessage()).replaceAll("(?:[a-z][a-z0-9_]*\\.)+[A-Z]\\w*(?:Exception|Error): ?", "")
                .replaceAll("\\.$", "");
        return Redaction.printable(m.isBlank() ? e.getClass().getSimpleName() : m);
    }

    /**
     * A record that cannot be read is reported (once per key, naming it) and treated as absent,
     * so one bad value neither fails every read of it nor hides what is wrong.
     */
    private <T> Optional<T> unreadable(String key, UnreadableRecord why) {
        if (reportedUnreadable.add(key)) {
            if (reportedUnreadable.size() > 10_000) {
                reportedUnreadable.clear();
            }
            LOG.log(WARNING, "redis key ''{0}'' at {1} holds a record this store cannot read ({2}); it is treated as"
                    + " absent: delete the key, or fix it", Redaction.printable(key), config.addr(), why.getMessage());
        }
        return Optional.empty();
    }

    private String sessionKey(String id) {
        return config.sessionPrefix() + id;
    }

    private String stateKey(String state) {
        return config.statePrefix() + state;
    }

    @Override
    public void addSession(Session session) {
        Ids.requireNonNull(session, "session");
        long now = clock.millis();
        long expiresAt = session.expiresAt().toEpochMilli();
        String id = session.id();
        List<String> keys = List.of(sessionKey(id), config.sessionIndexKey());
        if (expiresAt <= now) {
            redis("removing expired session", j -> Script.REMOVE_SESSION.run(j, keys, List.of(id, Long.toString(now))));
            return;
        }
        long pttl = Math.min(expiresAt - now, config.ttl().toMillis());
        List<String> absent = SessionHash.absent(session);
        List<String> args = new ArrayList<>(22);
        args.add(id);
        args.add(Long.toString(pttl));
        args.add(Long.toString(now + pttl));
        args.add(Integer.toString(absent.size()));
        args.addAll(absent);
        SessionHash.fields(session).forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        batchedScript("adding a session", Script.ADD_SESSION, keys, args);
    }

    @Override
    public Optional<Session> getSession(String id) {
        Ids.require(id, "session id");
        String key = sessionKey(id);
        Map<String, String> hash = batched("reading a session", p -> p.hgetAll(key));
        if (hash.isEmpty()) {
            return Optional.empty();
        }
        Session s;
        try {
            s = SessionHash.session(id, hash);
        } catch (UnreadableRecord e) {
            return unreadable(sessionKey(id), e);
        }
        return s.isExpiredAt(Instant.ofEpochMilli(clock.millis())) ? Optional.empty() : Optional.of(s);
    }

    /**
     * UNLINK and ZREM, sent together, no script: Redis expires a session's key when it ends, so a
     * key that was there held a live session. The deletes of one batch share one ZREM.
     */
    @Override
    public boolean deleteSession(String id) {
        Ids.require(id, "session id");
        String key = sessionKey(id);
        String index = config.sessionIndexKey();
        Long removed = batched("deleting a session", p -> p.unlink(key), index, id);
        return removed != null && removed > 0;
    }

    /**
     * Removes what expired (through the index, in batches), then reconciles the index with the
     * keys: entries whose key is gone — evicted under {@code maxmemory}, or deleted outside the
     * store — are dropped, so {@link #getSessionCount()} is exact afterwards. The reconciliation
     * reads every index entry, in batches of {@value #CLEAN_BATCH} (each a short script, so other
     * clients never wait long): about a second per million sessions. Removed orphans are not
     * counted as expired sessions.
     */
    @Override
    public int cleanExpired() {
        int removed = cleanInBatches(Script.CLEAN_SESSIONS, config.sessionIndexKey(), config.sessionPrefix(),
                clock.millis(), "cleaning expired sessions");
        reconcile(config.sessionIndexKey(), config.sessionPrefix(), "reconciling the session index");
        return removed;
    }

    /** Drops index entries whose key is gone, in bounded batches; returns how many. */
    int reconcile(String index, String prefix, String what) {
        List<String> keys = List.of(index);
        long rank = 0;
        int dropped = 0;
        while (true) {
            long from = rank;
            @SuppressWarnings("unchecked")
            List<Long> r = (List<Long>) redis(what, j -> Script.RECONCILE.run(j, keys,
                    List.of(Long.toString(from), prefix, Integer.toString(CLEAN_BATCH))));
            long checked = r.get(0);
            long gone = r.get(1);
            dropped += (int) gone;
            rank += checked - gone;
            if (checked < CLEAN_BATCH) {
                return dropped;
            }
        }
    }

    private int cleanInBatches(Script script, String index, String prefix, long cutoff, String what) {
        List<String> keys = List.of(index);
        List<String> args = List.of(Long.toString(cutoff), prefix, Integer.toString(CLEAN_BATCH));
        int total = 0;
        while (true) {
            // batches keep each script short, so other clients are never blocked for long
            long n = (Long) redis(what, j -> script.run(j, keys, args));
            total += (int) n;
            if (n < CLEAN_BATCH) {
                return total;
            }
        }
    }

    @Override
    public Optional<String> getField(String id, String field) {
        Ids.require(id, "session id");
        Session.requireField(field);
        String key = sessionKey(id);
        List<String> values = batched("reading a session field", p -> p.hmget(key, field, "expires_at", "v"));
        if (values.get(1) == null && values.get(0) == null) {
            return Optional.empty();
        }
        try {
            SessionHash.checkVersion(values.get(2));
            if (SessionHash.expiresAt(values.get(1)) <= clock.millis()) {
                return Optional.empty();
            }
        } catch (UnreadableRecord e) {
            return unreadable(sessionKey(id), e);
        }
        return Optional.ofNullable(values.get(0));
    }

    @Override
    public long getSessionCount() {
        String now = Long.toString(clock.millis());
        String index = config.sessionIndexKey();
        return batched("counting sessions", p -> p.zcount(index, "(" + now, "+inf"));
    }

    @Override
    public boolean sessionExists(String id) {
        Ids.require(id, "session id");
        String key = sessionKey(id);
        List<String> values = batched("checking a session", p -> p.hmget(key, "expires_at", "v"));
        if (values.get(0) == null) {
            return false;
        }
        try {
            SessionHash.checkVersion(values.get(1));
            return SessionHash.expiresAt(values.get(0)) > clock.millis();
        } catch (UnreadableRecord e) {
            return unreadable(sessionKey(id), e).isPresent();
        }
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl,
            String codeVerifier) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        long now = clock.millis();
        String value = StateJson.write(new StateEntry(state, Instant.ofEpochMilli(now), userAgent, requestUrl,
                upstreamUrl, codeVerifier));
        List<String> keys = List.of(stateKey(state), config.stateIndexKey());
        List<String> args = List.of(state, value, Long.toString(config.stateTtl().toMillis()), Long.toString(now));
        batchedScript("adding a state", Script.ADD_STATE, keys, args);
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        // GETDEL alone is the one step that decides who gets the state; the ZREM beside it only tidies the index
        String key = stateKey(state);
        String index = config.stateIndexKey();
        String raw = batched("consuming a state", p -> p.getDel(key), index, state);
        if (raw == null) {
            return Optional.empty();
        }
        StateEntry e;
        try {
            e = StateJson.read(state, raw);
        } catch (UnreadableRecord bad) {
            return unreadable(stateKey(state), bad); // consumed all the same: a state gets one try
        }
        boolean fresh = e.createdAt().plus(config.stateTtl()).toEpochMilli() > clock.millis();
        return fresh && e.userAgent().equals(userAgent) ? Optional.of(e) : Optional.empty();
    }

    @Override
    public int cleanExpiredStates(Duration maxAge) {
        Ids.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative: " + maxAge);
        }
        // older than maxAge, and in any case past state_ttl
        long age = Math.min(maxAge.toMillis(), config.stateTtl().toMillis());
        int removed = cleanInBatches(Script.CLEAN_STATES, config.stateIndexKey(), config.statePrefix(),
                clock.millis() - age, "cleaning old states");
        reconcile(config.stateIndexKey(), config.statePrefix(), "reconciling the state index");
        return removed;
    }

    @Override
    public Optional<Duration> stateTtl() {
        return Optional.of(config.stateTtl());
    }

    static final int PAGE = 1_000;

    /** Pages through the session index (live scores only), reading each page's hashes in one pipeline. */
    @Override
    public Stream<Session> liveSessions() {
        String from = "(" + clock.millis();
        return Stream.iterate(0, offset -> offset + PAGE)
                .map(offset -> redis("listing sessions", j -> {
                    List<String> ids = j.zrangeByScore(config.sessionIndexKey(), from, "+inf", offset, PAGE);
                    Pipeline p = j.pipelined();
                    List<Response<Map<String, String>>> hashes = new ArrayList<>();
                    for (String id : ids) {
                        hashes.add(p.hgetAll(sessionKey(id)));
                    }
                    p.sync();
                    List<Session> page = new ArrayList<>();
                    for (int i = 0; i < ids.size(); i++) {
                        Map<String, String> h = hashes.get(i).get();
                        if (!h.isEmpty()) {
                            try {
                                page.add(SessionHash.session(ids.get(i), h));
                            } catch (UnreadableRecord e) {
                                unreadable(sessionKey(ids.get(i)), e);
                            }
                        }
                    }
                    return ids.isEmpty() ? null : page;
                }))
                .takeWhile(page -> page != null)
                .flatMap(List::stream)
                .filter(s -> !s.isExpiredAt(Instant.ofEpochMilli(clock.millis())));
    }

    @Override
    public Stream<StateEntry> liveStates() {
        String from = "(" + (clock.millis() - config.stateTtl().toMillis());
        List<StateEntry> all = redis("listing states", j -> {
            List<String> states = j.zrangeByScore(config.stateIndexKey(), from, "+inf");
            Pipeline p = j.pipelined();
            List<Response<String>> values = new ArrayList<>();
            for (String st : states) {
                values.add(p.get(stateKey(st)));
            }
            p.sync();
            List<StateEntry> out = new ArrayList<>();
            for (int i = 0; i < states.size(); i++) {
                String v = values.get(i).get();
                if (v != null) {
                    try {
                        out.add(StateJson.read(states.get(i), v));
                    } catch (UnreadableRecord e) {
                        unreadable(stateKey(states.get(i)), e);
                    }
                }
            }
            return out;
        });
        return all.stream();
    }

    @Override
    public void importState(StateEntry entry) {
        Ids.requireNonNull(entry, "entry");
        long created = entry.createdAt().toEpochMilli();
        long pttl = created + config.stateTtl().toMillis() - clock.millis();
        if (pttl <= 0) {
            return;
        }
        List<String> keys = List.of(stateKey(entry.state()), config.stateIndexKey());
        // ADD_STATE trims index entries older than (createdAt - pttl); with the remaining pttl that keeps live ones
        List<String> args = List.of(entry.state(), StateJson.write(entry), Long.toString(pttl), Long.toString(created));
        redis("importing a state", j -> Script.ADD_STATE.run(j, keys, args));
    }

    /** Its data lives in Redis, where an upgraded successor finds it: nothing to hand over. */
    @Override
    public boolean handOffOnUpgrade() {
        return false;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            batcher.close();
            pool.close();
        }
    }

    @Override
    public String toString() {
        return "RedisSessionStore[" + config + (closed ? ", closed" : "") + "]";
    }
}
