package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.sessionstore.api.Migration;
import org.sessionstore.api.Redaction;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.StoreStatus;
import org.sessionstore.api.StoreStatus.State;
import org.sessionstore.api.TransferableStore;
import org.sessionstore.api.config.Durations;
import org.sessionstore.api.crypto.EncryptedStore;
import org.sessionstore.api.crypto.TokenKeys;
import org.sessionstore.registry.FactoryIndex.Candidate;

/**
 * Decides and performs every swap of the backend behind the {@link StoreFront}: the configured
 * store is built, migrated into and served; the store it replaces is drained and closed. It owns
 * every backend it builds.
 *
 * <p><b>Threads and locks.</b> Every input — a configuration {@linkplain #submit submitted} by
 * ConfigAdmin, {@code sessionstore:use} or the YAML, a factory arriving or leaving, a kept store's
 * time running out, shutdown — becomes a task on the one registry thread, and only that thread
 * reads or writes the fields below. It plans a swap and performs it (the factory's
 * {@code create}, the migration, the drain, the close) holding no lock, so neither a slow backend
 * nor a long migration blocks a DS callback (they only enqueue) or {@link #status()} (it reads an
 * immutable snapshot). The locks that exist are leaves, never held while calling out:
 * {@link FactoryIndex}'s and the front's monitor.
 *
 * <p><b>What is never lost.</b> A store that holds its entries in the process (the memory store)
 * is migrated into whatever replaces it: a new configuration of the same or another type, or the
 * upgraded bundle's store. When its bundle leaves it is kept, unserved, for up to
 * {@code swap_timeout} for a successor. A configuration that is refused (a bad value, a migration
 * that does not fit) changes nothing; one that names a type no bundle provides yet is pending: the
 * running store keeps serving until the type arrives.
 */
final class Swapper {

    private static final Logger LOG = System.getLogger("org.sessionstore.registry");
    private static final Migration NOTHING_MIGRATED = new Migration("", 0, 0, Duration.ZERO);
    /** Nothing to save before what is configured takes effect. */
    private static final Runnable NO_COMMIT = () -> {
    };
    /** The least time the entries of a store whose bundle left wait for a successor (swap_timeout if longer). */
    static final Duration KEPT_AT_LEAST = Duration.ofMinutes(5);
    /** How soon a backend that could not be built or migrated into is tried again. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(10);

    /** A configuration handed to the door, with where it came from and how to treat it. */
    /**
     * A configuration handed to the door.
     *
     * @param properties what to apply; placeholders ({@code $[secret:…]}) are resolved first
     * @param written the same as written, placeholders kept: what is saved, and what a later
     *        {@code use} inherits its registry keys from
     */
    record Submission(Map<String, ?> properties, Map<String, ?> written, ConfigSource source, boolean immediate,
            boolean migrate, boolean persist) {

        /**
         * From ConfigAdmin (an {@code etc/*.cfg} file or a saved configuration): declarative.
         *
         * @param processed as delivered, its placeholders resolved by the interpolation plugin
         * @param stored as stored, placeholders kept (null: the same)
         */
        static Submission fromConfigAdmin(Map<String, ?> processed, Map<String, ?> stored) {
            return new Submission(processed, stored == null ? processed : stored, ConfigSource.of(processed), false, false,
                    false);
        }

        static Submission fromConfigAdmin(Map<String, ?> processed) {
            return fromConfigAdmin(processed, null);
        }

        /** From the YAML: declarative, persisted to ConfigAdmin once applied. */
        static Submission fromFile(Map<String, ?> properties, ConfigSource source) {
            return new Submission(properties, properties, source, false, false, true);
        }

        /** From {@code sessionstore:use}: the type must be there now; persisted once applied. */
        static Submission fromShell(Map<String, ?> properties, boolean migrate) {
            return new Submission(properties, properties, ConfigSource.SHELL, true, migrate, true);
        }
    }

    /** A backend built by this registry: its store, the factory and the settings it came from. */
    private record Backend(String type, SessionStore store, Candidate candidate, RegistrySettings settings,
            Map<String, Object> effective) {
    }

