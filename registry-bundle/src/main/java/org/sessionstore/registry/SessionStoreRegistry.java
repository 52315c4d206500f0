package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.sessionstore.api.Housekeeping;
import org.sessionstore.api.Migration;
import org.sessionstore.api.Redaction;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreHealth;
import org.sessionstore.api.StoreInfo;
import org.sessionstore.api.StoreMetrics;
import org.sessionstore.api.StoreProvider;
import org.sessionstore.api.StoreRegistry;
import org.sessionstore.api.StoreStatus;
import org.sessionstore.registry.FactoryIndex.Candidate;
import org.sessionstore.registry.metrics.MeteredStore;
import org.sessionstore.registry.metrics.Metrics;
import org.sessionstore.registry.metrics.MetricsBean;
import org.sessionstore.registry.yaml.YamlWatcher;

/**
 * The registry component: tracks every {@link StoreFactory} service, publishes the
 * {@link StoreFront} as the {@link SessionStore} service (with {@code store.type} and
 * {@code sessionstore.front=true}; it stays registered while backends come and go), and wires the
 * parts: configuration enters at one {@link ConfigDoor} (through {@link ConfigAdminStorage}), the
 * {@link Swapper} puts the configured backend behind the front, the {@link Housekeeper} cleans,
 * {@link Events} tells, {@link Handover} carries in-process entries across a restart of this bundle.
 * The front carries {@value #STATE_PROPERTY} once the configuration found at start is settled,
 * which the launcher waits for before it opens the console.
 */
@Component(configurationPid = StoreRegistry.PID, configurationPolicy = ConfigurationPolicy.IGNORE, immediate = true)
@Designate(ocd = RegistryConfiguration.class)
public class SessionStoreRegistry implements StoreRegistry {

    /** Service property of the front: the state of the store once the configuration found at start is settled. */
    public static final String STATE_PROPERTY = "sessionstore.state";
    private static final Logger LOG = System.getLogger("org.sessionstore.registry");
    /** How long a leaving backend's bundle waits for its store to be withdrawn. */
    static final long LEAVING_WAIT_SECONDS = 15;

    private final FactoryIndex factories = new FactoryIndex();
    private final StoreFront front = new StoreFront();
    /** The registry thread: every swap, one at a time (see {@link Swapper}). */
    private final ScheduledExecutorService registryThread = daemon("sessionstore-registry");
    /** Housekeeping runs apart, so a long cleaning never delays a swap. */
    private final ScheduledExecutorService housekeepingThread = daemon("sessionstore-housekeeping");
    private final Swapper swapper = new Swapper(factories, front, registryThread, this::republish);
    private final Housekeeper housekeeper = new Housekeeper(front, housekeepingThread);
    private volatile ServiceRegistration<SessionStore> registration;
    private volatile ServiceRegistration<StoreMetrics> metricsRegistration;
    /** The timer of the metrics' history (the page's chart). */
    private volatile AutoCloseable history = () -> { };
    /** Set when the component is deactivated: factories unbound after it need no withdrawal wait. */
    private volatile boolean deactivated;
    private volatile javax.management.ObjectName mbean;
    private volatile Dictionary<String, Object> published;
    private volatile BundleContext context;
    private volatile YamlWatcher yaml;
    private volatile ConfigAdminStorage storage;
    private volatile ConfigDoor door;

