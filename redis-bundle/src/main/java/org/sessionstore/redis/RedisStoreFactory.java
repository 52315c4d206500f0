package org.sessionstore.redis;

import java.time.Clock;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreType;

/**
 * Publishes the {@code redis} backend. Keys: {@code addr} (127.0.0.1:6379), {@code password},
 * {@code username}, {@code db} (0), {@code session_prefix} (session:), {@code state_prefix}
 * (state:), {@code ttl} (24h), {@code state_ttl} (10m), {@code timeout} (2s), {@code pool_size}
 * (16), {@code tls} (false). The store is created even when Redis is down; its calls then fail
 * with StoreUnavailableException until Redis is back.
 */
@Component
@StoreType("redis")
public class RedisStoreFactory implements StoreFactory {

    @Override
    public SessionStore create(Map<String, ?> config) {
        return new RedisSessionStore(RedisConfig.from(config), Clock.systemUTC());
    }
}
