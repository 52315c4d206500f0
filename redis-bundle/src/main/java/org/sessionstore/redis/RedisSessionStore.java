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
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisRedirectionException;
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
    private static final System.Logger LOG = System.getLogger("org.sessionstore.redis");
    private static final System.Logger.Level WARNING = System.Logger.Level.WARNING;
    private static final System.Logger.Level INFO = System.Logger.Level.INFO;

    private final RedisConfig config;
    private final Clock clock;
    /** Key names: one server's layout, or the cluster's buckets. */
    private final Layout layout;
    /** Which primary serves a key; each has a pool (long work) and a batcher (short calls). */
    private final Topology topology;
    private volatile boolean closed;
    /** Keys already reported as unreadable (bounded), so a bad record is logged once, not on every read. */
    private final Set<String> reportedUnreadable = ConcurrentHashMap.newKeySet();
    /** Unreadable records met, for {@link #unreadableRecords()}. */
    private final java.util.concurrent.atomic.LongAdder unreadableCount = new java.util.concurrent.atomic.LongAdder();

    RedisSessionStore(RedisConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.layout = new Layout(config.sessionPrefix(), config.statePrefix(), config.mode() == RedisConfig.Mode.CLUSTER);
        this.topology = Topology.of(config, this::loadScripts);
        if (config.tls() && !config.tlsFiles().verifyHostname()) {
            LOG.log(WARNING, "redis at {0}: tls_verify_hostname=false, so any certificate the trusted CAs signed is"
                    + " accepted for this address, whatever host it names", config.addr());
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreUnavailableException("the redis session store is closed; use the store the registry publishes");
        }
    }

    /**
     * Whether a failure says the topology may have changed, so the call is worth one more try on
     * whatever primary serves the key then: a broken connection, a node that became a replica
     * (READONLY), a slot that moved (MOVED, ASK) or a cluster that is electing a new primary.
     */
    private static boolean movedOrDown(JedisException e) {
        if (e instanceof Batcher.Interrupted) {
            return false; // its command may have been sent: never twice
        }
        if (e instanceof JedisConnectionException || e instanceof JedisRedirectionException) {
            return true;
        }
        String m = String.valueOf(e.getMessage());
        return m.startsWith("READONLY") || m.startsWith("CLUSTERDOWN") || m.startsWith("TRYAGAIN")
                || m.startsWith("MASTERDOWN");
    }

    /**
     * Runs {@code op} on a pooled connection of the primary that serves {@code key}, within
     * {@code timeout} in all: the wait for a free connection, a connect, and the command share one
     * deadline (the socket timeout of a borrowed connection is cut to what is left), so a hung
     * Redis with more callers than connections still fails every call within {@code timeout}. A
     * failure that says the topology changed is tried once more (if half the time is left) on the
     * primary that serves the key then.
     */
    private <T> T redis(String what, String key, Function<Jedis, T> op) {
        ensureOpen();
        long deadline = System.nanoTime() + config.timeout().toNanos();
        Connections.deadline(deadline); // a topology lookup on the way works within it too
        for (int attempt = 1;; attempt++) {
            try {
                return on(key, op, deadline);
            } catch (JedisException e) {
                if (!again(e, attempt, deadline)) {
                    throw translate(what, e);
                }
            }
        }
    }

    /**
     * Whether a failed try is tried again, within the call's deadline: one that says the topology
     * changed (a broken connection, a moved slot, a read-only former primary) up to twice while a
     * quarter of the time is left, the topology having been read again; one that says a slot is
     * being moved ({@code TRYAGAIN}, a multi-key script while its keys are split between two
     * nodes) or the cluster is electing ({@code CLUSTERDOWN}) after a pause of up to 50 ms, while
     * time is left. An interrupted call never.
     */
    private boolean again(JedisException e, int attempt, long deadline) {
        if (!movedOrDown(e)) {
            return false;
        }
        long left = deadline - System.nanoTime();
        String m = String.valueOf(e.getMessage());
        if (m.startsWith("TRYAGAIN") || m.startsWith("CLUSTERDOWN")) {
            long pause = Math.min(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50), left / 4);
            if (pause < java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1)) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(pause);
            return !Thread.currentThread().isInterrupted() && deadline - System.nanoTime() > 0;
        }
        return attempt < 3 && left >= config.timeout().toNanos() / 4;
    }

    /** One try on the primary of {@code key}; a redirection to another node (ASK) is followed there. */
    private <T> T on(String key, Function<Jedis, T> op, long deadline) {
        Node node = topology.node(key);
        try {
            return once(node, op, deadline, false);
        } catch (JedisAskDataException ask) {
            // the slot is moving: this key is already on the target node, which answers after ASKING
            Node target = topology.nodeAt(new RedisConfig.Address(ask.getTargetNode().getHost(), ask.getTargetNode().getPort()));
            return once(target, op, deadline, true);
        } catch (JedisException e) {
            if (movedOrDown(e)) {
                topology.failed(node, e);
            }
            throw e;
        }
    }

    /**
     * A short call, sent together with whatever other callers of the same primary queued
     * meanwhile (see {@link Batcher}); the same deadline, retry and error translation as {@link #redis}.
     */
    private <T> T batched(String what, String key, Function<Pipeline, Response<T>> send) {
        return batched(what, key, send, null, null, false);
    }

    /**
     * The same; takes {@code member} out of the index {@code index} (one ZREM per batch), and, if
     * {@code durable}, returns only once {@code min_replicas_ack} replicas confirmed it.
     */
    private <T> T batched(String what, String key, Function<Pipeline, Response<T>> send, String index, String member,
            boolean durable) {
        ensureOpen();
        long deadline = System.nanoTime() + config.timeout().toNanos();
        Connections.deadline(deadline); // a topology lookup on the way works within it too
        for (int attempt = 1;; attempt++) {
            JedisException failed;
            try {
                return batchedOn(key, send, index, member, durable, deadline);
            } catch (JedisException e) {
                failed = e;
            } catch (IllegalStateException closedMeanwhile) {
                ensureOpen();
                failed = new JedisConnectionException("the node was replaced", closedMeanwhile);
            }
            if (!again(failed, attempt, deadline)) {
                throw translate(what, failed);
            }
            Connections.deadline(deadline);
        }
    }

    private <T> T batchedOn(String key, Function<Pipeline, Response<T>> send, String index, String member,
            boolean durable, long deadline) {
        Node node = topology.node(key);
        try {
            return node.batcher(durable && config.minReplicasAck() > 0).call(send, deadline, index, member, durable);
        } catch (JedisAskDataException ask) {
            // a slot on the move: this one call goes, unbatched, to where the key is now
            Node target = topology.nodeAt(new RedisConfig.Address(ask.getTargetNode().getHost(), ask.getTargetNode().getPort()));
            return once(target, j -> {
                Pipeline p = j.pipelined();
                Response<T> r = send.apply(p);
                if (index != null) {
                    p.zrem(index, member);
                }
                p.sync();
                T value = r.get();
                if (durable) {
                    awaitReplicas(j);
                }
                return value;
            }, deadline, true);
        } catch (JedisException e) {
            if (movedOrDown(e)) {
                topology.failed(node, e);
            }
            throw e;
        }
    }

    /** With {@code min_replicas_ack}: WAIT on this connection, failing if too few replicas confirm in time. */
    private void awaitReplicas(Jedis j) {
        int wanted = config.minReplicasAck();
        if (wanted > 0) {
            long waited = Batcher.waitMillis(Connections.leftMillis(config));
            long acked = waited > 0 ? j.waitReplicas(wanted, waited) : 0;
            if (acked < wanted) {
                throw new Batcher.NotReplicated(acked, wanted, waited);
            }
        }
    }

    /** A script sent batched by its SHA; if the server has lost it (SCRIPT FLUSH), sent in full on the pool. */
    private Object batchedScript(String what, Script script, List<String> keys, List<String> args) {
        try {
            return batched(what, keys.get(0), p -> p.evalsha(script.sha(), keys, args), null, null, true);
        } catch (StoreException e) {
            if (e.getMessage() != null && e.getMessage().contains("NOSCRIPT")) {
                return redis(what, keys.get(0), j -> {
                    Object r = script.run(j, keys, args);
                    awaitReplicas(j);
                    return r;
                });
            }
            throw e;
        }
    }

    /**
     * Loads the batched scripts on a new connection, so they run by SHA from the start. A user
     * whose ACL does not allow SCRIPT LOAD (the README's rules do not) is fine: the first call
     * that meets NOSCRIPT sends the script in full once, and the server keeps it.
     */
    private Void loadScripts(Jedis j) {
        try {
            for (Script s : Script.BATCHED) {
                j.scriptLoad(s.text());
            }
        } catch (JedisDataException refused) {
            // NOPERM: see above
        }
        checkEvictionPolicy(j);
        return null;
    }

    /** The server's maxmemory-policy as read on the last new connection, for the refusal message; null if unknown. */
    private volatile String evictionPolicy;
    private final java.util.concurrent.atomic.AtomicBoolean policyChecked = new java.util.concurrent.atomic.AtomicBoolean();

    /** The policies under which states can never push sessions out: see the README, "maxmemory". */
    static final Set<String> GOOD_POLICIES = Set.of("volatile-ttl", "noeviction");

    /**
     * Reads the server's eviction policy once ({@code INFO memory}) and warns when, with a
     * {@code maxmemory} set, it is one under which sessions in use can be evicted before states:
     * {@code volatile-ttl} evicts the keys closest to their end first (states, then sessions about
     * to end), {@code noeviction} refuses writes instead; an {@code allkeys-*} policy can evict an
     * index, and {@code volatile-lru}/{@code -lfu}/{@code -random} evict sessions in use.
     */
    private void checkEvictionPolicy(Jedis j) {
        String info;
        try {
            info = j.info("memory");
        } catch (JedisDataException refused) {
            if (policyChecked.compareAndSet(false, true)) {
                LOG.log(INFO, "redis at {0}: the eviction policy cannot be checked (INFO is not allowed for this user;"
                        + " add +info to its ACL to have it checked)", config.addr());
            }
            return;
        } catch (RuntimeException e) {
            return; // the connection's own failure: the next new connection reads it
        }
        String policy = null;
        long maxmemory = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("maxmemory_policy:")) {
                policy = line.substring("maxmemory_policy:".length()).trim();
            } else if (line.startsWith("maxmemory:")) {
                try {
                    maxmemory = Long.parseLong(line.substring("maxmemory:".length()).trim());
                } catch (NumberFormatException ignored) {
                    // left at 0
                }
            }
        }
        String before = evictionPolicy;
        evictionPolicy = policy;
        // read on every new connection (after a restart, a failover), warned about once per policy
        if (policy != null && maxmemory > 0 && !GOOD_POLICIES.contains(policy) && !policy.equals(before)) {
            LOG.log(WARNING, "redis at {0} runs maxmemory-policy {1} with maxmemory {2} bytes: when memory runs out, "
                    + (policy.startsWith("allkeys") ? "it may evict the store's indexes (counting and cleaning then miss"
                            + " entries)" : "it may evict sessions in use before states")
                    + "; use volatile-ttl (states and sessions closest to their end go first) or noeviction (new"
                    + " entries are refused instead)", config.addr(), Redaction.printable(policy), Long.toString(maxmemory));
        }
    }

    /** Why Redis refused a write for want of memory, in words that fit its policy. */
    private String outOfMemory() {
        String p = evictionPolicy;
        if (p == null) {
            return "maxmemory reached and nothing could be evicted";
        }
        if (p.equals("noeviction")) {
            return "maxmemory reached, and its policy noeviction evicts nothing";
        }
        if (p.startsWith("volatile")) {
            return "maxmemory reached, and its policy " + Redaction.printable(p) + " evicts only keys with a TTL, of"
                    + " which none is left: what fills it are keys without one";
        }
        return "maxmemory reached, and its policy " + Redaction.printable(p) + " found nothing it could evict";
    }

    private <T> T once(Node node, Function<Jedis, T> op, long deadline, boolean asking) {
        Connections.deadline(deadline);
        Jedis jedis = borrow(node, deadline);
        // only a reply read in full (a value, or an error reply) leaves the connection fit to reuse;
        // anything else (a broken connection, any throwable half-way through a pipeline) drops it,
        // so no later call ever reads a reply meant for this one
        boolean inStep = false;
        try {
            int left = Connections.leftMillis(config);
            Connections.bound(jedis, left);
            if (asking) {
                jedis.asking();
            }
            T result = op.apply(jedis);
            inStep = true;
            return result;
        } catch (JedisDataException e) {
            inStep = true; // an error reply, read in full
            throw e;
        } finally {
            release(node, jedis, !inStep);
        }
    }

    private Jedis borrow(Node node, long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new JedisConnectionException("no time left within the timeout");
        }
        try {
            return node.pool.borrowObject(Duration.ofNanos(left));
        } catch (NoSuchElementException busy) {
            throw new JedisConnectionException("all " + config.poolSize() + " connections (pool_size) stayed busy for the"
                    + " whole timeout");
        } catch (JedisException e) {
            throw e;
        } catch (IllegalStateException e) {
            ensureOpen();
            throw new JedisConnectionException("the connections to " + node + " were closed (the primary changed)", e);
        } catch (Exception e) {
            throw new JedisConnectionException(e.getMessage(), e);
        }
    }

    private static void release(Node node, Jedis jedis, boolean broken) {
        try {
            if (broken || jedis.getConnection().isBroken()) {
                node.pool.invalidateObject(jedis);
            } else {
                node.pool.returnObject(jedis);
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
            return new StoreFullException("redis at " + config.addr() + " is out of memory (" + outOfMemory() + "), so "
                    + what + " was refused and nothing was written; raise maxmemory, or remove data");
        }
        if (e instanceof Batcher.NotReplicated) {
            return new StoreUnavailableException("redis at " + config.addr() + ": " + what + " reached the primary, but "
                    + m.substring("NOTREPLICATED ".length()) + ", so it is reported as failed: a failover now could lose"
                    + " it; check the replicas (INFO replication), or lower min_replicas_ack");
        }
        if (m.startsWith("LOADING") || m.startsWith("BUSY") || m.startsWith("MASTERDOWN") || m.startsWith("TRYAGAIN")
                || m.startsWith("READONLY") || m.startsWith("CLUSTERDOWN") || e instanceof JedisRedirectionException) {
            // the server is up but cannot serve yet (loading its data, failing over, moving slots): it will recover
            return unavailable(what, e);
        }
        if (m.startsWith("WRONGTYPE")) {
            return new WrongType("redis at " + config.addr() + " refused " + what + ": " + Redaction.printable(m));
        }
        if (e instanceof JedisDataException) {
            return new StoreException("redis at " + config.addr() + " refused " + what + ": " + Redaction.printable(m));
        }
        return unavailable(what, e);
    }

    /** A key holds a value of another type than this store writes there: a read treats it as an unreadable record. */
    static final class WrongType extends StoreException {
        private static final long serialVersionUID = 1L;

        WrongType(String message) {
            super(message);
        }
    }

    private static final UnreadableRecord OTHER_TYPE = new UnreadableRecord("it holds a value of another type than this"
            + " store writes there");

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
        unreadableCount.increment();
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
        return layout.sessionKey(id);
    }

    private String stateKey(String state) {
        return layout.stateKey(state);
    }

    @Override
    public void addSession(Session session) {
        Ids.requireNonNull(session, "session");
        long now = clock.millis();
        long expiresAt = session.expiresAt().toEpochMilli();
        String id = session.id();
        List<String> keys = List.of(sessionKey(id), layout.sessionIndex(id));
        if (expiresAt <= now) {
            List<String> removeKeys = keys;
            redis("removing expired session", keys.get(0), j -> Script.REMOVE_SESSION.run(j, removeKeys,
                    List.of(id, Long.toString(now))));
            return;
        }
        long pttl = Math.min(expiresAt - now, config.ttl().toMillis());
        if (session.sub() != null) {
            if (layout.cluster()) {
                // the subject's key lies in another slot: noted first, so a live session is always under its subject
                String subject = layout.subjectKey(session.sub());
                batchedScript("adding a session", Script.ADD_SUBJECT, List.of(subject),
                        List.of(id, Long.toString(now + pttl), Long.toString(now), Long.toString(pttl)));
            } else {
                keys = List.of(keys.get(0), keys.get(1), layout.subjectKey(session.sub()));
            }
        }
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
        Map<String, String> hash;
        try {
            hash = batched("reading a session", key, p -> p.hgetAll(key));
        } catch (WrongType e) {
            return unreadable(key, OTHER_TYPE);
        }
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
        String index = layout.sessionIndex(id);
        Long removed = batched("deleting a session", key, p -> p.unlink(key), index, id, true);
        return removed != null && removed > 0;
    }

    /**
     * Reads the subject's set of session ids (those not yet expired) and removes each session whose
     * {@code sub} is still this subject, with its index entry, in one step per session. The set is
     * written before (in a cluster) or with (on one server) each session, so every session of the
     * subject added before this call is in it. Entries of sessions deleted otherwise stay in the
     * set until they expire (each add prunes expired ones); they cost a check here.
     */
    @Override
    public int deleteSessionsBySubject(String sub) {
        Ids.requireSubject(sub);
        String subject = layout.subjectKey(sub);
        long now = clock.millis();
        List<String> ids = redis("reading the sessions of a subject", subject,
                j -> j.zrangeByScore(subject, "(" + now, "+inf"));
        // one pipeline per primary (the script sent in full: Redis keeps it after the first, and
        // the README's ACL user needs no SCRIPT LOAD); an entry whose slot is moving is tried on its own
        Map<String, String> idOfKey = new java.util.HashMap<>();
        for (String id : ids) {
            idOfKey.put(sessionKey(id), id);
        }
        int removed = 0;
        List<String> alone = new ArrayList<>();
        for (List<String> keys : byNode(new ArrayList<>(idOfKey.keySet())).values()) {
            for (int from = 0; from < keys.size(); from += PAGE) {
                List<String> page = keys.subList(from, Math.min(keys.size(), from + PAGE));
                int[] done = {0};
                List<String> retry = new ArrayList<>();
                redis("revoking sessions", page.get(0), j -> {
                    done[0] = 0;
                    retry.clear();
                    Pipeline p = j.pipelined();
                    List<Response<Object>> replies = new ArrayList<>(page.size());
                    for (String key : page) {
                        String id = idOfKey.get(key);
                        replies.add(p.eval(Script.REVOKE_SESSION.text(), List.of(key, layout.sessionIndex(id)),
                                List.of(id, sub)));
                    }
                    p.sync();
                    for (int i = 0; i < page.size(); i++) {
                        try {
                            if (replies.get(i).get() instanceof Long n && n > 0) {
                                done[0]++;
                            }
                        } catch (JedisDataException moved) {
                            retry.add(page.get(i));
                        }
                    }
                    awaitReplicas(j);
                    return null;
                });
                removed += done[0];
                alone.addAll(retry);
            }
        }
        for (String key : alone) {
            String id = idOfKey.get(key);
            List<String> keys = List.of(key, layout.sessionIndex(id));
            Object r = redis("revoking a session", key, j -> {
                Object done = Script.REVOKE_SESSION.run(j, keys, List.of(id, sub));
                awaitReplicas(j);
                return done;
            });
            if (r instanceof Long n && n > 0) {
                removed++;
            }
        }
        return removed;
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
        return cleanEachIndex(layout.sessionIndexes(), Script.CLEAN_SESSIONS, clock.millis(), "cleaning expired sessions",
                "reconciling the session index");
    }

    /**
     * Cleans below {@code cutoff} and reconciles each of {@code indexes}: one (one server), or one per
     * bucket (cluster), each bucket's prefix its index's name. On one server the first failure ends
     * the work; in a cluster the other buckets go on (a bucket whose slot is being moved must not stop
     * them) and the first failure is thrown at the end.
     */
    private int cleanEachIndex(List<String> indexes, Script script, long cutoff, String cleaning, String reconciling) {
        int removed = 0;
        StoreException failed = null;
        for (String index : indexes) {
            try {
                removed += cleanInBatches(script, index, index, cutoff, cleaning);
                reconcile(index, index, reconciling);
            } catch (StoreException e) {
                if (!layout.cluster()) {
                    throw e;
                }
                failed = failed != null ? failed : e;
            }
        }
        if (failed != null) {
            throw failed;
        }
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
            List<Long> r = (List<Long>) redis(what, index, j -> Script.RECONCILE.run(j, keys,
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
            long n = (Long) redis(what, index, j -> script.run(j, keys, args));
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
        List<String> values;
        try {
            values = batched("reading a session field", key, p -> p.hmget(key, field, "expires_at", "v"));
        } catch (WrongType e) {
            return unreadable(key, OTHER_TYPE);
        }
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
        String from = "(" + clock.millis();
        if (!layout.cluster()) {
            String index = config.sessionIndexKey();
            return batched("counting sessions", index, p -> p.zcount(index, from, "+inf"));
        }
        // one pipeline of ZCOUNTs per primary, over the buckets it holds
        long total = 0;
        for (Map.Entry<Node, List<String>> e : byNode(layout.sessionIndexes()).entrySet()) {
            List<String> indexes = e.getValue();
            long[] sum = {0};
            List<String> elsewhere = redis("counting sessions", indexes.get(0), j -> {
                Pipeline p = j.pipelined();
                List<Response<Long>> counts = new ArrayList<>(indexes.size());
                for (String index : indexes) {
                    counts.add(p.zcount(index, from, "+inf"));
                }
                p.sync();
                List<String> moved = new ArrayList<>();
                for (int i = 0; i < counts.size(); i++) {
                    try {
                        sum[0] += counts.get(i).get();
                    } catch (JedisDataException redirected) {
                        moved.add(indexes.get(i)); // its slot is moving, or moved: asked on its own below
                    }
                }
                return moved;
            });
            total += sum[0];
            for (String index : elsewhere) {
                total += redis("counting sessions", index, j -> j.zcount(index, from, "+inf"));
            }
        }
        return total;
    }

    @Override
    public boolean sessionExists(String id) {
        Ids.require(id, "session id");
        String key = sessionKey(id);
        List<String> values;
        try {
            values = batched("checking a session", key, p -> p.hmget(key, "expires_at", "v"));
        } catch (WrongType e) {
            return unreadable(key, OTHER_TYPE).isPresent();
        }
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
        addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier, null);
    }

    /**
     * One script writes the state and its index entry, drops what expired, and keeps the index at
     * {@code max_states} (in a cluster, each bucket at its share) and the client's own set at
     * {@code max_states_per_client}, the oldest going first: a flood of states never grows memory
     * beyond those bounds, so it cannot push sessions out under any eviction policy. In a cluster
     * the client's set lies in another slot: it is written in a step of its own, which returns the
     * states it pushed out, and those are removed where they lie.
     */
    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier,
            String client) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        if (client != null) {
            Ids.require(client, "client");
        }
        long now = clock.millis();
        boolean perClient = client != null && config.maxStatesPerClient() > 0;
        String value = StateJson.write(new StateEntry(state, Instant.ofEpochMilli(now), userAgent, requestUrl,
                upstreamUrl, codeVerifier), perClient ? client : null);
        String index = layout.stateIndex(state);
        List<String> keys = perClient && !layout.cluster() ? List.of(stateKey(state), index, layout.clientKey(client))
                : List.of(stateKey(state), index);
        long pttl = config.stateTtl().toMillis();
        List<String> args = List.of(state, value, Long.toString(pttl), Long.toString(now), Long.toString(stateCap()),
                Long.toString(config.maxStatesPerClient()), index, layout.cluster() ? "" : layout.clientPrefix());
        Object pushedOut = batchedScript("adding a state", Script.ADD_STATE, keys, args);
        if (layout.cluster()) {
            // states the index's bound pushed out: their entries in their clients' sets (other slots) go too
            List<String> pairs = strings(pushedOut);
            for (int i = 0; i + 1 < pairs.size(); i += 2) {
                String clientKey = layout.clientKey(pairs.get(i));
                String old = pairs.get(i + 1);
                redis("dropping a state's client entry", clientKey, j -> j.zrem(clientKey, old));
            }
            if (perClient) {
                Object out = batchedScript("adding a state", Script.ADD_CLIENT_STATE, List.of(layout.clientKey(client)),
                        List.of(state, Long.toString(now), Long.toString(pttl), Long.toString(config.maxStatesPerClient())));
                for (String old : strings(out)) {
                    String oldKey = stateKey(old);
                    batched("dropping a client's oldest state", oldKey, p -> p.unlink(oldKey), layout.stateIndex(old), old,
                            true);
                }
            }
        }
    }

    /** The most states an index keeps: max_states, or in a cluster each bucket's share. */
    private long stateCap() {
        return layout.cluster() ? (config.maxStates() + Layout.CLUSTER_BUCKETS - 1) / Layout.CLUSTER_BUCKETS
                : config.maxStates();
    }

    private static List<String> strings(Object reply) {
        List<String> out = new ArrayList<>();
        if (reply instanceof List<?> list) {
            for (Object o : list) {
                out.add(o instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(o));
            }
        }
        return out;
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
        return validateAndRemoveState(state, userAgent, () -> { });
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent, Runnable onMismatch) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        Ids.requireNonNull(onMismatch, "onMismatch");
        // GETDEL alone is the one step that decides who gets the state; the ZREM beside it only tidies the index
        // with min_replicas_ack, the consumption itself is confirmed by replicas before the state is
        // handed out: a primary that fails right after cannot be replaced by one that still has it
        String key = stateKey(state);
        String index = layout.stateIndex(state);
        String raw;
        try {
            raw = batched("consuming a state", key, p -> p.getDel(key), index, state, true);
        } catch (WrongType e) {
            return unreadable(key, OTHER_TYPE);
        }
        if (raw == null) {
            return Optional.empty();
        }
        String client = config.maxStatesPerClient() > 0 ? StateJson.client(raw) : null;
        if (client != null) {
            // its entry in its client's set goes with it, so the sets hold no more than the pending states
            String clientKey = layout.clientKey(client);
            batched("consuming a state", clientKey, p -> p.zrem(clientKey, state));
        }
        StateEntry e;
        try {
            e = StateJson.read(state, raw);
        } catch (UnreadableRecord bad) {
            return unreadable(stateKey(state), bad); // consumed all the same: a state gets one try
        }
        if (e.createdAt().plus(config.stateTtl()).toEpochMilli() <= clock.millis()) {
            return Optional.empty(); // too old: consumed all the same
        }
        if (!e.userAgent().equals(userAgent)) {
            onMismatch.run();
            return Optional.empty();
        }
        return Optional.of(e);
    }

    @Override
    public int cleanExpiredStates(Duration maxAge) {
        Ids.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative: " + maxAge);
        }
        // older than maxAge, and in any case past state_ttl
        long age = Math.min(maxAge.toMillis(), config.stateTtl().toMillis());
        return cleanEachIndex(layout.stateIndexes(), Script.CLEAN_STATES, clock.millis() - age, "cleaning old states",
                "reconciling the state index");
    }

    @Override
    public long unreadableRecords() {
        return unreadableCount.sum();
    }

    @Override
    public Optional<Duration> stateTtl() {
        return Optional.of(config.stateTtl());
    }

    static final int PAGE = 1_000;

    /**
     * Pages through each session index (live scores only), reading each page's hashes in one
     * pipeline. In a cluster, an entry whose slot is being moved (or has moved) is read again on
     * its own, after the page, where it is now: a resharding never hides a session from a listing.
     */
    @Override
    public Stream<Session> liveSessions() {
        String from = "(" + clock.millis();
        return layout.sessionIndexes().stream().flatMap(index -> Stream.iterate(0, offset -> offset + PAGE)
                .map(offset -> {
                    Map<String, Map<String, String>> read = new java.util.LinkedHashMap<>();
                    List<String> ids = redis("listing sessions", index, j -> {
                        read.clear();
                        List<String> page = j.zrangeByScore(index, from, "+inf", offset, PAGE);
                        Pipeline p = j.pipelined();
                        List<Response<Map<String, String>>> hashes = new ArrayList<>();
                        for (String id : page) {
                            hashes.add(p.hgetAll(index + id));
                        }
                        p.sync();
                        for (int i = 0; i < page.size(); i++) {
                            try {
                                read.put(page.get(i), hashes.get(i).get());
                            } catch (JedisDataException moved) {
                                read.put(page.get(i), null); // read on its own below
                            }
                        }
                        return page;
                    });
                    if (ids.isEmpty()) {
                        return null;
                    }
                    List<Session> sessions = new ArrayList<>();
                    read.forEach((id, h) -> {
                        String key = index + id;
                        Map<String, String> hash;
                        try {
                            hash = h != null ? h : redis("listing sessions", key, k -> k.hgetAll(key));
                        } catch (WrongType e) {
                            unreadable(key, OTHER_TYPE);
                            return;
                        }
                        if (!hash.isEmpty()) {
                            try {
                                sessions.add(SessionHash.session(id, hash));
                            } catch (UnreadableRecord e) {
                                unreadable(key, e);
                            }
                        }
                    });
                    return sessions;
                })
                .takeWhile(page -> page != null)
                .flatMap(List::stream))
                .filter(s -> !s.isExpiredAt(Instant.ofEpochMilli(clock.millis())));
    }

    @Override
    public Stream<StateEntry> liveStates() {
        String from = "(" + (clock.millis() - config.stateTtl().toMillis());
        List<StateEntry> all = new ArrayList<>();
        for (String index : layout.stateIndexes()) {
            Map<String, String> read = new java.util.LinkedHashMap<>();
            redis("listing states", index, j -> {
                read.clear();
                List<String> states = j.zrangeByScore(index, from, "+inf");
                Pipeline p = j.pipelined();
                List<Response<String>> values = new ArrayList<>();
                for (String st : states) {
                    values.add(p.get(index + st));
                }
                p.sync();
                for (int i = 0; i < states.size(); i++) {
                    String v;
                    try {
                        v = values.get(i).get();
                        v = v == null ? "" : v;
                    } catch (JedisDataException moved) {
                        v = null; // read on its own below
                    }
                    read.put(states.get(i), v);
                }
                return null;
            });
            read.forEach((st, value) -> {
                String key = index + st;
                String v;
                try {
                    v = value != null ? value : redis("listing states", key, k -> k.get(key));
                } catch (WrongType e) {
                    unreadable(key, OTHER_TYPE);
                    return;
                }
                if (v != null && !v.isEmpty()) {
                    try {
                        all.add(StateJson.read(st, v));
                    } catch (UnreadableRecord e) {
                        unreadable(key, e);
                    }
                }
            });
        }
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
        List<String> keys = List.of(stateKey(entry.state()), layout.stateIndex(entry.state()));
        // ADD_STATE trims index entries older than (createdAt - pttl); with the remaining pttl that keeps live ones
        List<String> args = List.of(entry.state(), StateJson.write(entry), Long.toString(pttl), Long.toString(created),
                Long.toString(stateCap()), "0", keys.get(1), layout.cluster() ? "" : layout.clientPrefix());
        redis("importing a state", keys.get(0), j -> {
            Object r = Script.ADD_STATE.run(j, keys, args);
            awaitReplicas(j);
            return r;
        });
    }

    /** Groups keys by the primary serving them now (a cluster's); unavailable if the topology cannot be read. */
    private Map<Node, List<String>> byNode(List<String> keys) {
        try {
            return topology.byNode(keys);
        } catch (JedisException e) {
            throw translate("finding the cluster's primaries", e);
        }
    }

    /** What the store is connected to now: the server, the primary the sentinels name, or the cluster's primaries. */
    @Override
    public Map<String, String> details() {
        return topology.details();
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
            topology.close();
        }
    }

    @Override
    public String toString() {
        return "RedisSessionStore[" + config + (closed ? ", closed" : "") + "]";
    }
}
