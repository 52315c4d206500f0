package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.sessionstore.api.Migration;
import org.sessionstore.api.Redaction;
import org.sessionstore.api.StoreException;
import org.sessionstore.registry.yaml.YamlWatcher.Found;
import org.sessionstore.registry.yaml.YamlWatcher.Problem;
import org.sessionstore.registry.yaml.YamlWatcher.Reading;

/**
 * The one door for configuration. Whatever brings it ({@code etc/*.cfg} through FileInstall, a
 * saved configuration, {@code sessionstore:use}, the seed's YAML), the configuration of PID
 * {@code sessionstore} is a ConfigAdmin configuration, and what ConfigAdmin delivers is what runs,
 * once:
 *
 * <ul>
 * <li>{@code use} and the YAML are first checked and their backend built ({@link Swapper#prepare};
 * a use's must answer); a refusal changes nothing and is not saved. Then they are saved
 * ({@link ConfigStorage#write}, with a request id); their delivery is served with what was built.
 * {@code use} answers when it has been (active), or with why not (refused, nothing changed).</li>
 * <li>A delivery without a request (a file edited, a saved configuration at start) is applied as
 * it is ({@link Swapper#apply}).</li>
 * <li>At start the YAML wins if it is there, differs from what is saved and is accepted: it is saved
 * and its delivery is the first configuration applied, so no store is built and then replaced.</li>
 * </ul>
 */
final class ConfigDoor {

    private static final Logger LOG = System.getLogger("org.sessionstore.registry");
    /** The key a saved configuration carries to name the request it answers (not a setting: never shown or passed on). */
    static final String REQUEST_KEY = "sessionstore.request";
    /** How long {@code use} waits for its configuration to be served (a migration into Redis runs ~30,000 sessions/s). */
    static final long USE_WAIT_SECONDS = 300;

    private final Swapper swapper;
    private final ConfigStorage storage;
    private volatile boolean warnedClearSecret;
    // guarded by this: whether the configuration found at start was handled
    private boolean started;

    /** Set while a refused use removes the configuration it saved (when none was saved before it). */
    private volatile boolean ownDeletion;

    ConfigDoor(Swapper swapper, ConfigStorage storage) {
        this.swapper = swapper;
        this.storage = storage;
    }

    /**
     * {@code sessionstore:use}: checks and builds, saves, and waits until the delivery is served.
     * Registry keys it does not give keep their saved values.
     *
     * @throws RuntimeException why it was refused (nothing changed)
     */
    Migration use(Map<String, ?> given, boolean migrate) {
        Map<String, Object> saved = storage.stored();
        Map<String, Object> written = RegistrySettings.inheritRegistryKeys(RegistrySettings.written(given), saved);
        Submission s = new Submission(Submission.Kind.USE, written, storage.resolve(written), ConfigSource.SHELL, migrate,
                null);
        return saveAndAwait(s, saved);
    }

    /** The YAML changed: checked, built, saved; a refusal is reported by the swapper (with file and line). */
    void yamlChanged(Reading r) {
        if (r instanceof Found f) {
            Map<String, Object> written = new HashMap<>(f.config());
            Submission s = new Submission(Submission.Kind.FILE, written, storage.resolve(written), source(f), false, null);
            try {
                saveAndAwait(s, storage.stored());
                LOG.log(Level.INFO, "applied {0}", f.file());
            } catch (RuntimeException refused) {
                // the swapper reported it, with the file and line
            }
        } else if (r instanceof Problem p) {
            swapper.refuse(p.message() + "; the running store is kept", true);
        }
    }

    /** A secret given in clear is saved in clear: it works, but a placeholder is better. Said once. */
    private void warnIfClearSecret(Map<String, Object> written, ConfigSource from) {
        for (Map.Entry<String, Object> e : written.entrySet()) {
            if (Redaction.isSecretKey(e.getKey()) && e.getValue() != null && !String.valueOf(e.getValue()).isEmpty()
                    && !String.valueOf(e.getValue()).contains("$[") && !warnedClearSecret) {
                warnedClearSecret = true;
                LOG.log(Level.WARNING, "{0} gives ''{1}'' in clear (a $'{'…'}' placeholder in an etc/ file counts: FileInstall"
                        + " resolves it before ConfigAdmin saves it); it works, and it is saved under data/ (readable by"
                        + " this user only), but a reference keeps it out of every file: {1}=$[secret:NAME] with the"
                        + " secret in etc/secrets/NAME, or {1}=$[env:NAME]", from, e.getKey());
            }
        }
    }

