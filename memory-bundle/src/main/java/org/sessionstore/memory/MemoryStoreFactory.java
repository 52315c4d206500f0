package org.sessionstore.memory;

import java.time.Clock;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreType;

/**
 * Publishes the {@code memory} backend. Keys (see {@link MemoryStoreConfiguration}):
 * {@code max_sessions} and {@code max_states} (defaults derived from the heap, see {@link MemoryConfig}),
 * {@code max_states_per_client} (default 1000), {@code state_ttl} (default 10m); any other key is an error. Values under PID {@code sessionstore.memory} are the
 * defaults the registry merges under the active configuration; this component takes no
 * configuration itself (so nothing configured ever becomes a property of its service).
 */
@Component(configurationPid = "sessionstore.memory", configurationPolicy = ConfigurationPolicy.IGNORE)
@Designate(ocd = MemoryStoreConfiguration.class)
@StoreType("memory")
public class MemoryStoreFactory implements StoreFactory {

    @Override
    public SessionStore create(Map<String, ?> config) {
        MemoryConfig c = MemoryConfig.from(config);
        String tight = c.heapWarning();
        if (tight != null) {
            System.getLogger("org.sessionstore.memory").log(System.Logger.Level.WARNING, tight);
        }
        return new MemorySessionStore(c, Clock.systemUTC());
    }
}
