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
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.cm.ManagedService;
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
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
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
 * seed's YAML ({@link YamlWatcher}). The two last are saved to ConfigAdmin once applied. The
 * registry takes PID {@value StoreRegistry#PID} through a {@code ManagedService} of its own,
 * not as DS component properties, so no setting (a password included) ever becomes a property
 * of its services or shows in {@code scr:info}. When ConfigAdmin first delivers it, the YAML is
 * read too, and only then is a store built, so the first store built is the one configured; the
 * front carries {@value #STATE_PROPERTY} from then on, which the launcher waits for before it
 * opens the console. A deleted configuration (its {@code .cfg} removed) changes nothing.
 *
 * <p>When this bundle is updated or stopped while the framework runs, the live entries of an
 * in-process store are handed to its next instance through a service of the system bundle
 * ({@value #HANDOVER_PROPERTY}), holding only JDK and API objects.
 */
@Component(configurationPid = StoreRegistry.PID, configurationPolicy = ConfigurationPolicy.IGNORE, immediate = true)
@Designate(ocd = RegistryConfiguration.class)
public class SessionStoreRegistry implements StoreRegistry {

    /** Service property of the front: the state of the store once the configuration found at start is settled. */
    public static final String STATE_PROPERTY = "sessionstore.state";
    /** Property of the system-bundle service that carries in-process entries to the registry's next instance. */
    static final String HANDOVER_PROPERTY = "sessionstore.handover";
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
    private volatile ServiceRegistration<?> managed;
    private volatile ServiceRegistration<?> listener;
    /** Guards {@link #started}: the first configuration delivered starts the store, once. */
    private final Object startLock = new Object();
    private boolean started;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configAdmin;

    /** ConfigAdmin's plugins (the interpolation plugin): they resolve what the shell and the YAML give, too. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, fieldOption = org.osgi.service.component.annotations.FieldOption.UPDATE)
    private final java.util.List<ConfigurationPlugin> plugins = new java.util.concurrent.CopyOnWriteArrayList<>();

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
    void activate(BundleContext context) {
        this.context = context;
        swapper.persistTo(this::persist);
        swapper.resolveWith(this::resolve);
        swapper.defaultsFrom(this::defaults);
        takeHandover(context);
        yaml = new YamlWatcher(YamlWatcher.fileFrom(context::getProperty), this::yamlChanged);
        front.events.open(context);
        published = frontProperties();
        registration = context.registerService(SessionStore.class, front, published);
        Hashtable<String, Object> pid = new Hashtable<>();
        pid.put(Constants.SERVICE_PID, StoreRegistry.PID);
        managed = context.registerService(ManagedService.class, this::configurationUpdated, pid);
        // a backend's defaults (PID sessionstore.TYPE) changed: the registry rebuilds that backend
        listener = context.registerService(ConfigurationListener.class, event -> {
            String changed = event.getPid();
            if (changed == null || !changed.startsWith(StoreRegistry.PID)) {
                return;
            }
            ConfigurationAdmin cm = configAdmin;
            if (cm != null && event.getType() != org.osgi.service.cm.ConfigurationEvent.CM_DELETED) {
                unbind(cm, context);
            }
            if (changed.startsWith(StoreRegistry.PID + ".")) {
                swapper.factoriesChanged();
            }
        }, null);
        if (configAdmin == null) {
            // no ConfigAdmin: nothing will be delivered, the YAML and the defaults are all there is
            configurationUpdated(null);
        } else {
            unbind(configAdmin, context);
        }
        republish(swapper);
    }

    /**
     * Resolves placeholders ({@code $[env:…]}, {@code $[secret:…]}) in a configuration from the shell
     * or the YAML with ConfigAdmin's own plugins, exactly as ConfigAdmin does before it delivers
     * one; what is saved keeps the placeholders.
     */
    private Map<String, Object> resolve(Map<String, Object> written) {
        ServiceRegistration<?> m = managed;
        if (plugins.isEmpty() || m == null) {
            return written;
        }
        Hashtable<String, Object> dict = new Hashtable<>();
        written.forEach((k, v) -> {
            if (v != null) {
                dict.put(k, v);
            }
        });
        dict.put(Constants.SERVICE_PID, StoreRegistry.PID);
        for (ConfigurationPlugin plugin : plugins) {
            try {
                plugin.modifyConfiguration(m.getReference(), dict);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a ConfigAdmin plugin failed on the session store configuration: "
                        + Redaction.printable(String.valueOf(e.getMessage())));
            }
        }
        dict.remove(Constants.SERVICE_PID);
        return asMap(dict);
    }

    /**
     * A backend type's defaults: PID {@code sessionstore.TYPE} with ConfigAdmin's plugins applied
     * (its placeholders resolved), framework keys out. The registry merges them itself, so a
     * backend's component takes no configuration and none of it becomes a service property.
     */
    private Map<String, Object> defaults(String type) {
        ConfigurationAdmin cm = configAdmin;
        ServiceRegistration<?> m = managed;
        if (cm == null || m == null) {
            return Map.of();
        }
        try {
            Configuration[] found = cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + StoreRegistry.PID + "." + type + ")");
            if (found == null || found.length == 0) {
                return Map.of();
            }
            Dictionary<String, Object> processed = found[0].getProcessedProperties(m.getReference());
            warnIfClearSecret(found[0].getPid(), found[0].getProperties());
            return RegistrySettings.written(asMap(processed));
        } catch (IOException | InvalidSyntaxException | RuntimeException e) {
            LOG.log(Level.WARNING, "the defaults of the " + type + " store (PID sessionstore." + type + ") cannot be read: "
                    + Redaction.printable(String.valueOf(e.getMessage())));
            return Map.of();
        }
    }

    private final java.util.Set<String> warnedClear = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A backend's defaults with a secret in clear: it works, but a placeholder is better. Said once per PID. */
    private void warnIfClearSecret(String pid, Dictionary<String, Object> stored) {
        if (stored == null) {
            return;
        }
        RegistrySettings.written(asMap(stored)).forEach((k, v) -> {
            if (Redaction.isSecretKey(k) && v != null && !String.valueOf(v).isEmpty() && !String.valueOf(v).contains("$[")
                    && warnedClear.add(pid)) {
                LOG.log(Level.WARNING, "PID {0} gives ''{1}'' in clear; it is saved under data/ (readable by this user"
                        + " only), but {1}=$[secret:NAME] keeps it out of every file", pid, k);
            }
        });
    }

    /** PID sessionstore as stored, placeholders kept (ConfigAdmin delivers it resolved). */
    private Map<String, Object> stored() {
        ConfigurationAdmin cm = configAdmin;
        try {
            Configuration[] found = cm == null ? null
                    : cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + StoreRegistry.PID + ")");
            return found == null || found.length == 0 ? null : asMap(found[0].getProperties());
        } catch (IOException | InvalidSyntaxException e) {
            return null;
        }
    }

    /** PID sessionstore as ConfigAdmin delivers it (its plugins, such as interpolation, applied). */
    private void configurationUpdated(Dictionary<String, ?> properties) {
        Map<String, Object> config = asMap(properties);
        synchronized (startLock) {
            if (!started) {
                started = true;
                YamlWatcher watcher = yaml;
                Reading atStart = watcher.readNow();
                swapper.start(config, stored(), atStart instanceof Found f ? Submission.fromFile(f.config(), f.source())
                        : null, atStart instanceof Problem p ? p.message() : null);
                watcher.start();
                return;
            }
        }
        if (properties == null) {
            LOG.log(Level.WARNING, "the configuration of PID sessionstore was deleted (its etc/ file removed?); the"
                    + " running store keeps the configuration it has; give a new one to change it");
            return;
        }
        swapper.submit(Submission.fromConfigAdmin(config, stored()));
    }

    private static Map<String, Object> asMap(Dictionary<String, ?> d) {
        Map<String, Object> m = new HashMap<>();
        if (d != null) {
            for (var keys = d.keys(); keys.hasMoreElements();) {
                String k = keys.nextElement();
                m.put(k, d.get(k));
            }
        }
        return m;
    }

    /**
     * A configuration of PID sessionstore bound to another bundle (for example by a
     * {@code cm:getConfiguration sessionstore} typed in the console) is never delivered to this
     * one: it is bound back to any bundle, with a warning, rather than silently ignored.
     */
    private static void unbind(ConfigurationAdmin cm, BundleContext context) {
        try {
            Configuration[] found = cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + StoreRegistry.PID + "*)");
            for (Configuration c : found == null ? new Configuration[0] : found) {
                String location = c.getBundleLocation();
                if (location != null && !location.startsWith("?") && !location.equals(context.getBundle().getLocation())) {
                    c.setBundleLocation("?");
                    LOG.log(Level.WARNING, "the configuration {0} was bound to {1}, so the registry never got it; it is"
                            + " bound to any bundle again", c.getPid(), Redaction.printable(location));
                }
            }
        } catch (IOException | InvalidSyntaxException | RuntimeException e) {
            LOG.log(Level.WARNING, "the bindings of the session store configurations cannot be checked: "
                    + Redaction.printable(String.valueOf(e.getMessage())));
        }
    }

    /** Takes the entries a previous instance of this bundle handed over, if any. */
    @SuppressWarnings("unchecked")
    private void takeHandover(BundleContext context) {
        try {
            BundleContext system = context.getBundle(0).getBundleContext();
            ServiceReference<?>[] refs = system.getServiceReferences(AtomicReference.class.getName(),
                    "(" + HANDOVER_PROPERTY + "=true)");
            if (refs == null) {
                return;
            }
            for (ServiceReference<?> ref : refs) {
                AtomicReference<Object[]> box = (AtomicReference<Object[]>) system.getService(ref);
                Object[] handed = box == null ? null : box.getAndSet(null);
                system.ungetService(ref);
                if (handed != null) {
                    swapper.adopt(KeptEntries.of((String) handed[0], (List<Session>) handed[1],
                            (List<StateEntry>) handed[2]));
                }
            }
        } catch (InvalidSyntaxException | RuntimeException e) {
            LOG.log(Level.ERROR, "the entries handed over by the previous session store registry could not be taken: "
                    + Redaction.printable(String.valueOf(e)));
        }
    }

    /** Hands live in-process entries to the next instance, through a service of the system bundle. */
    private void handOver(KeptEntries entries) {
        if (entries == null || entries.size() == 0) {
            return;
        }
        try {
            BundleContext system = context.getBundle(0).getBundleContext();
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(HANDOVER_PROPERTY, Boolean.TRUE);
            // only JDK and API objects: the next instance runs other classes of this bundle
            system.registerService(AtomicReference.class.getName(), new AtomicReference<>(entries.asHandover()), props);
            LOG.log(Level.WARNING, "the session store registry stops with {0} sessions and states of the {1} store in"
                    + " memory; they are kept for its next start", entries.size(), entries.type());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "the session store registry could not keep its {0} in-process sessions and states: {1}",
                    entries.size(), Redaction.printable(String.valueOf(e)));
        }
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
        front.events.close();
        YamlWatcher w = yaml;
        if (w != null) {
            w.close();
        }
        for (ServiceRegistration<?> own : new ServiceRegistration<?>[] {managed, listener}) {
            if (own != null) {
                try {
                    own.unregister();
                } catch (IllegalStateException alreadyGone) {
                    // unregistered with the bundle
                }
            }
        }
        managed = null;
        listener = null;
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
        boolean frameworkStops = frameworkStopping();
        KeptEntries left = swapper.shutdown(!frameworkStops);
        registryThread.shutdownNow();
        if (!frameworkStops) {
            handOver(left);
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
            Dictionary<String, Object> old = c.getProperties();
            if (holds(old, properties)) {
                return;
            }
            Hashtable<String, Object> next = new Hashtable<>(properties);
            Object file = old == null ? null : old.get(ConfigSource.FILEINSTALL_FILENAME);
            if (file != null) {
                // FileInstall still owns it: it applies the file again at the next start (use says so)
                next.put(ConfigSource.FILEINSTALL_FILENAME, file);
            }
            c.update(next);
        } catch (IOException | RuntimeException e) {
            BundleContext ctx = context;
            String dir = ctx == null ? null : ctx.getProperty("felix.cm.dir");
            throw new StoreException("saving it to ConfigAdmin" + (dir == null ? "" : " (" + dir + ")") + " failed: "
                    + Redaction.printable(String.valueOf(e.getMessage())) + (e.getCause() instanceof IOException io
                            && io != e ? " (" + Redaction.printable(String.valueOf(io.getMessage())) + ")" : ""), e);
        }
    }

    /** Whether ConfigAdmin holds these keys and values already (as written, placeholders and all). */
    private static boolean holds(Dictionary<String, Object> saved, Map<String, Object> written) {
        if (saved == null) {
            return false;
        }
        Map<String, String> a = new HashMap<>();
        RegistrySettings.written(asMap(saved)).forEach((k, v) -> a.put(k, String.valueOf(v)));
        Map<String, String> b = new HashMap<>();
        written.forEach((k, v) -> b.put(k, String.valueOf(v)));
        return a.equals(b);
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
        Map<String, Object> merged = new HashMap<>(defaults(t));
        if (config != null) {
            merged.putAll(config);
        }
        return c.factory().create(merged);
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

    /** The live sessions now, without waiting: empty while no backend serves (during a migration, say). */
    public java.util.OptionalLong sessionCountNow() {
        long[] n = {-1};
        front.ifServing(store -> n[0] = store.getSessionCount());
        return n[0] < 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(n[0]);
    }

    /** What the serving backend is connected to ({@link SessionStore#details()}), without waiting; empty if none serves. */
    public Map<String, String> detailsNow() {
        @SuppressWarnings("unchecked")
        Map<String, String>[] d = new Map[] {Map.of()};
        front.ifServing(store -> d[0] = store.details());
        return d[0];
    }

    /**
     * The {@code etc/} file that sets PID sessionstore at every start (FileInstall reads it again
     * then), if one does: a change made with {@code use} lasts until the next restart.
     */
    public Optional<String> fileSettingTheConfiguration() {
        ConfigurationAdmin cm = configAdmin;
        if (cm == null) {
            return Optional.empty();
        }
        try {
            Configuration[] found = cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + StoreRegistry.PID + ")");
            if (found == null || found.length == 0 || found[0].getProperties() == null) {
                return Optional.empty();
            }
            Object file = found[0].getProperties().get(ConfigSource.FILEINSTALL_FILENAME);
            return file == null ? Optional.empty() : Optional.of(ConfigSource.of(Map.of(ConfigSource.FILEINSTALL_FILENAME,
                    file)).name());
        } catch (IOException | InvalidSyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The YAML file watched (for {@code info}). */
    public Optional<java.nio.file.Path> yamlFile() {
        YamlWatcher w = yaml;
        return w == null ? Optional.empty() : Optional.of(w.file());
    }
}
