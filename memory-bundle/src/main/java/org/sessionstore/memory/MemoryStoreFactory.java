package org.sessionstore.memory;

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
 * Publishes the {@code memory} backend. Keys (see {@link MemoryStoreConfiguration}):
 * {@code max_sessions} (default 1000000), {@code max_states} (default 100000), {@code state_ttl}
 * (default 10m); any other key is an error. Values under PID {@code sessionstore.memory} replace
 * the defaults.
 */
@Component(configurationPid = "sessionstore.memory", configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = MemoryStoreConfiguration.class)
@StoreType("memory")
public class MemoryStoreFactory implements StoreFactory {

    private Map<String, Object> defaults = Map.of();

    @Activate
    void activate(Map<String, Object> properties) {
        defaults = StoreConfig.defaults(properties, MemoryConfig.KEYS);
    }

    @Override
    public SessionStore create(Map<String, ?> config) {
        return new MemorySessionStore(MemoryConfig.from(StoreConfig.overDefaults(defaults, config)), Clock.systemUTC());
    }
}