    /** Inside {@link #reconcile}: the configured backend cannot take over, so what runs stays. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient RuntimeException cause;

        Refused(RuntimeException cause) {
            super(cause.getMessage(), cause, false, false);
            this.cause = cause;
        }
    }

    private final FactoryIndex factories;
    private final StoreFront front;
    private final ScheduledExecutorService thread;
    private final Consumer<Swapper> onChange;
    private volatile Consumer<Map<String, Object>> persister = p -> {
    };
    /** A backend type's defaults (PID sessionstore.TYPE, as ConfigAdmin delivers it). */
    private volatile java.util.function.Function<String, Map<String, Object>> defaults = t -> Map.of();
    /** Resolves placeholders ($[env:…], $[secret:…]) the way ConfigAdmin's plugins do. */
    private volatile java.util.function.UnaryOperator<Map<String, Object>> resolver = m -> m;
    private boolean warnedClearSecret;

    // confined to the registry thread
    /** What is configured, and where it came from; null before the first configuration. */
    private RegistrySettings desired;
    /** The same as written (placeholders kept, framework keys out). */
    private Map<String, Object> desiredWritten;
    private ConfigSource source = ConfigSource.DEFAULTS;
    /** The backend calls go to, or null. */
    private Backend serving;
    /** The settings of the backend that served last, while the configured type is pending. */
    private RegistrySettings lastServed;
    /** The entries of an in-process store withdrawn with its bundle, kept for a successor up to swap_timeout. */
    private KeptEntries kept;
    /** Why the last configuration was refused (the running store stayed), or null. */
    private String refusal;
    /** Why nothing can serve (calls fail at once), or null. */
    private String failure;
    /** The factory and settings whose create or migration failed last, so they are not retried on every event. */
    private long failedCandidate = -1;
    private RegistrySettings failedSettings;
    private Map<String, Object> failedEffective;
    /** The type a configuration that could not even be read names, for status. */
    private String failedType;
    private Migration lastMigration;
    /** What a running migration does, for status, or null. */
    private String migrating;
    /** Set while the YAML found at start is tried: if it cannot be built, ConfigAdmin's configuration is next. */
    private boolean tentative;
    private boolean retryScheduled;
    // how long kept entries wait, and how soon a failure is retried (shortened by tests)
    Duration keptAtLeast = KEPT_AT_LEAST;
    Duration retryAfter = RETRY_AFTER;
    Duration leastBuild = BackendBuild.LEAST;
    /** Set while {@code use} is applied: the new backend must answer before it serves. */
    private boolean probeNext;
    /** What is being built now (read by status from any thread), or null. */
    private volatile BackendBuild.InProgress building;
    /** Why the configured backend could not take over last (for a PENDING status), or null. */
    private String takeOverFailure;
    /** Set by shutdown before its task is queued: a build in progress gives up at once. */
    private volatile boolean stopping;
    private volatile boolean stopped;

    private volatile StoreStatus snapshot = new StoreStatus("memory", State.WAITING, Map.of(), null,
            "not configured yet", null);
    private volatile RegistrySettings settingsSnapshot;
    private volatile boolean settled;

    Swapper(FactoryIndex factories, StoreFront front, ScheduledExecutorService registryThread, Consumer<Swapper> onChange) {
        this.factories = factories;
        this.front = front;
        this.thread = registryThread;
        this.onChange = onChange;
    }

    /** Where applied configurations from the shell and the YAML are written so that they persist. */
    void persistTo(Consumer<Map<String, Object>> persister) {
        this.persister = persister;
    }

    /** Where a backend type's defaults come from. */
    void defaultsFrom(java.util.function.Function<String, Map<String, Object>> defaults) {
        this.defaults = defaults;
    }

    /** The backend keys a store of these settings is built with: the type's defaults, then the configured keys. */
    private Map<String, Object> effective(RegistrySettings settings) {
        Map<String, Object> all = new java.util.TreeMap<>(defaults.apply(settings.type()));
        all.putAll(settings.backendConfig());
        return Map.copyOf(all);
    }

    /** How placeholders in a configuration from the shell or the YAML are resolved. */
    void resolveWith(java.util.function.UnaryOperator<Map<String, Object>> resolver) {
        this.resolver = resolver;
    }

