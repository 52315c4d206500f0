package org.example.filestore;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreType;
import org.sessionstore.api.config.Durations;
import org.sessionstore.api.config.StoreConfig;

/**
 * Publishes the {@code file} backend: a {@link StoreFactory} service with {@code store.type=file}
 * (the {@link StoreType} annotation), and its keys as Metatype ({@link FileStoreConfiguration}).
 * The component ignores configuration itself: the registry hands each store its keys in
 * {@link #create(Map)}, so nothing configured becomes a property of this service.
 */
@Component(configurationPid = "sessionstore.file", configurationPolicy = ConfigurationPolicy.IGNORE)
@Designate(ocd = FileStoreConfiguration.class)
@StoreType("file")
public class FileStoreFactory implements StoreFactory {

    static final String DEFAULT_DIR = "data/sessions";
    static final String DEFAULT_STATE_TTL = "10m";

    @Override
    public SessionStore create(Map<String, ?> config) {
        // unknown keys and bad values fail with a StoreConfigException naming the key
        StoreConfig c = StoreConfig.of("file", config, List.of("dir", "state_ttl"));
        return new FileSessionStore(Path.of(c.string("dir", DEFAULT_DIR)),
                c.duration("state_ttl", Durations.parse(DEFAULT_STATE_TTL), Duration.ofSeconds(1), Duration.ofDays(1)),
                Clock.systemUTC());
    }
}
