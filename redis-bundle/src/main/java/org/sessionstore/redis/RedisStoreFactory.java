package org.sessionstore.redis;

import java.time.Clock;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreType;
import org.sessionstore.api.config.StoreConfig;

/**
 * Publishes the {@code redis} backend. Its keys and defaults are described by
 * {@link RedisStoreConfiguration}; values under PID {@code sessionstore.redis} replace those
 * defaults. The store is created even when Redis is down; its calls then fail with
 * StoreUnavailableException until Redis is back.
 */
@Component(configurationPid = "sessionstore.redis", configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = RedisStoreConfiguration.class)
@StoreType("redis")
public class RedisStoreFactory implements StoreFactory {

    private Map<String, Object> defaults = Map.of();

    @Activate
    void activate(Map<String, Object> properties) {
        defaults = StoreConfig.defaults(properties, RedisConfig.KEYS);
    }

    @Override
    public SessionStore create(Map<String, ?> config) {
        return new RedisSessionStore(RedisConfig.from(StoreConfig.overDefaults(defaults, config)), Clock.systemUTC());
    }
}
