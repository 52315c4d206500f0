package org.sessionstore.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

import org.sessionstore.api.Broadcast;
import org.sessionstore.api.Redaction;

/**
 * The channel between the nodes that share a PostgreSQL store, for the registry's near cache:
 * {@code NOTIFY} (through {@code pg_notify}) and {@code LISTEN} on the channel
 * {@code table_prefix + "near_cache"}. The listener holds a connection of its own on a thread of its
 * own and waits for notifications through the PostgreSQL driver's {@code PGConnection} (called
 * reflectively: this bundle imports JDBC only, and the driver is its own bundle); with no
 * notification for {@link #pingMillis} it runs {@code SELECT 1}, so a connection that died (the
 * server restarted, the backend was terminated) is noticed within about that plus the timeout. It
 * reconnects with a growing pause (100 ms to 1 s). With another driver than PostgreSQL's the
 * listener is told {@code down} and the near cache never serves from memory.
 */
final class JdbcBroadcast implements Broadcast {

    private final JdbcCalls calls;
    private final String channel;
    final long pingMillis;

    JdbcBroadcast(JdbcConfig config, JdbcCalls calls) {
        this.calls = calls;
        this.channel = config.tablePrefix() + "near_cache";
        this.pingMillis = Math.max(100, Math.min(1_000, config.timeout().toMillis() / 3));
    }

    String channel() {
        return channel;
    }

    @Override
    public void publish(String message) {
        if (message.length() > MAX_MESSAGE) {
            throw new IllegalArgumentException("a broadcast message is at most " + MAX_MESSAGE + " characters");
        }
        calls.sql("telling the other nodes of a change", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                ps.setString(1, channel);
                ps.setString(2, message);
                ps.execute();
            }
            return null;
        });
    }

    @Override
    public AutoCloseable subscribe(Listener listener) {
        Subscriber s = new Subscriber(listener);
        Thread t = new Thread(s, "sessionstore-jdbc-near-cache");
        t.setDaemon(true);
        s.thread = t;
        t.start();
        return s::close;
    }

    private final class Subscriber implements Runnable {
        private final Listener listener;
        private volatile boolean closed;
        private volatile Thread thread;
        private volatile Connection connection;
        private boolean up;

        Subscriber(Listener listener) {
            this.listener = listener;
        }

        @Override
        public void run() {
            long pause = 100;
            while (!closed) {
                String why;
                try {
                    listen();
                    why = "the listening connection closed";
                } catch (SQLException | RuntimeException | ReflectiveOperationException e) {
                    Throwable t = e instanceof InvocationTargetException i && i.getCause() != null ? i.getCause() : e;
                    why = Redaction.printable(t.getClass().getSimpleName() + ": " + t.getMessage());
                } finally {
                    Connection c = connection;
                    connection = null;
                    if (c != null) {
                        try {
                            c.close();
                        } catch (SQLException | RuntimeException ignored) {
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

        private void listen() throws SQLException, ReflectiveOperationException {
            Connection c = calls.dedicated();
            connection = c;
            ClassLoader driver = c.getClass().getClassLoader();
            Class<?> pgConnection;
            try {
                pgConnection = Class.forName("org.postgresql.PGConnection", false, driver);
            } catch (ClassNotFoundException e) {
                throw new SQLException("the JDBC driver is not PostgreSQL's: it cannot deliver notifications");
            }
            Object pg = c.unwrap(pgConnection);
            Method notifications = pgConnection.getMethod("getNotifications", int.class);
            Method parameter = Class.forName("org.postgresql.PGNotification", false, driver).getMethod("getParameter");
            try (Statement s = c.createStatement()) {
                s.execute("LISTEN \"" + channel + "\"");
            }
            up = true;
            listener.up();
            while (!closed) {
                Object[] got = (Object[]) notifications.invoke(pg, (int) pingMillis);
                if (got != null && got.length > 0) {
                    for (Object n : got) {
                        listener.received((String) parameter.invoke(n));
                    }
                } else {
                    try (Statement s = c.createStatement()) {
                        s.execute("SELECT 1"); // still there? (statement_timeout bounds it)
                    }
                }
            }
        }

        void close() {
            closed = true;
            Connection c = connection;
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException | RuntimeException ignored) {
                    // gone already
                }
            }
            Thread t = thread;
            if (t != null) {
                t.interrupt();
            }
        }
    }
}
