package org.sessionstore.redis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.sessionstore.api.Ids;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.api.TransferableStore;
import org.sessionstore.api.config.Durations;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
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

    private final RedisConfig config;
    private final Clock clock;
    private final JedisPool pool;
    private volatile boolean closed;

    RedisSessionStore(RedisConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        GenericObjectPoolConfig<Jedis> poolConfig = new GenericObjectPoolConfig<>();
        poolConfig.setMaxTotal(config.poolSize());
        poolConfig.setMaxIdle(config.poolSize());
        poolConfig.setMinIdle(0);
        poolConfig.setBlockWhenExhausted(true);
        poolConfig.setMaxWait(config.timeout());
        poolConfig.setJmxEnabled(false);
        // no evictor thread: dead idle connections are dropped when a call meets one (see above)
        poolConfig.setTimeBetweenEvictionRuns(Duration.ofMillis(-1));
        poolConfig.setTestOnBorrow(false);
        int timeoutMillis = (int) config.timeout().toMillis();
        DefaultJedisClientConfig client = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMillis)
                .socketTimeoutMillis(timeoutMillis)
                .user(config.username())
                .password(config.password())
                .database(config.db())
                .ssl(config.tls())
                .clientName("sessionstore")
                .build();
        this.pool = new JedisPool(poolConfig, new HostAndPort(config.host(), config.port()), client);
    }

    private <T> T redis(String what, Function<Jedis, T> op) {
        if (closed) {
            throw new StoreUnavailableException("the redis session store is closed; use the store the registry publishes");
        }
        long start = System.nanoTime();
        try {
            return once(op);
        } catch (JedisConnectionException first) {
            pool.clear();
            if (System.nanoTime() - start > config.timeout().toNanos() / 2) {
                throw unavailable(what, first);
            }
            try {
                return once(op);
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

    private <T> T once(Function<Jedis, T> op) {
        try (Jedis jedis = pool.getResource()) {
            return op.apply(jedis);
        }
    }

    private StoreException translate(String what, JedisException e) {
        if (e instanceof JedisAccessControlException) {
            return new StoreUnavailableException("redis at " + config.addr() + " refused the login for " + what
                    + "; check the redis store keys 'username' and 'password'");
        }
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (m.startsWith("LOADING") || m.startsWith("BUSY") || m.startsWith("MASTERDOWN") || m.startsWith("TRYAGAIN")
                || m.startsWith("READONLY") || m.startsWith("CLUSTERDOWN")) {
            // the server is up but cannot serve yet (loading its data, failing over): it will recover
            return unavailable(what, e);
        }
        if (e instanceof JedisDataException) {
            return new StoreException("redis at " + config.addr() + " refused " + what + ": " + e.getMessage());
        }
        return unavailable(what, e);
    }

    private StoreUnavailableException unavailable(String what, JedisException e) {
        return new StoreUnavailableException("redis at " + config.addr() + " is unavailable for " + what + " (timeout "
                + Durations.format(config.timeout()) + "): " + e.getMessage(), e);
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
        List<String> args = new ArrayList<>(18);
        args.add(id);
        args.add(Long.toString(pttl));
        args.add(Long.toString(now + pttl));
        SessionHash.fields(session).forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        redis("adding a session", j -> Script.ADD_SESSION.run(j, keys, args));
    }

    @Override
    public Optional<Session> getSession(String id) {
        Ids.require(id, "session id");
        Map<String, String> hash = redis("reading a session", j -> j.hgetAll(sessionKey(id)));
        if (hash.isEmpty()) {
            return Optional.empty();
        }
        Session s = SessionHash.session(id, hash);
        return s.isExpiredAt(Instant.ofEpochMilli(clock.millis())) ? Optional.empty() : Optional.of(s);
    }

    @Override
    public boolean deleteSession(String id) {
        Ids.require(id, "session id");
        List<String> keys = List.of(sessionKey(id), config.sessionIndexKey());
        Object removed = redis("deleting a session",
                j -> Script.REMOVE_SESSION.run(j, keys, List.of(id, Long.toString(clock.millis()))));
        return Long.valueOf(1).equals(removed);
    }

    @Override
    public int cleanExpired() {
        return cleanInBatches(Script.CLEAN_SESSIONS, config.sessionIndexKey(), config.sessionPrefix(), clock.millis(),
                "cleaning expired sessions");
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
        List<String> values = redis("reading a session field", j -> j.hmget(sessionKey(id), field, "expires_at"));
        String expires = values.get(1);
        if (expires == null || Long.parseLong(expires) <= clock.millis()) {
            return Optional.empty();
        }
        return Optional.ofNullable(values.get(0));
    }

    @Override
    public long getSessionCount() {
        String now = Long.toString(clock.millis());
        return redis("counting sessions", j -> j.zcount(config.sessionIndexKey(), "(" + now, "+inf"));
    }

    @Override
    public boolean sessionExists(String id) {
        Ids.require(id, "session id");
        String expires = redis("checking a session", j -> j.hget(sessionKey(id), "expires_at"));
        return expires != null && Long.parseLong(expires) > clock.millis();
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
        redis("adding a state", j -> Script.ADD_STATE.run(j, keys, args));
    }

    @Override
    public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
        Ids.require(state, "state");
        Ids.requireNonNull(userAgent, "userAgent");
        List<String> keys = List.of(stateKey(state), config.stateIndexKey());
        Object raw = redis("consuming a state", j -> Script.CONSUME_STATE.run(j, keys, List.of(state)));
        if (raw == null) {
            return Optional.empty();
        }
        StateEntry e = StateJson.read(state, (String) raw);
        boolean fresh = e.createdAt().plus(config.stateTtl()).toEpochMilli() > clock.millis();
        return fresh && e.userAgent().equals(userAgent) ? Optional.of(e) : Optional.empty();
    }

    @Override
    public int cleanExpiredStates(Duration maxAge) {
        Ids.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge must not be negative: " + maxAge);
        }
        return cleanInBatches(Script.CLEAN_STATES, config.stateIndexKey(), config.statePrefix(),
                clock.millis() - maxAge.toMillis(), "cleaning old states");
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
                            page.add(SessionHash.session(ids.get(i), h));
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
                    out.add(StateJson.read(states.get(i), v));
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
            pool.close();
        }
    }

    @Override
    public String toString() {
        return "RedisSessionStore[" + config + (closed ? ", closed" : "") + "]";
    }
}
