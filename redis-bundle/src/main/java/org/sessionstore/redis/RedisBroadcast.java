package org.sessionstore.redis;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.sessionstore.api.Broadcast;
import org.sessionstore.api.Redaction;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * The channel between the nodes that share a Redis store, for the registry's near cache: Redis
 * pub/sub on the channel {@code session_prefix + "near-cache"} (PUBLISH reaches every node of a
 * Cluster; with Sentinel the subscriber follows the primary). One subscription per store on a
 * connection of its own, held by a thread of its own that reconnects with a growing pause (100 ms
 * to 1 s). The subscriber pings the server every {@link #pingMillis} ms and reads with a timeout of
 * {@link #readMillis}, so a connection that died silently is noticed within that; one killed
 * ({@code CLIENT KILL TYPE pubsub}) or a server that failed is noticed at once. The listener hears
 * {@code down} when a subscription that was up is lost (or the first try fails) and {@code up} once a
 * new one is in place.
 */
final class RedisBroadcast implements Broadcast {

    private static final System.Logger LOG = System.getLogger("org.sessionstore.redis");

    private final RedisCalls calls;
    private final String channel;
    final long pingMillis;
    final int readMillis;

    RedisBroadcast(RedisConfig config, RedisCalls calls) {
        this.calls = calls;
        this.channel = config.sessionPrefix() + "near-cache";
        long t = config.timeout().toMillis();
        this.pingMillis = Math.max(100, Math.min(1_000, t / 3));
        this.readMillis = (int) Math.max(t, 3 * pingMillis);
    }

    String channel() {
        return channel;
    }

    @Override
    public void publish(String message) {
        if (message.length() > MAX_MESSAGE) {
            throw new IllegalArgumentException("a broadcast message is at most " + MAX_MESSAGE + " characters");
        }
        calls.redis("telling the other nodes of a change", channel, j -> j.publish(channel, message));
    }

    @Override
    public AutoCloseable subscribe(Listener listener) {
        Subscriber s = new Subscriber(listener);
        Thread t = new Thread(s, "sessionstore-redis-near-cache");
        t.setDaemon(true);
        s.thread = t;
        t.start();
        return s::close;
    }

    private final class Subscriber implements Runnable {
        private final Listener listener;
        private volatile boolean closed;
        private volatile Thread thread;
        private volatile Jedis connection;
        private volatile JedisPubSub pubsub;
        /** Whether the listener was told up (a loss resets the pause). */
        private boolean up;
        private final ScheduledThreadPoolExecutor pinger = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "sessionstore-redis-near-cache-ping");
            t.setDaemon(true);
            return t;
        });

        Subscriber(Listener listener) {
            this.listener = listener;
            pinger.scheduleWithFixedDelay(() -> {
                JedisPubSub p = pubsub;
                if (p != null && p.isSubscribed()) {
                    try {
                        p.ping();
                    } catch (RuntimeException e) {
                        // the reading thread hears of a dead connection itself
                    }
                }
            }, pingMillis, pingMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void run() {
            long pause = 100;
            while (!closed) {
                String why = "the subscription ended";
                try {
                    Jedis j = calls.dedicated(channel);
                    connection = j;
                    if (closed) {
                        break;
                    }
                    JedisPubSub p = new JedisPubSub() {
                        @Override
                        public void onSubscribe(String ch, int count) {
                            if (closed) {
                                unsubscribe();
                                return;
                            }
                            // Jedis makes a subscription's reads wait for ever (setTimeoutInfinite): bound them again,
                            // so a silent server (frozen, a hung link) fails the read and the channel goes down (review)
                            j.getConnection().setSoTimeout(readMillis);
                            up = true;
                            listener.up();
                        }

                        @Override
                        public void onMessage(String ch, String message) {
                            listener.received(message);
                        }
                    };
                    pubsub = p;
                    j.subscribe(p, channel);
                } catch (RuntimeException e) {
                    why = Redaction.printable(e.getClass().getSimpleName() + ": " + e.getMessage());
                } finally {
                    pubsub = null;
                    Jedis j = connection;
                    connection = null;
                    if (j != null) {
                        try {
                            j.close();
                        } catch (RuntimeException ignored) {
                            // gone already
                        }
                    }
                }
                if (closed) {
                    break;
                }
                if (up) {
                    pause = 100;
                }
                // told at each failed try: the latest reason shows in info (the listener logs the first only)
                up = false;
                listener.down(why);
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    break;
                }
                pause = Math.min(1_000, pause * 2);
            }
        }

        void close() {
            closed = true;
            pinger.shutdownNow();
            JedisPubSub p = pubsub;
            if (p != null && p.isSubscribed()) {
                try {
                    p.unsubscribe();
                } catch (RuntimeException ignored) {
                    // the connection is closed below
                }
            }
            Jedis j = connection;
            if (j != null) {
                try {
                    j.disconnect();
                } catch (RuntimeException ignored) {
                    // gone already
                }
            }
            Thread t = thread;
            if (t != null) {
                t.interrupt();
            }
            LOG.log(System.Logger.Level.DEBUG, "near cache subscription on {0} closed", channel);
        }
    }
}
