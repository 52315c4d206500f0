package org.sessionstore.registry.yaml;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreRegistry;
import org.sessionstore.registry.RegistrySettings;
import org.sessionstore.registry.yaml.SeedYaml.Parsed;
import org.sessionstore.registry.yaml.SeedYaml.YamlProblem;

/**
 * Applies the Go original's YAML file, unchanged, at start and whenever it changes: the
 * {@code session_store} block becomes the configuration of PID {@code sessionstore}. The file is
 * {@code etc/session-store.yaml} (beside the other {@code etc/} files) unless the framework
 * property {@value #PATH_PROPERTY} names another. A file with an error (bad YAML, a type no bundle
 * provides, a bad value) is reported with the file, line and key, and the running store stays
 * as it was. No file: nothing happens. Checked every second.
 */
@Component(service = YamlConfigWatcher.class, immediate = true)
public class YamlConfigWatcher {

    static final String PATH_PROPERTY = "sessionstore.yaml";
    private static final Logger LOG = System.getLogger("org.sessionstore.registry");

    @Reference
    private ConfigurationAdmin configAdmin;

    @Reference
    private StoreRegistry registry;

    private ScheduledExecutorService poller;
    private Path file;
    // touched only by the poller thread
    private String lastText;
    private volatile String lastError;
    private volatile String lastApplied;

    @Activate
    void activate(BundleContext context) {
        String configured = context.getProperty(PATH_PROPERTY);
        String etc = context.getProperty("sessionstore.etc");
        file = Path.of(configured != null ? configured : etc != null ? etc + "/session-store.yaml" : "etc/session-store.yaml")
                .toAbsolutePath().normalize();
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sessionstore-yaml");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::check, 0, 1, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        poller.shutdownNow();
    }

    /** The file watched. */
    public Path file() {
        return file;
    }

    /** The last error, or null if the file (if any) was applied. */
    public String lastError() {
        return lastError;
    }

    /** When the file was last applied, or null. */
    public String lastApplied() {
        return lastApplied;
    }

    void check() {
        try {
            if (!Files.isRegularFile(file)) {
                lastText = null;
                return;
            }
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (text.equals(lastText)) {
                return;
            }
            lastText = text;
            apply(text);
        } catch (IOException | RuntimeException e) {
            report(1, null, "cannot be read: " + e.getMessage());
        }
    }

    private void apply(String text) throws IOException {
        Parsed parsed;
        try {
            parsed = SeedYaml.parse(text);
        } catch (YamlProblem p) {
            report(p.line, null, p.getMessage());
            return;
        }
        Map<String, String> config = parsed.config();
        String type = config.getOrDefault("type", StoreRegistry.DEFAULT_TYPE);
        if (registry.types().stream().noneMatch(t -> t.type().equals(type))) {
            report(parsed.lineOf("type"), "type", "unsupported session store type '" + type + "' (available: "
                    + String.join(", ", registry.types().stream().map(t -> t.type()).toList()) + ")");
            return;
        }
        Map<String, Object> backend = new HashMap<>(config);
        backend.remove("type");
        backend.keySet().removeAll(RegistrySettings.REGISTRY_KEYS);
        try {
            registry.create(type, backend).close();
        } catch (StoreConfigException e) {
            report(parsed.lineOf(e.key()), e.key(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            report(parsed.lineOf("type"), "type", e.getMessage());
            return;
        }
        Configuration c = configAdmin.getConfiguration(StoreRegistry.PID, "?");
        Dictionary<String, Object> props = new Hashtable<>(config);
        if (!Objects.equals(c.getProperties() == null ? null : strip(c.getProperties()), config)) {
            c.update(props);
        }
        lastError = null;
        lastApplied = java.time.Instant.now().toString();
        LOG.log(Level.INFO, "applied {0} (type {1})", file, type);
    }

    private static Map<String, Object> strip(Dictionary<String, Object> d) {
        Map<String, Object> m = new HashMap<>();
        for (var keys = d.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            if (!k.startsWith("service.") && !k.startsWith("felix.") && !k.startsWith(".")) {
                m.put(k, d.get(k));
            }
        }
        return m;
    }

    private void report(int line, String key, String message) {
        lastError = file + ":" + line + (key == null ? "" : ": key '" + key + "'") + ": " + message
                + "; the running store is kept";
        LOG.log(Level.ERROR, lastError);
    }
}
