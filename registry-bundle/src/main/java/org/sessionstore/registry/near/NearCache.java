package org.sessionstore.registry.near;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import java.util.function.Predicate;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import org.sessionstore.api.Broadcast;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.TransferableStore;
import org.sessionstore.api.config.Durations;

/**
 * A per-node cache of sessions in front of a shared backend (redis, jdbc), off unless
 * {@code near_cache_size} is set: {@code getSession} answers from memory what this node read
 * lately, and every change made through any node reaches the others through the backend's
 * {@link Broadcast} channel, so a revoked session is refused everywhere within the channel's delay.
 * A Caffeine cache, bounded in entries ({@code near_cache_size}) and so in bytes (a session larger
 * than {@link #MAX_ENTRY_CHARS} is never held); an entry lives at most {@code near_cache_max_age}.
 *
 * <p>What it trusts, and when:
 * <ul>
 * <li>Nothing while the channel is down (before its first {@code up}, after a {@code down}: a
 * subscription killed, a server failed over): every get goes to the backend, and the cache is
 * emptied at {@code down} and again at {@code up} (what was published meanwhile is lost).
 * <li>A read that raced a change is not kept: each entry's stripe (and the whole cache) has an
 * epoch that every invalidation moves; a read keeps what it got only if neither moved between
 * its start and its put, checked again after the put (the put is undone if one moved meanwhile).
 * <li>{@code near_cache_max_age} bounds staleness whatever happens (a lost message, a node that
 * wrote and died before publishing).
 * <li>A session's own end: an entry is never served past the session's {@code expiresAt}; with
 * {@code idle_timeout}, an entry lives at most {@code min(touch_after, idle_timeout - touch_after)},
 * so the backend still sees a read in time to extend an active session and never ends it idle
 * while this node serves it.
 * </ul>
 * Messages: {@code node|sentMillis|kind|value}, kind {@code i} (a session id), {@code s} (every
 * session of a subject: revoke, a limit's eviction), {@code d} (a sid), {@code *} (everything: a
 * subject or sid too long for a message); a node skips its own. Each change costs the writer one
 * more round trip (the publish) after the write itself. Tokens
 * are cached as the store below holds them (this sits under {@code EncryptedStore}: ciphertext when
 * {@code encryption_key} is set). Thread-safe.
 */
public class NearCache implements SessionStore {

    /** A session longer than this (characters, every field) is not cached: the cache's bytes stay bounded. */
    public static final int MAX_ENTRY_CHARS = 16_384;
    private static final int STRIPES = 1024;
    private static final System.Logger LOG = System.getLogger("org.sessionstore.registry");
    /** The near caches open now, for the metrics (one serving; two during a swap). */
    private static final java.util.Set<NearCache> OPEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    final SessionStore backend;
    private final Broadcast channel;
    private final Cache<String, Entry> cache;
    private final long lifeNanos;
    private final int size;
    private final Duration maxAge;
    private final String node = Long.toHexString(new java.security.SecureRandom().nextLong());
    private final AtomicLongArray epochs = new AtomicLongArray(STRIPES);
    private final AtomicLong all = new AtomicLong();
    private volatile boolean trusted;
    private volatile String downBecause = "not subscribed yet";
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder publishFailures = new LongAdder();
    private final LongAdder downs = new LongAdder();
    private final Lag lag = new Lag();
    /** The store's time: an entry is served neither past its session's end nor past its life, by this clock too. */
    private final java.time.Clock clock;
    private final AutoCloseable subscription;

    private record Entry(Session session, long bornMillis) {
    }

    /**
     * Wraps {@code backend}, keeping {@link TransferableStore} when it is one.
     *
     * @param idle the backend's {@code idle_timeout} and {@code touch_after} (zero: off)
     * @throws StoreException when the backend has no channel between nodes
     */
    public static NearCache over(SessionStore backend, String type, int size, Duration maxAge, Duration idle,
            Duration touchAfter, java.time.Clock clock) {
        Broadcast channel = backend.broadcast().orElseThrow(() -> new StoreException("near_cache_size: the " + type
                + " store has no channel between nodes to tell them of changes (an in-process store, or a backend built"
                + " before API 1.6), so a near cache could serve a revoked session; remove near_cache_size"));
        return backend instanceof TransferableStore ? new Transferable(backend, channel, size, maxAge, idle, touchAfter, clock)
                : new NearCache(backend, channel, size, maxAge, idle, touchAfter, clock);
    }

    NearCache(SessionStore backend, Broadcast channel, int size, Duration maxAge, Duration idle, Duration touchAfter,
            java.time.Clock clock) {
        this.backend = backend;
        this.clock = clock;
        this.channel = channel;
        this.size = size;
        this.maxAge = maxAge;
        long life = maxAge.toNanos();
        if (!idle.isZero()) {
            life = Math.min(life, Math.min(touchAfter.toNanos(), idle.minus(touchAfter).toNanos()));
        }
        this.lifeNanos = Math.max(1_000_000, life);
        this.cache = Caffeine.newBuilder().maximumSize(size).expireAfterWrite(Duration.ofNanos(lifeNanos)).build();
        this.subscription = channel.subscribe(new Listener());
        OPEN.add(this);
    }