    // ---- inputs: each becomes a task on the registry thread

    /**
     * Hands a configuration to the door.
     *
     * @return completes with what was migrated once the configuration is in effect (or pending),
     *         or exceptionally with why it was refused
     */
    CompletableFuture<Migration> submit(Submission s) {
        CompletableFuture<Migration> result = new CompletableFuture<>();
        run(() -> {
            try {
                Migration m = apply(s);
                return () -> result.complete(m);
            } catch (Throwable e) {
                // an Error too: the caller hears of it, never waits for ever
                RuntimeException why = e instanceof RuntimeException r ? r : new StoreException(describe(e), e);
                return () -> result.completeExceptionally(why);
            }
        });
        return result;
    }

    /**
     * Applies the configuration found at start: the YAML's if there is one and it is accepted,
     * else ConfigAdmin's (an {@code etc/*.cfg} file or a saved {@code use}). Afterwards the store
     * is {@linkplain #settled() settled}.
     *
     * @param configAdmin ConfigAdmin's configuration as delivered (empty if none)
     * @param stored the same as stored, placeholders kept, or null
     * @param yaml the YAML's configuration, or null
     * @param yamlProblem why the YAML could not be read, or null
     */
    void start(Map<String, ?> configAdmin, Map<String, ?> stored, Submission yaml, String yamlProblem) {
        run(() -> {
            String yamlRefusal = yamlProblem;
            if (yamlProblem != null) {
                LOG.log(Level.ERROR, "session store configuration refused: " + yamlProblem);
            }
            try {
                if (yaml != null) {
                    tentative = true;
                    try {
                        apply(yaml);
                        return null;
                    } catch (RuntimeException refused) {
                        // reported by apply; the configuration ConfigAdmin holds stands
                        yamlRefusal = refusal;
                    } finally {
                        tentative = false;
                    }
                }
                try {
                    apply(Submission.fromConfigAdmin(configAdmin, stored));
                } catch (RuntimeException refused) {
                    // reported by apply
                }
            } finally {
                if (yamlRefusal != null && (refusal == null || !refusal.equals(yamlRefusal))) {
                    refusal = refusal == null ? yamlRefusal : yamlRefusal + "; " + refusal;
                }
                settled = true;
            }
            return null;
        });
    }

    /** Reports a configuration that could not even be read (a bad file): status shows it, nothing changes. */
    void refuse(String message) {
        run(() -> {
            refusal = message;
            LOG.log(Level.ERROR, "session store configuration refused: " + message);
            return null;
        });
    }