    private static ScheduledExecutorService daemon(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeStoreFactory", updated = "updatedStoreFactory")
    void addStoreFactory(ServiceReference<StoreFactory> ref, StoreFactory factory) {
        Object type = ref.getProperty(StoreFactory.STORE_TYPE);
        if (!(type instanceof String t) || !t.matches("[a-z][a-z0-9_-]{0,63}")) {
            LOG.log(Level.WARNING, "ignoring a StoreFactory of bundle {0}: its store.type {1} is not a type name such as"
                    + " memory or redis", ref.getBundle().getSymbolicName(), Redaction.printable(String.valueOf(type)));
            return;
        }
        Object ranking = ref.getProperty(Constants.SERVICE_RANKING);
        factories.put(new Candidate(t, (Long) ref.getProperty(Constants.SERVICE_ID), ranking instanceof Integer r ? r : 0,
                factory, ref.getBundle().getSymbolicName(), ref.getBundle().getVersion().toString(),
                ref.getBundle().getBundleId()));
        swapper.factoriesChanged();
    }

    void updatedStoreFactory(ServiceReference<StoreFactory> ref, StoreFactory factory) {
        factories.remove((Long) ref.getProperty(Constants.SERVICE_ID));
        addStoreFactory(ref, factory);
    }

    void removeStoreFactory(ServiceReference<StoreFactory> ref) {
        // once the registry is deactivated (DS unbinds after deactivate) there is nothing to wait for: its
        // thread is shut down and the stores were withdrawn or handed over (review: each removal waited 15 s)
        if (factories.remove((Long) ref.getProperty(Constants.SERVICE_ID)).isPresent() && !frameworkStopping()
                && !deactivated) {
            // the factory's bundle is stopping: wait (bounded) until its store is drained and an
            // in-process store's entries are read, while the bundle's classes are still there
            try {
                swapper.factoriesChanged().get(LEAVING_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.log(Level.WARNING, "the registry did not finish withdrawing the store of bundle {0} in {1}s",
                        ref.getBundle().getSymbolicName(), String.valueOf(LEAVING_WAIT_SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A count of the backend served now (for a gauge), or -1 while none is: never waits for one. */
    private long countIfServing(java.util.function.ToLongFunction<SessionStore> count) {
        long[] n = {-1};
        front.ifServing(s -> n[0] = count.applyAsLong(s));
        return n[0];
    }

    private static void unregister(ServiceRegistration<?> reg) {
        if (reg != null) {
            try {
                reg.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework unregistered it with the bundle
            }
        }
    }

    /** While the framework shuts down, backends leave first; the registry follows, no swap needed. */
    private boolean frameworkStopping() {
        BundleContext ctx = context;
        return ctx != null && ctx.getBundle(0).getState() == Bundle.STOPPING;
    }

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        KeptEntries handed = Handover.take(context);
        if (handed != null) {
            swapper.adopt(handed);
        }
        YamlWatcher watcher = new YamlWatcher(YamlWatcher.fileFrom(context::getProperty), r -> door.yamlChanged(r));
        yaml = watcher;
        front.events.open(context);
        published = frontProperties();
        Metrics metrics = front.events.metrics;
        metrics.readFrom(() -> countIfServing(SessionStore::getSessionCount), () -> countIfServing(SessionStore::getStateCount),
                front.events::dropped);
        registration = context.registerService(SessionStore.class, new MeteredStore(front, metrics), published);
        metricsRegistration = context.registerService(StoreMetrics.class, metrics, null);
        mbean = MetricsBean.register(metrics);
        history = metrics.recordHistory();
        ConfigAdminStorage cas = new ConfigAdminStorage(context);
        storage = cas;
        door = new ConfigDoor(swapper, cas);
        cas.open(delivered -> door.delivered(delivered, () -> {
            YamlWatcher.Reading atStart = watcher.readNow();
            watcher.start();
            return atStart;
        }), swapper::defaultsChanged);
        republish(swapper);
    }

    @Deactivate
    void deactivate() {
        deactivated = true;
        MetricsBean.unregister(mbean);
        try {
            history.close();
        } catch (Exception impossible) {
            // a timer's shutdown throws nothing
        }
        unregister(metricsRegistration);
        front.events.close();
        YamlWatcher w = yaml;
        if (w != null) {
            w.close();
        }
        ConfigAdminStorage cas = storage;
        if (cas != null) {
            cas.close();
        }
        unregister(registration);
        registration = null;
        housekeeper.stop();
        housekeepingThread.shutdownNow();
        boolean frameworkStops = frameworkStopping();
        KeptEntries left = swapper.shutdown(!frameworkStops);
        registryThread.shutdownNow();
        if (!frameworkStops) {
            Handover.give(context, left);
        }
    }

    /** After every task of the registry thread: the front's properties and the housekeeping follow the state. */
    private void republish(Swapper s) {
        RegistrySettings settings = s.settings();
        if (settings != null) {
            housekeeper.follow(settings.cleanInterval());
        }
        ServiceRegistration<SessionStore> reg = registration;
        Dictionary<String, Object> next = frontProperties();
        if (reg != null && !next.equals(published)) {
            published = next;
            try {
                reg.setProperties(next);
            } catch (IllegalStateException unregistered) {
                // deactivating
            }
        }
    }

    private Dictionary<String, Object> frontProperties() {
        Hashtable<String, Object> props = new Hashtable<>();
        String type = swapper.servingType();
        props.put(StoreFactory.STORE_TYPE, type);
        props.put(StoreRegistry.FRONT_PROPERTY, Boolean.TRUE);
        props.put(Constants.SERVICE_DESCRIPTION, "The configured session store (" + type + ")");
        if (swapper.settled()) {
            props.put(STATE_PROPERTY, swapper.status().state().name());
        }
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
                "unsupported session store type '" + Redaction.printable(t) + "' (available: "
                        + String.join(", ", factories.typeNames()) + ")"));
        ConfigAdminStorage cas = storage;
        Map<String, Object> merged = new HashMap<>(cas == null ? Map.of() : cas.defaults(t));
        if (config != null) {
            merged.putAll(config);
        }
        return c.factory().create(merged);
    }

    @Override
    public Migration switchTo(Map<String, ?> configuration, boolean migrate) {
        return door.use(configuration, migrate);
    }

    @Override
    public Optional<Housekeeping> lastHousekeeping() {
        return Optional.ofNullable(housekeeper.last());
    }

    @Override
    public Optional<String> progress() {
        return front.progress();
    }

    @Override
    public StoreStatus status() {
        return swapper.status();
    }

    @Override
    public StoreHealth.Result health() {
        return Health.check(swapper.status(), front);
    }

    @Override
    public StoreInfo info() {
        StoreStatus s = swapper.status();
        Long sessions = null;
        String problem = null;
        long[] n = {-1};
        long[] bad = {0};
        @SuppressWarnings("unchecked")
        Map<String, String>[] details = new Map[] {Map.of()};
        try {
            // never waits: during a migration no backend serves, and info says so instead
            if (front.ifServing(store -> {
                n[0] = store.getSessionCount();
                bad[0] = store.unreadableRecords();
            })) {
                sessions = n[0];
            } else {
                problem = "- (no backend serves this moment; " + front.progress().orElse("see detail") + ")";
            }
        } catch (RuntimeException e) {
            // info is what an operator runs when the backend is in trouble: say so, do not fail
            problem = "unavailable: " + Redaction.printable(e.getMessage());
        }
        try {
            front.ifServing(store -> details[0] = store.details());
        } catch (RuntimeException e) {
            details[0] = Map.of("connected to", "unknown: " + Redaction.printable(e.getMessage()));
        }
        ConfigAdminStorage cas = storage;
        YamlWatcher w = yaml;
        return new StoreInfo(s, sessions, problem, bad[0], details[0],
                cas == null ? null : cas.fileSettingTheConfiguration().orElse(null),
                w == null ? null : w.file().toString(), housekeeper.last());
    }
}