    /** The figures of the open near caches summed (up: all of them up), or null when none is open. */
    public static double[] openFigures() {
        double[] sum = null;
        for (NearCache c : OPEN) {
            double[] f = c.figures();
            if (sum == null) {
                sum = f;
            } else {
                for (int i = 0; i < 3; i++) {
                    sum[i] += f[i];
                }
                sum[3] = Double.isNaN(sum[3]) ? f[3] : Double.isNaN(f[3]) ? sum[3] : Math.max(sum[3], f[3]);
                sum[4] = Math.min(sum[4], f[4]);
            }
        }
        return sum;
    }

    private final class Listener implements Broadcast.Listener {
        @Override
        public void received(String message) {
            String[] m = message.split("\\|", 4);
            if (m.length < 4 || m[0].equals(node)) {
                return;
            }
            received.increment();
            try {
                lag.add(System.currentTimeMillis() - Long.parseLong(m[1]));
            } catch (NumberFormatException ignored) {
                // another sender's clock field: no lag figure
            }
            switch (m[2]) {
                case "i" -> dropId(m[3]);
                case "s" -> dropWhere(s -> m[3].equals(s.sub()));
                case "d" -> dropWhere(s -> m[3].equals(s.sid()));
                default -> dropAll(); // "*" (a name too long to send), or a kind this version does not know
            }
        }

        @Override
        public void up() {
            dropAll();
            trusted = true;
            downBecause = null;
            LOG.log(System.Logger.Level.INFO, "near cache: its channel is up; it serves from memory");
        }

        @Override
        public void down(String why) {
            trusted = false;
            downs.increment();
            downBecause = why;
            dropAll();
            LOG.log(System.Logger.Level.WARNING, "near cache: its channel is down (" + why + "); every get goes to the"
                    + " store until it is back");
        }
    }

    private int stripe(String id) {
        return id.hashCode() & (STRIPES - 1);
    }

    private void dropId(String id) {
        epochs.incrementAndGet(stripe(id));
        cache.invalidate(id);
    }

    private void dropWhere(Predicate<Session> which) {
        all.incrementAndGet();
        cache.asMap().values().removeIf(e -> which.test(e.session()));
    }

    private void dropAll() {
        all.incrementAndGet();
        cache.invalidateAll();
    }

    private void publish(String kind, String value) {
        if (value == null) {
            return;
        }
        String message = node + "|" + System.currentTimeMillis() + "|" + kind + "|" + value;
        if (message.length() > Broadcast.MAX_MESSAGE) {
            message = node + "|" + System.currentTimeMillis() + "|*|"; // too long to name: every node drops everything
        }
        try {
            channel.publish(message);
        } catch (RuntimeException e) {
            // the change is made; the other nodes drop their copy at near_cache_max_age at the latest
            publishFailures.increment();
            LOG.log(System.Logger.Level.WARNING, "near cache: could not tell the other nodes of a change ("
                    + e.getClass().getSimpleName() + "); their copies end within near_cache_max_age");
        }
    }

    @Override
    public Optional<Session> getSession(String id) {
        if (trusted && id != null) {
            Entry e = cache.getIfPresent(id);
            if (e != null) {
                long now = clock.millis();
                if (e.session().expiresAt().toEpochMilli() > now && now - e.bornMillis() < lifeNanos / 1_000_000) {
                    hits.increment();
                    return Optional.of(e.session());
                }
                cache.asMap().remove(id, e);
            }
        }
        misses.increment();
        int stripe = id == null ? 0 : stripe(id);
        long before = epochs.get(stripe);
        long beforeAll = all.get();
        Optional<Session> read = backend.getSession(id);
        if (trusted && read.isPresent() && small(read.get())) {
            Entry e = new Entry(read.get(), clock.millis());
            cache.put(id, e);
            if (epochs.get(stripe) != before || all.get() != beforeAll || !trusted) {
                cache.asMap().remove(id, e); // a change or a down came between the read and the put
            }
        }
        return read;
    }

    private static boolean small(Session s) {
        long n = 0;
        for (String f : new String[] {s.id(), s.username(), s.sub(), s.accessToken(), s.idToken(), s.codeVerifier(), s.sid()}) {
            n += f == null ? 0 : f.length();
        }
        return n <= MAX_ENTRY_CHARS;
    }

    @Override
    public void addSession(Session session) {
        addSession(session, n -> { });
    }

    @Override
    public void addSession(Session session, IntConsumer onEvicted) {
        int[] evicted = {0};
        backend.addSession(session, n -> {
            evicted[0] = n;
            onEvicted.accept(n);
        });
        dropId(session.id());
        publish("i", session.id());
        if (evicted[0] > 0) {
            String sub = session.sub();
            dropWhere(s -> s.sub() != null && s.sub().equals(sub) && !s.id().equals(session.id()));
            publish("s", sub);
        }
    }

    @Override
    public boolean deleteSession(String id) {
        boolean removed = backend.deleteSession(id);
        dropId(id);
        publish("i", id);
        return removed;
    }