    /**
     * A factory of some type arrived, left or changed.
     *
     * @return completes when the registry has dealt with it; a bundle that is stopping waits for
     *         that (bounded), so its store is drained, and its entries read, while its classes are
     *         still there
     */
    CompletableFuture<Void> factoriesChanged() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        run(() -> {
            try {
                reconcile(false, NO_COMMIT);
            } catch (Refused r) {
                refused(source, r.cause);
            } catch (Throwable e) {
                // recorded as the failure by reconcile
            }
            return () -> done.complete(null);
        });
        return done;
    }

    /**
     * Closes every backend; waits (bounded) until done.
     *
     * @param handOver read out an in-process store's entries first (the registry itself is being
     *        updated or stopped, not the framework)
     * @return those entries, or null
     */
    KeptEntries shutdown(boolean handOver) {
        if (stopped) {
            return null;
        }
        CompletableFuture<KeptEntries> done = new CompletableFuture<>();
        stopping = true;
        try {
            run(() -> {
                stopped = true;
                Backend last = serving;
                serving = null;
                SessionStore left = front.fail(currentType(), Duration.ZERO,
                        "the session store registry has stopped; start the bundle org.sessionstore.registry");
                KeptEntries entries = kept;
                if (handOver && last != null && Migrator.inProcess(left)) {
                    try {
                        entries = KeptEntries.of(last.type(), (TransferableStore) left);
                    } catch (Throwable e) {
                        LOG.log(Level.ERROR, "the entries of the " + last.type() + " store could not be read: "
                                + Redaction.printable(String.valueOf(e)));
                    }
                }
                close(left);
                kept = null;
                KeptEntries handed = handOver ? entries : null;
                return () -> done.complete(handed);
            });
            return done.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.WARNING, "the session store registry did not close its stores in 30s: " + e);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the registry thread is gone already
        }
        return null;
    }

    /**
     * Takes the entries a previous instance of the registry handed over (its bundle was updated):
     * they are migrated into the first store built, like those of a backend's bundle that left.
     */
    void adopt(KeptEntries entries) {
        run(() -> {
            keep(entries);
            LOG.log(Level.INFO, "took over {0} sessions and states from the previous session store registry",
                    entries.size());
            return null;
        });
    }

    /**
     * Runs a task on the registry thread. A task never kills the thread; the snapshot follows it,
     * and only then runs what the task returns (it completes the caller's future, so a caller that
     * waited reads the new status).
     */
    private void run(java.util.function.Supplier<Runnable> task) {
        thread.execute(() -> {
            if (stopped) {
                return;
            }
            Runnable after = null;
            try {
                after = task.get();
            } catch (Throwable t) {
                LOG.log(Level.ERROR, "session store registry task failed: " + t, t);
            }
            try {
                publish();
            } catch (Throwable t) {
                LOG.log(Level.ERROR, "session store registry could not publish its state: " + t, t);
            }
            if (after != null) {
                after.run();
            }
        });
    }

    // ---- the work, on the registry thread

    private Migration apply(Submission s) {
        RegistrySettings next;
        Map<String, Object> written = RegistrySettings.written(s.written());
        Map<String, Object> toApply = RegistrySettings.written(s.properties());
        if (s.immediate()) {
            written = RegistrySettings.inheritRegistryKeys(written, desiredWritten);
            toApply = RegistrySettings.inheritRegistryKeys(toApply, desiredWritten);
        }
        try {
            next = RegistrySettings.from(s.persist() ? resolver.apply(toApply) : toApply);
        } catch (StoreConfigException e) {
            refused(s.source(), e);
            if (desired == null && !tentative) {
                failure = "configuration refused: " + refusal;
                source = s.source();
                failedType = rawType(s.properties());
                front.fail(failedType, Duration.ZERO, failure);
            }
            throw e;
        }
        if (s.immediate() && factories.chosen(next.type()).isEmpty()) {
            StoreConfigException e = new StoreConfigException("type", "unsupported session store type '" + next.type()
                    + "' (available: " + String.join(", ", factories.typeNames()) + ")");
            refused(s.source(), e);
            throw e;
        }
        RegistrySettings before = desired;
        ConfigSource sourceBefore = source;
        desired = next;
        if (!next.equals(before)) {
            source = s.source(); // an echo of the same configuration keeps where it came from
        }
        failedCandidate = -1;
        Migration m;
        try {
            probeNext = s.immediate();
            // saved just before it takes effect: a configuration that cannot be saved changes nothing
            Map<String, Object> toSave = written;
            m = reconcile(s.migrate(), s.persist() ? () -> save(toSave) : NO_COMMIT);
        } catch (Refused r) {
            desired = before;
            source = sourceBefore;
            refused(s.source(), r.cause);
            throw r.cause;
        } catch (RuntimeException failed) {
            // nothing could be kept: the store failed (calls fail at once, status says why)
            refusal = failure;
            throw failed;
        } finally {
            probeNext = false;
        }
        refusal = null;
        if (!next.equals(before) || desiredWritten == null) {
            desiredWritten = written;
        }
        warnIfClearSecret(written, s.source());
        if (!next.equals(before) && source != ConfigSource.DEFAULTS) {
            LOG.log(Level.INFO, "session store configured from {0}: {1}", source, next);
        }
        return m;
    }

    private static String rawType(Map<String, ?> props) {
        Object t = props.get("type");
        return t instanceof String s && s.matches("[a-z][a-z0-9_-]{0,63}") ? s : "memory";
    }

    /** Records and logs the refusal of a configuration from {@code from}. */
    private void refused(ConfigSource from, RuntimeException e) {
        String key = e instanceof StoreConfigException c ? c.key() : null;
        refusal = from.locate(key) + ": " + Redaction.printable(e.getMessage())
                + (serving != null ? "; the running " + serving.type() + " store is kept" : "");
        LOG.log(Level.ERROR, "session store configuration refused: " + refusal);
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

    /**
     * Saves a configuration from the shell or the YAML as PID sessionstore, just before it takes
     * effect; one that cannot be saved (a full disk) is refused, and what runs stays as it was, so
     * a restart never silently reverts an answer that said it was applied.
     *
     * @throws Refused naming why it could not be saved
     */
    private void save(Map<String, Object> written) {
        try {
            persister.accept(written);
        } catch (RuntimeException e) {
            throw new Refused(new StoreException("the configuration could not be saved, so it is not applied and the"
                    + " running store is unchanged: " + Redaction.printable(String.valueOf(e.getMessage()))));
        }
    }

    /**
     * Brings what serves in line with what is configured and the factories there are now.
     *
     * @param migrate copy the replaced store's entries even if they do not live in the process
     * @throws Refused if the configured backend cannot be built or migrated into while another
     *         store serves or is kept (which then stays)
     */
    private Migration reconcile(boolean migrate, Runnable commit) {
        if (desired == null || stopped) {
            return NOTHING_MIGRATED;
        }
        if (serving != null && !factories.isRegistered(serving.candidate().serviceId())) {
            withdrawServing();
        }
        Candidate chosen = factories.chosen(desired.type()).orElse(null);
        if (chosen == null) {
            if (migrate) {
                throw new Refused(new StoreConfigException("type", "no bundle provides store.type=" + desired.type()
                        + " now, so nothing can be migrated to it; install it first or switch without --migrate"));
            }
            commit.run();
            return keepServingWhilePending();
        }
        if (serving != null && serving.candidate().serviceId() == chosen.serviceId()
                && serving.candidate().factory() == chosen.factory() && serving.settings().sameBackend(desired)
                && serving.effective().equals(effective(desired)) && !migrate) {
            commit.run();
            front.retime(desired.swapTimeout());
            serving = new Backend(serving.type(), serving.store(), serving.candidate(), desired, serving.effective());
            return NOTHING_MIGRATED;
        }
        return build(chosen, desired, migrate, commit);
    }

    /** The configured type is not there: the store that served keeps serving (back from an upgrade if need be). */
    private Migration keepServingWhilePending() {
        if (serving == null && lastServed != null && !lastServed.type().equals(desired.type())) {
            Candidate back = factories.chosen(lastServed.type()).orElse(null);
            if (back != null) {
                try {
                    return build(back, lastServed, false, NO_COMMIT);
                } catch (RuntimeException e) {
                    // it cannot serve again; wait for the configured type
                }
            }
        }
        if (serving == null) {
            failure = null;
            front.withdraw(desired.type(), desired.swapTimeout(), null);
        } else {
            front.retime(desired.swapTimeout());
        }
        return NOTHING_MIGRATED;
    }

    /** Builds a backend with {@code settings} from {@code c} and swaps it in ({@code commit} just before it serves). */
    private Migration build(Candidate c, RegistrySettings settings, boolean migrate, Runnable commit) {
        if (c.serviceId() == failedCandidate && settings.equals(failedSettings) && effective(settings).equals(failedEffective)) {
            return NOTHING_MIGRATED; // it failed with this factory and these settings already
        }
        boolean fromServing = kept == null && serving != null && (migrate || Migrator.inProcess(serving.store()));
        if (migrate && kept == null && (serving == null || !Migrator.possible(serving.store()))) {
            throw new Refused(new StoreConfigException("type", "the current store cannot be migrated (it is "
                    + (serving == null ? "not serving" : "not able to list its entries") + "); switch without --migrate"));
        }
        Map<String, Object> config = effective(settings);
        BackendBuild.Built built;
        building = new BackendBuild.InProgress(settings.type(), c.bundleSymbolicName() + " " + c.bundleVersion(),
                System.nanoTime(), BackendBuild.deadline(settings.swapTimeout(), leastBuild));
        try {
            built = BackendBuild.run(c, config, settings.encryption(), probeNext, BackendBuild.deadline(settings.swapTimeout(), leastBuild),
                    () -> stopping);
        } catch (RuntimeException e) {
            rememberFailure(c, settings, e);
            if (serving != null || kept != null || tentative || probeNext) {
                throw new Refused(e);
            }
            failWith(e instanceof StoreConfigException ? "the " + settings.type() + " store rejected its configuration: "
                    + e.getMessage() : describe(e),
                    e instanceof StoreConfigException sc ? sc.key() : null);
            throw e;
        } finally {
            building = null;
        }
        return swapTo(new Backend(settings.type(), built.store(), c, settings, config), fromServing, built, commit);
    }

    /**
     * One place for every backend: tokens reach the backend encrypted when a key is set; without
     * one, a value stored encrypted reads as absent (reported), never as if it were the token.
     * An in-process store with no key at all is served bare: it was created empty just now, and
     * everything it will hold comes through here (adds, and migrations, which decrypt first), so
     * it never holds a sealed value, and a read need not look at its tokens (on a million
     * sessions that look costs two cache misses per token: a get through it ran at a third of a
     * bare get).
     *
     * @param built the store the factory created
     * @param encryption the configured keys, or null when none is configured
     * @return what the front serves
     */
    static SessionStore withEncryption(SessionStore built, TokenKeys encryption) {
        if (encryption == null && Migrator.inProcess(built)) {
            return built;
        }
        return EncryptedStore.of(built, encryption != null ? encryption : TokenKeys.none());
    }

    /**
     * Serves {@code next}, migrating into it first from the serving store ({@code fromServing})
     * or from the kept entries of one whose bundle left; closes what it replaces.
     */
    private Migration swapTo(Backend next, boolean fromServing, BackendBuild.Built built, Runnable commit) {
        Backend replaced = serving;
        TransferableStore from = fromServing ? (TransferableStore) replaced.store() : kept;
        Migration m = NOTHING_MIGRATED;
        // saved before anything is copied: a configuration that cannot be saved leaves no copy behind
        try {
            commit.run();
        } catch (Refused notSaved) {
            close(next.store());
            throw notSaved;
        }
        if (from != null) {
            if (fromServing) {
                // calls wait meanwhile, so nothing is written to the old store after it was read
                front.withdraw(next.type(), desired.swapTimeout(), "the entries of the " + replaced.type()
                        + " store are being migrated into the new " + next.type() + " store");
            }
            migrating = "migrating the entries of the " + (fromServing ? replaced.type() : kept.type())
                    + " store into the new " + next.type() + " store since " + java.time.Instant.now()
                    + "; calls wait up to swap_timeout";
            publish();
            try {
                m = Migrator.copy(next.type(), from, next.store());
            } catch (Throwable e) {
                // whatever the stores threw (an Error too): the attempt ends here, what served serves again
                migrating = null;
                close(next.store());
                StoreException why = new StoreException("migrating the live entries of the "
                        + (fromServing ? replaced.type() : kept.type()) + " store into the new " + next.type()
                        + " store failed, so it does not serve: " + Redaction.withoutSecrets(describe(e), next.effective()));
                rememberFailure(next.candidate(), next.settings(), why);
                if (fromServing) {
                    front.serve(replaced.store(), replaced.type(), desired.swapTimeout());
                }
                if (commit != NO_COMMIT && desiredWritten != null) {
                    // it was saved: what ran before is saved again, so a restart does not bring the refused one
                    try {
                        persister.accept(desiredWritten);
                    } catch (RuntimeException again) {
                        LOG.log(Level.ERROR, "the configuration before could not be saved again: "
                                + Redaction.printable(String.valueOf(again.getMessage())));
                    }
                }
                throw new Refused(why);
            }
            migrating = null;
            lastMigration = m;
            if (m.sessions() + m.states() > 0) {
                LOG.log(Level.INFO, "migrated {0} sessions and {1} states into the new ''{2}'' store in {3} ms",
                        m.sessions(), m.states(), next.type(), m.took().toMillis());
            }
            if (m.skipped() > 0) {
                LOG.log(Level.WARNING, "the migration into the new ''{0}'' store skipped {1} records the old store could"
                        + " not read (each named above by its key)", next.type(), m.skipped());
            }
        }
        close(front.serve(next.store(), next.type(), desired.swapTimeout()));
        if (fromServing) {
            close(replaced.store());
        }
        kept = null; // migrated, or of no use to this store
        serving = next;
        lastServed = null;
        failure = null;
        failedCandidate = -1;
        takeOverFailure = null;
        LOG.log(Level.INFO, "session store ''{0}'' active, from {1} {2} (created in {3} ms{4})", next.type(),
                next.candidate().bundleSymbolicName(), next.candidate().bundleVersion(), built.createdNanos() / 1_000_000,
                built.warmedNanos() < 0 ? "" : ", " + built.warmedHow() + " in " + built.warmedNanos() / 1_000_000 + " ms");
        return m;
    }

    /**
     * Remembers what failed (so events do not retry it at once, and a PENDING status says why) and
     * tries it again after {@link #RETRY_AFTER}; a retry that fails for the same reason is not
     * logged again.
     */
    private void rememberFailure(Candidate c, RegistrySettings settings, RuntimeException why) {
        failedCandidate = c.serviceId();
        failedSettings = settings;
        failedEffective = effective(settings);
        takeOverFailure = Redaction.printable(String.valueOf(why.getMessage()));
        if (!retryScheduled && !tentative && !probeNext) {
            retryScheduled = true;
            thread.schedule(() -> run(() -> {
                retryScheduled = false;
                if (failedCandidate != -1) {
                    failedCandidate = -1;
                    String before = takeOverFailure;
                    try {
                        reconcile(false, NO_COMMIT);
                        refusal = null;
                    } catch (Refused r) {
                        if (!String.valueOf(r.cause.getMessage()).equals(before)) {
                            refused(source, r.cause);
                        }
                    } catch (RuntimeException e) {
                        // recorded as the failure
                    }
                }
                return null;
            }), retryAfter.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** A throwable in one line: its message, or its class and message for an Error. */
    static String describe(Throwable e) {
        if (e instanceof RuntimeException && e.getMessage() != null) {
            return e.getMessage();
        }
        return e.getClass().getName() + (e.getMessage() == null ? "" : ": " + Redaction.printable(e.getMessage()));
    }

    /** The served backend's bundle left: calls wait; an in-process store is kept for a successor. */
    private void withdrawServing() {
        Backend left = serving;
        serving = null;
        lastServed = left.settings();
        SessionStore store = front.withdraw(desired.type(), desired.swapTimeout(), null);
        if (Migrator.inProcess(store)) {
            // read now, while the leaving bundle's classes are still there; the store itself can go
            try {
                keep(KeptEntries.of(left.type(), (TransferableStore) store));
            } catch (Throwable e) {
                LOG.log(Level.ERROR, "the entries of the withdrawn ''{0}'' store could not be read, so they are lost: {1}",
                        left.type(), Redaction.printable(String.valueOf(e)));
            }
            close(store);
            LOG.log(Level.WARNING, "session store ''{0}'' withdrawn: its bundle left; calls wait up to swap_timeout ({1})"
                    + " for a successor, which gets its entries", left.type(), Durations.format(desired.swapTimeout()));
        } else {
            close(store);
            LOG.log(Level.WARNING, "session store ''{0}'' withdrawn: its bundle left; calls wait up to swap_timeout ({1})"
                    + " for a bundle that provides it", left.type(), Durations.format(desired.swapTimeout()));
        }
    }

    private void keep(KeptEntries entries) {
        kept = entries;
        long wait = Math.max(desired == null ? 0 : desired.swapTimeout().toMillis(), keptAtLeast.toMillis());
        thread.schedule(() -> run(() -> {
            if (kept == entries) {
                kept = null;
                LOG.log(Level.WARNING, "no successor of the withdrawn ''{0}'' store arrived within {1};"
                        + " its {2} sessions and states are dropped", entries.type(), Durations.format(Duration.ofMillis(wait)),
                        entries.size());
            }
            return null;
        }), wait, TimeUnit.MILLISECONDS);
    }

    /** Nothing can serve: calls fail at once with why. */
    private void failWith(String why, String key) {
        failure = source.locate(key) + ": " + Redaction.printable(why);
        LOG.log(Level.ERROR, "session store failed: " + failure);
        close(front.fail(desired.type(), desired.swapTimeout(), failure));
        serving = null;
    }

    static void close(SessionStore store) {
        if (store == null) {
            return;
        }
        try {
            store.close();
        } catch (Throwable e) {
            // its message is not shown: a backend may repeat what it was given (a password) in it
            LOG.log(Level.WARNING, "closing a session store failed: " + e.getClass().getName());
        }
    }

    private String currentType() {
        return serving != null ? serving.type() : desired != null ? desired.type() : "memory";
    }

    // ---- what others read

    /** Publishes the state after a task; only the registry thread calls it. */
    private void publish() {
        StoreStatus s;
        if (desired == null) {
            s = new StoreStatus(failedType != null ? failedType : "memory", failure != null ? State.FAILED : State.WAITING,
                    Map.of(), null, failure != null ? failure : "not configured yet", failure != null ? source.name() : null);
        } else {
            State state;
            String detail;
            if (serving == null && failure != null) {
                state = State.FAILED;
                detail = failure;
            } else if (serving == null) {
                state = State.WAITING;
                detail = "no bundle provides type '" + desired.type() + "' now; calls wait for one (store.type="
                        + desired.type() + ")"
                        + (kept != null ? "; the entries of the withdrawn " + kept.type() + " store are kept for it" : "");
            } else if (!serving.type().equals(desired.type())) {
                state = State.PENDING;
                detail = factories.chosen(desired.type()).isPresent()
                        ? "configured type '" + desired.type() + "' could not take over" + (takeOverFailure == null ? ""
                                : ": " + takeOverFailure) + "; tried again every " + Durations.format(retryAfter) + "; the "
                                + serving.type() + " store keeps serving"
                        : "configured type '" + desired.type() + "' is pending: no bundle provides store.type="
                                + desired.type() + " (available: " + String.join(", ", factories.typeNames()) + "); the "
                                + serving.type() + " store keeps serving until one arrives, then its entries are migrated";
            } else {
                state = State.ACTIVE;
                detail = null;
            }
            if (migrating != null) {
                // nothing serves while entries move: calls wait for the new store
                state = State.WAITING;
                detail = migrating;
            }
            if (refusal != null && !refusal.equals(failure)) {
                detail = (detail == null ? "" : detail + "; ") + "last configuration refused: " + refusal;
            }
            s = new StoreStatus(desired.type(), state, desired.shown(), serving == null ? null
                    : FactoryIndex.provider(serving.candidate(), 1), detail, source.name());
        }
        snapshot = s;
        settingsSnapshot = desired;
        onChange.accept(this);
    }

    /**
     * What the store is doing now; never blocks. The snapshot is what the last finished task left;
     * while a backend is being built, the detail says which and for how long (what serves keeps
     * serving, and is shown; with nothing serving, the type being built is the one waited for).
     */
    StoreStatus status() {
        StoreStatus s = snapshot;
        BackendBuild.InProgress b = building;
        if (b == null) {
            return s;
        }
        if (s.provider() == null) {
            return new StoreStatus(b.type(), State.WAITING, s.settings(), null, b.describe(), s.source());
        }
        return new StoreStatus(s.type(), s.state(), s.settings(), s.provider(), s.detail() == null ? b.describe()
                : b.describe() + "; " + s.detail(), s.source());
    }

    /** Whether the configuration found at start has been applied or refused. */
    boolean settled() {
        return settled;
    }

    /** The type calls go to now: the serving backend's, else the configured one. */
    String servingType() {
        StoreStatus s = snapshot;
        return s.provider() != null ? s.provider().type() : s.type();
    }

    /** The configured settings, or null before any. */
    RegistrySettings settings() {
        return settingsSnapshot;
    }

    /** The last migration into a new store, if any. */
    Migration lastMigration() {
        return lastMigration;
    }

    /** Waits until the tasks submitted so far have run. */
    void awaitIdle() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        thread.execute(() -> done.complete(null));
        try {
            done.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the registry thread did not answer in 60s", e);
        }
    }
}
