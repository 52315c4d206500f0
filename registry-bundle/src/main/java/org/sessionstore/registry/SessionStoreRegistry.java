package org.sessionstore.registry;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.sessionstore.api.Housekeeping;
import org.sessionstore.api.Migration;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreProvider;
import org.sessionstore.api.StoreRegistry;
import org.sessionstore.api.StoreStatus;
import org.sessionstore.registry.FactoryIndex.Candidate;

/**
 * The registry: tracks every {@link StoreFactory} service, builds the store configured under PID
 * {@value StoreRegistry#PID} (none configured: {@code memory}) and publishes it as a
 * {@link SessionStore} service with {@code store.type} and {@code sessionstore.front=true}. That
 * service is the {@link StoreFront}: it stays registered while backends come and go, and is
 * withdrawn only when this component goes (its configuration deleted or the bundle stopped).
 */
@Component(configurationPid = StoreRegistry.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
@Designate(ocd = RegistryConfiguration.class)
public class SessionStoreRegistry implements StoreRegistry {

    private final FactoryIndex factories = new FactoryIndex();
    /** One daemon thread for the registry's timed work: housekeeping, dropping a store no successor took. */
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sessionstore-registry");
        t.setDaemon(true);
        return t;
    });
    private final ActiveStore active = new ActiveStore(factories, timer);
    private final Housekeeper housekeeper = new Housekeeper(active, timer);
    private volatile ServiceRegistration<SessionStore> registration;
    private volatile String publishedType;
    private volatile BundleContext context;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeStoreFactory", updated = "updatedStoreFactory")
    void addStoreFactory(ServiceReference<StoreFactory> ref, StoreFactory factory) {
        Object type = ref.getProperty(StoreFactory.STORE_TYPE);
        if (!(type instanceof String t) || t.isBlank()) {
            System.getLogger("org.sessionstore.registry").log(System.Logger.Level.WARNING,
                    "ignoring a StoreFactory of bundle {0} without a store.type property",
                    ref.getBundle().getSymbolicName());
            return;
        }
        Object ranking = ref.getProperty(Constants.SERVICE_RANKING);
        Candidate c = new Candidate(t, (Long) ref.getProperty(Constants.SERVICE_ID),
                ranking instanceof Integer r ? r : 0, factory, ref.getBundle().getSymbolicName(),
                ref.getBundle().getVersion().toString(), ref.getBundle().getBundleId());
        active.factoriesChanged(factories.put(c));
    }

    void updatedStoreFactory(ServiceReference<StoreFactory> ref, StoreFactory factory) {
        factories.remove((Long) ref.getProperty(Constants.SERVICE_ID)).ifPresent(active::factoriesChanged);
        addStoreFactory(ref, factory);
    }

    void removeStoreFactory(ServiceReference<StoreFactory> ref) {
        Optional<String> type = factories.remove((Long) ref.getProperty(Constants.SERVICE_ID));
        if (!frameworkStopping()) {
            type.ifPresent(active::factoriesChanged);
        }
    }

    /** While the framework shuts down, backends leave first; the registry follows, no swap needed. */
    private boolean frameworkStopping() {
        BundleContext ctx = context;
        return ctx != null && ctx.getBundle(0).getState() == Bundle.STOPPING;
    }

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        this.context = context;
        String type = active.configure(properties);
        publishedType = type;
        registration = context.registerService(SessionStore.class, active.front(), frontProperties(type));
        housekeeper.follow(active.settings().cleanInterval());
    }

    @Modified
    void modified(Map<String, Object> properties) {
        String type = active.configure(properties);
        republish(type);
    }

    private void republish(String type) {
        housekeeper.follow(active.settings().cleanInterval());
        ServiceRegistration<SessionStore> reg = registration;
        if (reg != null && !type.equals(publishedType)) {
            publishedType = type;
            reg.setProperties(frontProperties(type));
        }
    }

    @Deactivate
    void deactivate() {
        ServiceRegistration<SessionStore> reg = registration;
        registration = null;
        if (reg != null) {
            try {
                reg.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework unregistered it with the bundle
            }
        }
        housekeeper.stop();
        active.shutdown();
        timer.shutdownNow();
    }

    private static Dictionary<String, Object> frontProperties(String type) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(StoreFactory.STORE_TYPE, type);
        props.put(StoreRegistry.FRONT_PROPERTY, Boolean.TRUE);
        props.put(Constants.SERVICE_DESCRIPTION, "The configured session store (" + type + ")");
        return props;
    }

    @Override
    public List<StoreProvider> types() {
        return factories.providers();
    }

    @Override
    public SessionStore create(String type, Map<String, ?> config) {
        String t = type == null || type.isBlank() ? DEFAULT_TYPE : type.trim();
        Candidate c = factories.chosen(t).orElseThrow(() -> new StoreConfigException("type",
                "unsupported session store type '" + t + "' (available: " + String.join(", ", factories.typeNames())
                        + ")"));
        return c.factory().create(config == null ? Map.of() : config);
    }

    @Override
    public Migration switchTo(Map<String, ?> configuration, boolean migrate) {
        Migration m = active.switchTo(configuration, migrate);
        republish(m.type());
        return m;
    }

    @Override
    public Optional<Housekeeping> lastHousekeeping() {
        return Optional.ofNullable(housekeeper.last());
    }

    @Override
    public StoreStatus status() {
        return active.status();
    }
}
