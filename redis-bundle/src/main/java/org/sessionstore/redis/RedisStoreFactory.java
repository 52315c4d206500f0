package org.sessionstore.redis;

import java.time.Clock;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreType;

/**
 * Publishes the {@code redis} backend. Its keys and defaults are described by
 * {@link RedisStoreConfiguration}; values under PID {@code sessionstore.redis} are the defaults the
 * registry merges under the active configuration, and this component takes no configuration
 * itself, so no setting (a password included) ever becomes a property of its service. The store
 * is created even when Redis is down; its calls then fail with StoreUnavailableException until
 * Redis is back.
 */
@Component(configurationPid = "sessionstore.redis", configurationPolicy = ConfigurationPolicy.IGNORE)
@Designate(ocd = RedisStoreConfiguration.class)
@StoreType("redis")
public class RedisStoreFactory implements StoreFactory {

    @Override
    public SessionStore create(Map<String, ?> config) {
        return create(config, Clock.systemUTC());
    }

    /**
     * A store whose time is {@code clock}: for tests outside this bundle that drive time (the
     * registry's near cache runs the conformance suite over this store). Not a service method.
     */
    public SessionStore create(Map<String, ?> config, Clock clock) {
        return new RedisSessionStore(RedisConfig.from(config), clock);
    }
}
