package org.sessionstore.testkit.redis;

import java.io.IOException;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A private redis-server for a test class, started on a free loopback port before its tests and
 * stopped after them:
 *
 * <pre>
 * &#64;RegisterExtension
 * static final RedisExtension redis = new RedisExtension();   // or new RedisExtension("--maxmemory", "2mb")
 * … redis.server().addr() …
 * </pre>
 *
 * A missing {@code redis-server} fails the class with how to install it (see {@link RedisServer}).
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback {

    private final String[] args;
    private RedisServer server;

    /** @param args more redis-server arguments */
    public RedisExtension(String... args) {
        this.args = args.clone();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        server = new RedisServer(args);
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** @return the running server */
    public RedisServer server() {
        if (server == null) {
            throw new IllegalStateException("the redis-server runs only while the test class does");
        }
        return server;
    }
}
