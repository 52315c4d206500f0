package org.sessionstore.redis;

import java.time.Duration;

import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * The store's bounded pool of connections, made so that a call's one deadline covers everything
 * it waits for: a connection that has to be made for a call connects and logs in (AUTH, SELECT,
 * CLIENT SETNAME) within the time the call has left, not within a fresh {@code timeout} (which
 * Jedis's own pool would give it, so a call that waited for a free connection could take twice
 * its timeout). The deadline travels with the calling thread.
 */
final class Connections extends BasePooledObjectFactory<Jedis> {

    private static final ThreadLocal<long[]> DEADLINE = ThreadLocal.withInitial(() -> new long[1]);

    private final RedisConfig config;
    private final HostAndPort address;
    private final TlsSetup tls;
    private final java.util.function.Function<Jedis, Void> onConnect;

    /**
     * @param address the server
     * @param onConnect run on every new connection before it is used (its exception fails the
     *        connection, which is closed)
     */
    Connections(RedisConfig config, RedisConfig.Address address, java.util.function.Function<Jedis, Void> onConnect) {
        this.config = config;
        this.address = new HostAndPort(address.host(), address.port());
        this.tls = config.tls() ? TlsSetup.of(config.tlsFiles()) : null;
        this.onConnect = onConnect;
    }

    /** A connection to a sentinel (its own user and password, the same TLS), within the call's deadline. */
    static Jedis sentinel(RedisConfig config, RedisConfig.Address sentinel) {
        int left = leftMillis(config);
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(left)
                .socketTimeoutMillis(left)
                .user(config.sentinelUsername())
                .password(config.sentinelPassword())
                .clientName("sessionstore");
        if (config.tls()) {
            TlsSetup t = TlsSetup.of(config.tlsFiles());
            b.ssl(true).sslSocketFactory(t.socketFactory()).sslParameters(t.parameters());
        }
        return new Jedis(new HostAndPort(sentinel.host(), sentinel.port()), b.build());
    }

    /** A pool of at most {@code pool_size} connections made by {@code factory}; none is made until a call needs it. */
    static GenericObjectPool<Jedis> pool(RedisConfig config, Connections factory) {
        GenericObjectPoolConfig<Jedis> poolConfig = new GenericObjectPoolConfig<>();
        poolConfig.setMaxTotal(config.poolSize());
        poolConfig.setMaxIdle(config.poolSize());
        poolConfig.setMinIdle(0);
        poolConfig.setBlockWhenExhausted(true);
        poolConfig.setJmxEnabled(false);
        // no evictor thread: dead idle connections are dropped when a call meets one
        poolConfig.setTimeBetweenEvictionRuns(Duration.ofMillis(-1));
        poolConfig.setTestOnBorrow(false);
        return new GenericObjectPool<>(factory, poolConfig);
    }

    /** Sets the deadline (System.nanoTime) of the current thread's call. */
    static void deadline(long nanoTime) {
        DEADLINE.get()[0] = nanoTime;
    }

    /** The current thread's call deadline (System.nanoTime), or 0 if none was set. */
    static long deadline() {
        return DEADLINE.get()[0];
    }

    /**
     * The deadline a topology lookup (asking the sentinels, reading a cluster's slot table) works
     * within: the current call's, or, on a thread whose last deadline has passed (a lookup outside
     * a call), {@code timeout} from now. It is set as the thread's deadline, so every connection
     * the lookup makes connects and reads within it.
     */
    static long lookupDeadline(RedisConfig config) {
        long d = DEADLINE.get()[0];
        long now = System.nanoTime();
        if (d == 0 || d - now <= 0) {
            d = now + config.timeout().toNanos();
            DEADLINE.get()[0] = d;
        }
        return d;
    }

    /** Milliseconds the current call has left (at least 1), at most {@code timeout}. */
    static int leftMillis(RedisConfig config) {
        long deadline = DEADLINE.get()[0];
        long full = config.timeout().toMillis();
        if (deadline == 0) {
            return (int) full;
        }
        long left = (deadline - System.nanoTime()) / 1_000_000;
        return (int) Math.max(1, Math.min(full, left));
    }

    /** How far below what a call has left a socket timeout may stay before it is raised again. */
    static final int SLACK_MILLIS = 50;

    /**
     * Bounds a connection's reads by what the call has left: lowered whenever it is above
     * {@code leftMillis} (so no read outlives the deadline), raised only when it is more than
     * {@value #SLACK_MILLIS} ms below (so a lone caller's calls, each with nearly its full
     * timeout, do not pay a setsockopt each).
     */
    static void bound(Jedis j, int leftMillis) {
        int now = j.getConnection().getSoTimeout();
        if (now > leftMillis || now < leftMillis - SLACK_MILLIS) {
            j.getConnection().setSoTimeout(leftMillis);
        }
    }

    @Override
    public Jedis create() {
        int left = leftMillis(config);
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(left)
                .socketTimeoutMillis(left)
                .user(config.username())
                .password(config.password())
                .database(config.db())
                .clientName("sessionstore");
        if (tls != null) {
            b.ssl(true).sslSocketFactory(tls.socketFactory()).sslParameters(tls.parameters());
        }
        Jedis j = new Jedis(address, b.build());
        try {
            onConnect.apply(j);
        } catch (RuntimeException e) {
            j.close();
            throw e;
        }
        return j;
    }

    @Override
    public PooledObject<Jedis> wrap(Jedis jedis) {
        return new DefaultPooledObject<>(jedis);
    }

    @Override
    public void destroyObject(PooledObject<Jedis> p) {
        p.getObject().close();
    }
}
