package org.sessionstore.registry.near;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

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
 * <li>Changes are told by stripe, never by name: a session id, a subject and a sid each fall in one
 * of {@link #STRIPES} stripes (a hash every node computes alike), and a message says only "the
 * sessions of id stripe N" (or subject, or sid stripe N) changed. Each stripe has an epoch that its
 * messages move; an entry remembers the epochs of its id's, subject's and sid's stripes and is served
 * only while all three are unchanged, so a subject's revoke costs O(1), not a walk of the cache, and
 * the channel carries no session id (a bearer credential), subject or sid (what a reader of the
 * channel, such as any PostgreSQL role that may LISTEN, would collect). A message drops
 * 1/{@value #STRIPES} of the cache at most besides its target.
 * <li>A read that raced a change is not kept: it keeps what it got only if its id's stripe, the
 * subject and sid messages (counted together) and the whole cache's epoch did not move between its
 * start and its put, checked again after the put (the put is undone if one moved meanwhile).
 * <li>{@code near_cache_max_age} bounds staleness whatever happens (a lost message, a node that
 * wrote and died before publishing).
 * <li>A session's own end: an entry is never served past the session's {@code expiresAt}; with
 * {@code idle_timeout}, an entry lives at most {@code min(touch_after, idle_timeout - touch_after)},
 * so the backend still sees a read in time to extend an active session and never ends it idle
 * while this node serves it.
 * </ul>
 * Messages: {@code node|sentMillis|kind|stripe}, kind {@code i} (a session id's stripe), {@code s} (a
 * subject's: revoke, a limit's eviction), {@code d} (a sid's); anything else (a later version's kind,
 * a message cut short) drops everything; a node skips its own. Each change costs the writer one more
 * round trip (the publish) after the write itself, also when the write failed (it may have been
 * applied before its answer was lost). Tokens
 * are cached as the store below holds them (this sits under {@code EncryptedStore}: ciphertext when
 * {@code encryption_key} is set). Thread-safe.
 */
public class NearCache implements SessionStore {

    /** A session longer than this (characters, every field) is not cached: the cache's bytes stay bounded. */
    public static final int MAX_ENTRY_CHARS = 16_384;
    static final int STRIPES = 16_384;
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
    private final AtomicLongArray ids = new AtomicLongArray(STRIPES);
    private final AtomicLongArray subs = new AtomicLongArray(STRIPES);
    private final AtomicLongArray sids = new AtomicLongArray(STRIPES);
    /** Moves with every subject and sid message: a read that raced one is not kept. */
    private final AtomicLong people = new AtomicLong();
    private final AtomicLong all = new AtomicLong();
    private volatile boolean trusted;
    private volatile String downBecause = "not subscribed yet";
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder publishFailures = new LongAdder();
    private final Throttle publishLog = new Throttle();
    private final LongAdder downs = new LongAdder();
    private final Lag lag = new Lag();
    /** The store's time: an entry is served neither past its session's end nor past its life, by this clock too. */
    private final java.time.Clock clock;
    private final AutoCloseable subscription;

    /** A cached session, when it was read, and the epochs of its id's, subject's and sid's stripes then. */
    private record Entry(Session session, long bornMillis, int idStripe, long idEpoch, int subStripe, long subEpoch,
            int sidStripe, long sidEpoch) {
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
                + " before API 1.6), so a near cache could serve a revoked session; give near_cache_size=0 (use keeps the"
                + " registry's keys of the running configuration when they are not given)"));
        return backend instanceof TransferableStore ? new TransferableNearCache(backend, channel, size, maxAge, idle, touchAfter, clock)
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
            if (m.length == 4 && m[0].equals(node)) {
                return;
            }
            received.increment();
            int stripe;
            try {
                lag.add(System.currentTimeMillis() - Long.parseLong(m[1]));
                stripe = Integer.parseInt(m[3]);
            } catch (RuntimeException unreadable) {
                dropAll(); // cut short, or another version's: trust nothing cached
                return;
            }
            if (stripe < 0 || stripe >= STRIPES) {
                dropAll();
                return;
            }
            switch (m[2]) {
                case "i" -> ids.incrementAndGet(stripe);
                case "s" -> moved(subs, stripe);
                case "d" -> moved(sids, stripe);
                default -> dropAll(); // a kind this version does not know
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
            boolean was = trusted;
            trusted = false;
            downBecause = why; // the latest reason (the channel tells it again while it retries)
            dropAll();
            if (was || downs.sum() == 0) {
                downs.increment();
                LOG.log(System.Logger.Level.WARNING, "near cache: its channel is down (" + why + "); every get goes to"
                        + " the store until it is back");
            }
        }
    }

    /** The stripe of a value, the same on every node (String.hashCode is specified), mixed. */
    static int stripe(String value) {
        if (value == null) {
            return 0;
        }
        int h = value.hashCode() * 0x9E3779B1;
        return (h ^ (h >>> 15)) & (STRIPES - 1);
    }

    private void moved(AtomicLongArray stripes, int stripe) {
        people.incrementAndGet();
        stripes.incrementAndGet(stripe);
    }

    private void dropAll() {
        all.incrementAndGet();
        cache.invalidateAll();
    }

    /** Tells this node and the others that the sessions of {@code value}'s stripe of {@code kind} changed. */
    private void changed(String kind, String value) {
        if (value == null) {
            return;
        }
        int stripe = stripe(value);
        switch (kind) {
            case "i" -> ids.incrementAndGet(stripe);
            case "s" -> moved(subs, stripe);
            default -> moved(sids, stripe);
        }
        try {
            channel.publish(node + "|" + System.currentTimeMillis() + "|" + kind + "|" + stripe);
            if (publishLog.failing()) {
                untold(publishLog.settle(), "before the channel took messages again");
            }
        } catch (RuntimeException e) {
            // the change is made; the other nodes drop their copy at near_cache_max_age at the latest
            publishFailures.increment();
            long n = publishLog.pass();
            if (n > 0) {
                LOG.log(System.Logger.Level.WARNING, "near cache: could not tell the other nodes of " + n + " change(s) ("
                        + e.getClass().getSimpleName() + "); their copies end within near_cache_max_age (one line a minute)");
            }
        }
    }

    private void untold(long n, String when) {
        if (n > 0) {
            LOG.log(System.Logger.Level.WARNING, "near cache: " + n + " more change(s) could not be told to the other nodes "
                    + when + "; their copies ended within near_cache_max_age");
        }
    }

    @Override
    public Optional<Session> getSession(String id) {
        if (trusted && id != null) {
            Entry e = cache.getIfPresent(id);
            if (e != null) {
                long now = clock.millis();
                if (e.session().expiresAt().toEpochMilli() > now && now - e.bornMillis() < lifeNanos / 1_000_000
                        && ids.get(e.idStripe()) == e.idEpoch() && subs.get(e.subStripe()) == e.subEpoch()
                        && sids.get(e.sidStripe()) == e.sidEpoch()) {
                    hits.increment();
                    return Optional.of(e.session());
                }
                cache.asMap().remove(id, e);
            }
        }
        misses.increment();
        int idStripe = stripe(id);
        long idEpoch = ids.get(idStripe);
        long peopleBefore = people.get();
        long allBefore = all.get();
        long born = clock.millis(); // before the read: an entry's age counts the read's time too
        Optional<Session> read = backend.getSession(id);
        if (trusted && read.isPresent() && small(read.get())) {
            Session s = read.get();
            int sub = stripe(s.sub());
            int sid = stripe(s.sid());
            Entry e = new Entry(s, born, idStripe, idEpoch, sub, subs.get(sub), sid, sids.get(sid));
            cache.put(id, e);
            if (ids.get(idStripe) != idEpoch || people.get() != peopleBefore || all.get() != allBefore || !trusted) {
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
        try {
            backend.addSession(session, n -> {
                evicted[0] = n;
                onEvicted.accept(n);
            });
        } finally {
            if (session != null) { // null: refused by the backend, whose exception goes on
                changed("i", session.id());
                if (evicted[0] > 0) {
                    changed("s", session.sub()); // the evicted ones are the subject's
                }
            }
        }
    }

    @Override
    public boolean deleteSession(String id) {
        try {
            return backend.deleteSession(id);
        } finally {
            changed("i", id);
        }
    }

    @Override
    public int deleteSessionsBySubject(String sub) {
        try {
            return backend.deleteSessionsBySubject(sub);
        } finally {
            changed("s", sub);
        }
    }

    @Override
    public int deleteSessionsBySubject(String sub, String exceptId) {
        try {
            return backend.deleteSessionsBySubject(sub, exceptId);
        } finally {
            changed("s", sub);
        }
    }

    @Override
    public int deleteSessionsBySid(String sid) {
        try {
            return backend.deleteSessionsBySid(sid);
        } finally {
            changed("d", sid);
        }
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
        untold(publishLog.settle(), "before it closed");
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
}