    private Migration saveAndAwait(Submission s, Map<String, Object> saved) {
        warnIfClearSecret(s.written(), s.source());
        String request = UUID.randomUUID().toString();
        Prepared p = await(swapper.prepare(s, request), "checking the configuration");
        try {
            storage.write(withRequest(s.written(), request));
        } catch (RuntimeException e) {
            StoreException why = notSaved(e);
            swapper.discard(p, why);
            throw why;
        }
        try {
            return await(p.applied, "serving the configuration");
        } catch (RuntimeException refused) {
            // saved, but it could not take effect (a migration that does not fit, say): what ran stays,
            // and so does what was saved before
            if (saved == null) {
                ownDeletion = true; // its delivery (null) is ours: no "file removed?" warning
                storage.delete();
            } else {
                try {
                    storage.write(new HashMap<>(saved));
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, "the configuration refused could not be replaced by the one before it in"
                            + " ConfigAdmin: " + Redaction.printable(String.valueOf(e.getMessage())));
                }
            }
            throw refused;
        }
    }

    private static <T> T await(CompletableFuture<T> f, String what) {
        try {
            return f.get(USE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new StoreException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new StoreException(what + " still runs after " + USE_WAIT_SECONDS + "s; see sessionstore:info");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while " + what + "; see sessionstore:info");
        }
    }

    /**
     * What ConfigAdmin delivered for PID sessionstore (its plugins applied), or null when it was
     * deleted. The first delivery is the configuration found at start: the YAML may win over it.
     *
     * @param processed as delivered, placeholders resolved
     * @param yamlAtStart the YAML as read at start (only looked at on the first delivery)
     */
    void delivered(Map<String, Object> processed, java.util.function.Supplier<Reading> yamlAtStart) {
        Reading yaml = null;
        synchronized (this) {
            if (!started) {
                started = true;
                yaml = yamlAtStart.get();
            }
        }
        if (yaml != null) {
            start(processed == null ? Map.of() : processed, yaml);
            return;
        }
        if (processed == null) {
            if (ownDeletion) {
                ownDeletion = false; // a refused use removed what it had saved: what runs was never from it
                return;
            }
            LOG.log(Level.WARNING, "the configuration of PID sessionstore was deleted (its etc/ file removed?); the"
                    + " running store keeps the configuration it has; give a new one to change it");
            swapper.configurationDeleted();
            return;
        }
        Object request = processed.get(REQUEST_KEY);
        Map<String, Object> stored = storage.stored();
        if (request == null && stored != null) {
            warnIfClearSecret(stored, ConfigSource.of(processed));
        }
        swapper.apply(Submission.delivered(processed, stored, ConfigSource.of(processed),
                request == null ? null : String.valueOf(request)));
    }

    /**
     * At start: the YAML if it differs from what is saved and is accepted (then saved, and its
     * delivery runs), else what is saved. Nothing here waits (it runs on ConfigAdmin's delivery
     * thread): the YAML's check completes on the registry thread, which then saves it or applies
     * what is saved.
     */
    private void start(Map<String, Object> processed, Reading yaml) {
        Map<String, Object> saved = storage.stored();
        ConfigSource source = ConfigSource.of(processed);
        if (yaml instanceof Found f) {
            Map<String, Object> written = new HashMap<>(f.config());
            if (saved != null && RegistrySettings.written(saved).equals(RegistrySettings.written(stringValues(written)))) {
                applyAtStart(processed, saved, source(f), null, false); // what is saved is the YAML's: say so
                return;
            }
            Submission s = new Submission(Submission.Kind.FILE, written, storage.resolve(written), source(f), false, null);
            String request = UUID.randomUUID().toString();
            swapper.prepare(s, request).whenComplete((p, refused) -> {
                if (refused != null) {
                    // reported by the swapper; said again once what is saved applies, so it stays in sight
                    applyAtStart(processed, saved, source, Swapper.located(source(f), (RuntimeException) refused), false);
                    return;
                }
                try {
                    storage.write(withRequest(s.written(), request)); // its delivery serves what was built
                } catch (RuntimeException e) {
                    swapper.discard(p, notSaved(e));
                    applyAtStart(processed, saved, source, null, false);
                }
            });
            return;
        }
        applyAtStart(processed, saved, source, yaml instanceof Problem p ? p.message() : null, true);
    }

    /** Applies what is saved; a refusal of the YAML is said again after it (and logged, unless the swapper did). */
    private void applyAtStart(Map<String, Object> processed, Map<String, Object> saved, ConfigSource source,
            String yamlRefusal, boolean log) {
        if (saved != null) {
            warnIfClearSecret(saved, source);
        }
        Object request = processed.get(REQUEST_KEY);
        CompletableFuture<Migration> applied = swapper.apply(Submission.delivered(processed, saved, source,
                request == null ? null : String.valueOf(request)));
        if (yamlRefusal != null) {
            applied.whenComplete((m, e) -> swapper.refuse(yamlRefusal, log));
        }
    }

    private static Map<String, Object> withRequest(Map<String, Object> written, String request) {
        Map<String, Object> toSave = new HashMap<>(written);
        toSave.put(REQUEST_KEY, request);
        return toSave;
    }

    private static StoreException notSaved(RuntimeException e) {
        return new StoreException("the configuration could not be saved, so it is not applied and the running store is"
                + " unchanged: " + Redaction.printable(String.valueOf(e.getMessage())), e);
    }

    private static Map<String, Object> stringValues(Map<String, Object> m) {
        Map<String, Object> out = new HashMap<>();
        m.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    private static ConfigSource source(Found f) {
        return new ConfigSource(f.file(), f.lineOfKey());
    }
}
