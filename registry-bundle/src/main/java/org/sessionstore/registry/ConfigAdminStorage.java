package org.sessionstore.registry;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.cm.ManagedService;
import org.osgi.util.tracker.ServiceTracker;
import org.sessionstore.api.Redaction;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.StoreRegistry;

/**
 * Everything the registry does with ConfigAdmin, in one class: it takes PID {@code sessionstore}
 * through a {@link ManagedService} of its own (so no setting becomes a property of a service or
 * shows in {@code scr:info}) and hands each delivery to the {@link ConfigDoor}; it saves what the
 * door asks it to; it resolves placeholders ({@code $[secret:…]}) with ConfigAdmin's own plugins
 * (the interpolation plugin), as a delivery would carry them, for a configuration the door checks
 * before it saves it; it reads each backend type's defaults (PID {@code sessionstore.TYPE}) and
 * tells the {@link Swapper} when they change; it says which {@code etc/} file sets the
 * configuration; and it binds back a configuration bound to another bundle.
 *
 * <p>Without ConfigAdmin (a bare framework) nothing is saved: a configuration written is delivered
 * at once, with a warning that it is lost at restart.
 */
final class ConfigAdminStorage implements ConfigStorage {

    private static final Logger LOG = System.getLogger("org.sessionstore.registry");

    private final BundleContext context;
    private final ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> admin;
    private final ServiceTracker<ConfigurationPlugin, ConfigurationPlugin> plugins;
    private final Set<String> warnedClear = ConcurrentHashMap.newKeySet();
    private volatile ServiceRegistration<?> managed;
    private volatile ServiceRegistration<?> listener;
    private volatile Consumer<Map<String, Object>> deliveries;

    ConfigAdminStorage(BundleContext context) {
        this.context = context;
        this.admin = new ServiceTracker<>(context, ConfigurationAdmin.class, null);
        this.plugins = new ServiceTracker<>(context, ConfigurationPlugin.class, null);
    }

    /**
     * Starts taking deliveries: each backend type's defaults go to {@code defaultsChanged} first
     * (and again on every change), then PID sessionstore's deliveries (null: deleted) to {@code deliveries}.
     */
    void open(Consumer<Map<String, Object>> deliveries, BiConsumer<String, Map<String, Object>> defaultsChanged) {
        this.deliveries = deliveries;
        admin.open();
        plugins.open();
        ConfigurationAdmin cm = admin.getService();
        if (cm != null) {
            unbind(cm);
            for (String type : backendTypesConfigured(cm)) {
                defaultsChanged.accept(type, defaults(type));
            }
        }
        listener = context.registerService(ConfigurationListener.class, event -> {
            String pid = event.getPid();
            if (pid == null || !pid.startsWith(StoreRegistry.PID)) {
                return;
            }
            ConfigurationAdmin now = admin.getService();
            if (now != null && event.getType() != ConfigurationEvent.CM_DELETED) {
                unbind(now);
            }
            if (pid.startsWith(StoreRegistry.PID + ".")) {
                String type = pid.substring(StoreRegistry.PID.length() + 1);
                defaultsChanged.accept(type, event.getType() == ConfigurationEvent.CM_DELETED ? Map.of() : defaults(type));
            }
        }, null);
        Hashtable<String, Object> pid = new Hashtable<>();
        pid.put(Constants.SERVICE_PID, StoreRegistry.PID);
        managed = context.registerService(ManagedService.class, properties -> deliveries.accept(properties == null ? null
                : asMap(properties)), pid);
        if (cm == null) {
            // no ConfigAdmin: nothing will be delivered; the YAML and the defaults are all there is
            deliveries.accept(null);
        }
    }

    void close() {
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
        plugins.close();
        admin.close();
    }

    @Override
    public Map<String, Object> stored() {
        Configuration c = find(StoreRegistry.PID);
        Dictionary<String, Object> p = c == null ? null : c.getProperties();
        return p == null ? null : RegistrySettings.written(asMap(p));
    }

    @Override
    public void delete() {
        ConfigurationAdmin cm = admin.getService();
        if (cm == null) {
            return;
        }
        try {
            Configuration c = cm.getConfiguration(StoreRegistry.PID, "?");
            if (c.getProperties() != null) {
                c.delete();
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.ERROR, "the refused configuration could not be removed from ConfigAdmin: "
                    + Redaction.printable(String.valueOf(e.getMessage())));
        }
    }

