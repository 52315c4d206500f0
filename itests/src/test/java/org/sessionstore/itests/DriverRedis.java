package org.sessionstore.itests;

import java.io.IOException;

import org.sessionstore.testkit.redis.RedisServer;

/**
 * Starts a real redis-server on the driver side of Pax Exam (in a {@code @Configuration} method),
 * killed when the JVM exits. Kept apart from the test classes, which also load inside the
 * framework, where the testkit is not wired.
 */
final class DriverRedis {

    private DriverRedis() {
    }

    /** Starts a server (with {@code args} added to the testkit's) and returns its port. */
    static int start(String... args) {
        RedisServer server;
        try {
            server = new RedisServer(args);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        return server.port();
    }
}
