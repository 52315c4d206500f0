package org.sessionstore.registry;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
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
import org.sessionstore.api.Redaction;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreProvider;
import org.sessionstore.api.StoreRegistry;
import org.sessionstore.api.StoreStatus;
import org.sessionstore.registry.FactoryIndex.Candidate;
import org.sessionstore.registry.Swapper.Submission;
import org.sessionstore.registry.yaml.YamlWatcher;
import org.sessionstore.registry.yaml.YamlWatcher.Found;
import org.sessionstore.registry.yaml.YamlWatcher.Problem;
import org.sessionstore.registry.yaml.YamlWatcher.Reading;

/**
 * The registry: tracks every {@link StoreFactory} service, builds the store configured under PID
 * {@value StoreRegistry#PID} (none configured: {@code memory}) and publishes it as a
 * {@link SessionStore} service with {@code store.type} and {@code sessionstore.front=true}. That
 * service is the {@link StoreFront}: it stays registered while backends come and go, and is
 * withdrawn only when this component goes.
 *
 * <p>Configuration reaches the {@link Swapper} through one door from three places: ConfigAdmin
 * ({@code etc/*.cfg} and what was saved), {@code sessionstore:use} ({@link #switchTo}) and the
 * seed's YAML ({@link YamlWatcher}). The two last are saved to ConfigAdmin once applied. At
 * activation the YAML is read before anything is built, so the first store built is the one
 * configured; the front carries {@value #STATE_PROPERTY} from then on, which the launcher waits
 * for before it opens the console.
 */
@Component(configurationPid = StoreRegistry.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
@Designate(ocd = RegistryConfiguration.class)
public class SessionStoreRegistry implements StoreRegistry {

    /** Service property of the front: the state of the store once the configuration found at start is settled. */
    public static final String STATE_PROPERTY = "sessionstore.state";
    private static final Logger LOG = System.getLogger("org.sessionstore.registry");
    /** How long {@code use} waits for the registry thread (a migration into Redis runs about 30,000 sessions/s). */
    static final long SWITCH_WAIT_SECONDS = 300;
    /** How long a leaving backend's bundle waits for its store to be withdrawn. */
    static final long LEAVING_WAIT_SECONDS = 15;

    private final FactoryIndex factories = new FactoryIndex();
    private final StoreFront front = new StoreFront();
    /** The registry thread: every swap, one at a time (see {@link Swapper}). */
    private final ScheduledExecutorService registryThread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sessionstore-registry");
        t.setDaemon(true);
        return t;
    });
    /** Housekeeping runs apart, so a long cleaning never delays a swap. */
    private final ScheduledExecutorService housekeepingThread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sessionstore-housekeeping");
        t.setDaemon(true);
        return t;
    });
    private final Swapper swapper = new Swapper(factories, front, registryThread, this::republish);
    private final Housekeeper housekeeper = new Housekeeper(front, housekeepingThread);
    private volatile ServiceRegistration<SessionStore> registration;
    private volatile Dictionary<String, Object> published;
    private volatile BundleContext context;
    private volatile YamlWatcher yaml;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configAdmin;

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
        if (factories.remove((Long) ref.getProperty(Constants.SERVICE_ID)).isPresent() && !frameworkStopping()) {
            // the factory's bundle is stopping: wait (bounded) until its store is drained and an
            // in-process store's entries are read, while the bundle's classes are still there
            try {
                swapper.factoriesChanged().get(LEAVING_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.log(Level.WARNING, "the registry did not finish withdrawing the store of bundle {0} in {1}s",
                        ref.getBundle().getSymbolicName(), LEAVING_WAIT_SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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
        swapper.persistTo(this::persist);
        YamlWatcher watcher = new YamlWatcher(YamlWatcher.fileFrom(context::getProperty), this::yamlChanged);
        yaml = watcher;
        Reading atStart = watcher.readNow();
        swapper.start(properties, atStart instanceof Found f ? Submission.fromFile(f.config(), f.source()) : null,
                atStart instanceof Problem p ? p.message() : null);
        published = frontProperties();
        registration = context.registerService(SessionStore.class, front, published);
        watcher.start();
    }

    @Modified
    void modified(Map<String, Object> properties) {
        swapper.submit(Submission.fromConfigAdmin(properties));
    }

    private void yamlChanged(Reading r) {
        if (r instanceof Found f) {
            try {
                swapper.submit(Submission.fromFile(f.config(), f.source())).get(SWITCH_WAIT_SECONDS, TimeUnit.SECONDS);
                LOG.log(Level.INFO, "applied {0}", f.source());
            } catch (ExecutionException refused) {
                // the registry reported it, with the file and line
            } catch (TimeoutException | InterruptedException e) {
                LOG.log(Level.WARNING, f.source() + " is still being applied");
            }
        } else if (r instanceof Problem p) {
            swapper.refuse(p.message() + "; the running store is kept");
        }
    }

    @Deactivate
    void deactivate() {
        YamlWatcher w = yaml;
        if (w != null) {
            w.close();
        }
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
        housekeepingThread.shutdownNow();
        swapper.shutdown();
        registryThread.shutdownNow();
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

    /** Saves a configuration applied from the shell or the YAML as PID sessionstore, unless it holds it already. */
    private void persist(Map<String, Object> properties) {
        ConfigurationAdmin cm = configAdmin;
        if (cm == null) {
            LOG.log(Level.WARNING, "ConfigurationAdmin is not available: the session store configuration is in effect"
                    + " but not saved; it is lost at restart");
            return;
        }
        try {
            Configuration c = cm.getConfiguration(StoreRegistry.PID, "?");
            if (holds(c.getProperties(), properties)) {
                return;
            }
            c.update(new Hashtable<>(properties));
        } catch (IOException | RuntimeException e) {
            throw new StoreException("saving the configuration failed: " + e.getMessage(), e);
        }
    }

    private static boolean holds(Dictionary<String, Object> saved, Map<String, Object> properties) {
        if (saved == null) {
            return false;
        }
        Map<String, Object> m = new HashMap<>();
        for (var keys = saved.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            m.put(k, saved.get(k));
        }
        try {
            return RegistrySettings.from(m).asProperties().equals(properties);
        } catch (RuntimeException unreadable) {
            return false;
        }
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
        return c.factory().create(config == null ? Map.of() : config);
    }

    @Override
    public Migration switchTo(Map<String, ?> configuration, boolean migrate) {
        CompletableFuture<Migration> done = swapper.submit(Submission.fromShell(configuration, migrate));
        try {
            return done.get(SWITCH_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new StoreException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new StoreException("the switch is still running after " + SWITCH_WAIT_SECONDS
                    + "s (a long migration?); see sessionstore:info");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while switching; see sessionstore:info");
        }
    }

    @Override
    public Optional<Housekeeping> lastHousekeeping() {
        return Optional.ofNullable(housekeeper.last());
    }

    @Override
    public StoreStatus status() {
        return swapper.status();
    }

    /** The YAML file watched (for {@code info}). */
    public Optional<java.nio.file.Path> yamlFile() {
        YamlWatcher w = yaml;
        return w == null ? Optional.empty() : Optional.of(w.file());
    }
}