    @Override
    public int deleteSessionsBySubject(String sub) {
        int n = backend.deleteSessionsBySubject(sub);
        dropWhere(s -> sub.equals(s.sub()));
        publish("s", sub);
        return n;
    }

    @Override
    public int deleteSessionsBySubject(String sub, String exceptId) {
        int n = backend.deleteSessionsBySubject(sub, exceptId);
        dropWhere(s -> sub.equals(s.sub()));
        publish("s", sub);
        return n;
    }

    @Override
    public int deleteSessionsBySid(String sid) {
        int n = backend.deleteSessionsBySid(sid);
        dropWhere(s -> sid.equals(s.sid()));
        publish("d", sid);
        return n;
    }

    @Override
    public java.util.List<org.sessionstore.api.SessionInfo> sessionsOf(String sub, int offset, int limit) {
        return backend.sessionsOf(sub, offset, limit);
    }

    @Override
    public java.util.List<String> subjects(String prefix, int limit) {
        return backend.subjects(prefix, limit);
    }

    @Override
    public int cleanExpired() {
        return backend.cleanExpired();
    }

    @Override
    public int cleanExpired(IntConsumer idleEnded) {
        return backend.cleanExpired(idleEnded);
    }

    @Override
    public Optional<String> getField(String id, String field) {
        return backend.getField(id, field);
    }

    @Override
    public long getSessionCount() {
        return backend.getSessionCount();
    }

    @Override
    public long getStateCount() {
        return backend.getStateCount();
    }

    @Override
    public boolean sessionExists(String id) {
        return backend.sessionExists(id);
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier) {
        backend.addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier);
    }

    @Override
    public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl, String codeVerifier,
            String client) {
        backend.addStateEntry(state, userAgent, requestUrl, upstreamUrl, codeVerifier, client);
    }

    @Override
    public Optional<org.sessionstore.api.StateEntry> validateAndRemoveState(String state, String userAgent) {
        return backend.validateAndRemoveState(state, userAgent);
    }

    @Override
    public Optional<org.sessionstore.api.StateEntry> validateAndRemoveState(String state, String userAgent, Runnable onMismatch) {
        return backend.validateAndRemoveState(state, userAgent, onMismatch);
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
    public long unreadableRecords() {
        return backend.unreadableRecords();
    }

    @Override
    public Optional<Broadcast> broadcast() {
        return Optional.of(channel);
    }

    /** How often the channel went down. */
    long downs() {
        return downs.sum();
    }

    /** Whether the cache serves from memory now (its channel is up). */
    public boolean trusted() {
        return trusted;
    }

    @Override
    public Map<String, String> details() {
        Map<String, String> d = new LinkedHashMap<>(backend.details());
        long h = hits.sum();
        long m = misses.sum();
        String down = downBecause;
        d.put("near cache", cache.estimatedSize() + " of " + size + " entries, max age " + Durations.format(maxAge)
                + (lifeNanos < maxAge.toNanos() ? " (" + Durations.format(Duration.ofNanos(lifeNanos)) + " with idle_timeout)" : "")
                + ", " + (h + m == 0 ? "no gets yet" : h + " hits, " + m + " misses (" + (h * 100 / (h + m)) + "% hits)")
                + "; channel " + (down == null ? "up" : "DOWN, serving nothing from memory: " + down)
                + "; " + received.sum() + " invalidations received" + lag.describe()
                + (publishFailures.sum() > 0 ? "; " + publishFailures.sum() + " not sent" : ""));
        return d;
    }

    /** The near cache's figures for the metrics: hits, misses, invalidations received, lag p99 (ms, NaN if none), up (1/0). */
    public double[] figures() {
        return new double[] {hits.sum(), misses.sum(), received.sum(), lag.quantile(0.99), trusted ? 1 : 0};
    }

    @Override
    public void close() {
        OPEN.remove(this);
        trusted = false;
        try {
            subscription.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "near cache: closing its subscription failed", e);
        }
        cache.invalidateAll();
        backend.close();
    }

    @Override
    public String toString() {
        return "NearCache[" + backend + "]";
    }

    /** A near cache over a store that can hand its sessions over: delegates the transfer. */
    static final class Transferable extends NearCache implements TransferableStore {

        Transferable(SessionStore backend, Broadcast channel, int size, Duration maxAge, Duration idle, Duration touchAfter,
                java.time.Clock clock) {
            super(backend, channel, size, maxAge, idle, touchAfter, clock);
        }

        @Override
        public java.util.stream.Stream<Session> liveSessions() {
            return ((TransferableStore) backend).liveSessions();
        }

        @Override
        public java.util.stream.Stream<org.sessionstore.api.StateEntry> liveStates() {
            return ((TransferableStore) backend).liveStates();
        }

        @Override
        public void importState(org.sessionstore.api.StateEntry entry) {
            ((TransferableStore) backend).importState(entry);
        }

        @Override
        public boolean handOffOnUpgrade() {
            return ((TransferableStore) backend).handOffOnUpgrade();
        }
    }
}