    @Override
    public void write(Map<String, Object> written) {
        ConfigurationAdmin cm = admin.getService();
        if (cm == null) {
            LOG.log(Level.WARNING, "ConfigurationAdmin is not available: the session store configuration is in effect"
                    + " but not saved; it is lost at restart");
            deliveries.accept(resolve(written));
            return;
        }
        try {
            Configuration c = cm.getConfiguration(StoreRegistry.PID, "?");
            Dictionary<String, Object> old = c.getProperties();
            Hashtable<String, Object> next = new Hashtable<>(written);
            Object file = old == null ? null : old.get(ConfigSource.FILEINSTALL_FILENAME);
            if (file != null) {
                // FileInstall still owns it: it applies the file again at the next start (use says so)
                next.put(ConfigSource.FILEINSTALL_FILENAME, file);
            }
            c.update(next);
        } catch (IOException | RuntimeException e) {
            String dir = context.getProperty("felix.cm.dir");
            throw new StoreException("saving it to ConfigAdmin" + (dir == null ? "" : " (" + dir + ")") + " failed: "
                    + Redaction.printable(String.valueOf(e.getMessage())) + (e.getCause() instanceof IOException io
                            && io != e ? " (" + Redaction.printable(String.valueOf(io.getMessage())) + ")" : ""), e);
        }
    }

    /**
     * Resolves placeholders ({@code $[env:…]}, {@code $[secret:…]}) with ConfigAdmin's own
     * plugins, exactly as ConfigAdmin does before it delivers a configuration; what is saved keeps
     * the placeholders.
     */
    @Override
    public Map<String, Object> resolve(Map<String, Object> written) {
        ServiceRegistration<?> m = managed;
        ServiceReference<ConfigurationPlugin>[] refs = plugins.getServiceReferences();
        if (refs == null || m == null) {
            return written;
        }
        Hashtable<String, Object> dict = new Hashtable<>();
        written.forEach((k, v) -> {
            if (v != null) {
                dict.put(k, v);
            }
        });
        dict.put(Constants.SERVICE_PID, StoreRegistry.PID);
        for (ServiceReference<ConfigurationPlugin> ref : refs) {
            ConfigurationPlugin plugin = plugins.getService(ref);
            if (plugin == null) {
                continue;
            }
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
    @Override
    public Map<String, Object> defaults(String type) {
        ServiceRegistration<?> m = managed;
        Configuration c = find(StoreRegistry.PID + "." + type);
        if (c == null || m == null) {
            return Map.of();
        }
        try {
            Dictionary<String, Object> processed = c.getProcessedProperties(m.getReference());
            warnIfClearSecret(c.getPid(), c.getProperties());
            return RegistrySettings.written(asMap(processed));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the defaults of the " + type + " store (PID sessionstore." + type + ") cannot be read: "
                    + Redaction.printable(String.valueOf(e.getMessage())));
            return Map.of();
        }
    }

    @Override
    public Optional<String> fileSettingTheConfiguration() {
        Configuration c = find(StoreRegistry.PID);
        Dictionary<String, Object> p = c == null ? null : c.getProperties();
        Object file = p == null ? null : p.get(ConfigSource.FILEINSTALL_FILENAME);
        return file == null ? Optional.empty()
                : Optional.of(ConfigSource.of(Map.of(ConfigSource.FILEINSTALL_FILENAME, file)).name());
    }

    private Configuration find(String pid) {
        ConfigurationAdmin cm = admin.getService();
        if (cm == null) {
            return null;
        }
        try {
            Configuration[] found = cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
            return found == null || found.length == 0 ? null : found[0];
        } catch (IOException | InvalidSyntaxException | RuntimeException e) {
            return null;
        }
    }

    private static java.util.List<String> backendTypesConfigured(ConfigurationAdmin cm) {
        java.util.List<String> types = new java.util.ArrayList<>();
        try {
            Configuration[] found = cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + StoreRegistry.PID + ".*)");
            for (Configuration c : found == null ? new Configuration[0] : found) {
                types.add(c.getPid().substring(StoreRegistry.PID.length() + 1));
            }
        } catch (IOException | InvalidSyntaxException | RuntimeException e) {
            // none then
        }
        return types;
    }

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

    /**
     * A configuration of PID sessionstore bound to another bundle (for example by a
     * {@code cm:getConfiguration sessionstore} typed in the console) is never delivered to this
     * one: it is bound back to any bundle, with a warning, rather than silently ignored.
     */
    private void unbind(ConfigurationAdmin cm) {
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

    static Map<String, Object> asMap(Dictionary<String, ?> d) {
        Map<String, Object> m = new HashMap<>();
        if (d != null) {
            for (var keys = d.keys(); keys.hasMoreElements();) {
                String k = keys.nextElement();
                m.put(k, d.get(k));
            }
        }
        return m;
    }
}
