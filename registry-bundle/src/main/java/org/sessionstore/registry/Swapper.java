package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.sessionstore.api.Migration;
import org.sessionstore.api.Redaction;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.StoreStatus;
import org.sessionstore.api.TransferableStore;
import org.sessionstore.api.config.Durations;
import org.sessionstore.api.crypto.EncryptedStore;
import org.sessionstore.api.crypto.TokenKeys;
import org.sessionstore.registry.FactoryIndex.Candidate;
import org.sessionstore.registry.SwapState.Backend;
import org.sessionstore.registry.SwapState.Configured;
import org.sessionstore.registry.SwapState.Failure;

/**
 * The swap machinery: puts the configured backend behind the {@link StoreFront} and keeps it there.
 *
 * <p><b>Words</b> (code, docs and messages use one word per thing): <i>swap</i> = the registry
 * replaces the backend behind the front; <i>migrate</i> = copy the live entries of one store into
 * another ({@link Migrator}); <i>handover</i> = in-process entries carried across a restart of
 * the registry bundle or an upgrade of the backend's bundle ({@link KeptEntries}). The API's older
 * names mean the same: {@code StoreRegistry.switchTo} swaps, {@code TransferableStore} is a store
 * that can be migrated from, {@code handOffOnUpgrade} asks for a handover.
 *
 * <p><b>Inputs</b>, each a task on the one registry thread: {@link #prepare} (a configuration from
 * {@code use} or the YAML, checked and its backend built before it is saved), {@link #apply} (what
 * ConfigAdmin delivered: what runs), {@link #factoriesChanged}, {@link #defaultsChanged},
 * {@link #refuse}, {@link #adopt}, {@link #shutdown}. Every submission is complete; the machinery
 * never calls back into the component. Its state is {@link SwapState}, confined to that thread;
 * the status others read is a pure function of it ({@link SwapStatus}), published after each task.
 *
 * <p><b>Threads and locks</b>, all of them:
 * <ul>
 * <li>the registry thread ({@code sessionstore-registry}) runs every task; it holds no lock while
 * it calls out (a factory's {@code create} runs on a build thread of its own within swap_timeout,
 * {@link BackendBuild}; a migration runs here, while calls wait);</li>
 * <li>{@link FactoryIndex}'s lock guards its map, held for no call out;</li>
 * <li>{@link StoreFront}'s monitor guards which backend serves (calls wait on it); its
 * {@code downLock} orders the UNAVAILABLE/AVAILABLE events and is held while it hands the event to
 * {@link Events}, which only offers it to a lock-free ring;</li>
 * <li>{@link Events}' monitor guards its trackers and publisher thread (taken when Event Admin or a
 * handler comes or goes, never on a call);</li>
 * <li>{@link Housekeeper}'s monitor guards its schedule (never held while it cleans);</li>
 * <li>{@link ConfigDoor}'s monitor guards whether the start configuration was handled (held while it
 * reads the YAML file at start, a few hundred bytes, and never while it waits for this thread).</li>
 * </ul>
 * No lock is taken while another is held, but the front's downLock over the ring's offer.
 *
 * <p><b>What is never lost.</b> A store that holds its entries in the process (the memory store)
 * is migrated into whatever replaces it. When its bundle leaves, its entries are kept, unserved,
 * for a successor. A configuration that is refused changes nothing; one that names a type no
 * bundle provides yet is pending: the running store keeps serving until the type arrives.
 */
final class Swapper {

    private static final Logger LOG = System.getLogger("org.sessionstore.registry");
    static final Migration NOTHING_MIGRATED = new Migration("", 0, 0, Duration.ZERO);
    /** The least time the entries of a store whose bundle left wait for a successor (swap_timeout if longer). */
    static final Duration KEPT_AT_LEAST = Duration.ofMinutes(5);
    /** How soon a backend that could not be built or migrated into is tried again. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(10);

    /** A configuration checked, and its backend built, waiting for its delivery to be served. */
    static final class Prepared {
        final String request;
        final Configured configured;
        final boolean migrate;
        final Candidate candidate;
        /** The backend built for it, or null when none is needed (the running one stays, or the type is not there). */
        final BackendBuild.Built built;
        /** Completes when its delivery was applied, with what was migrated. */
        final CompletableFuture<Migration> applied = new CompletableFuture<>();

        Prepared(String request, Configured configured, boolean migrate, Candidate candidate, BackendBuild.Built built) {
            this.request = request;
            this.configured = configured;
            this.migrate = migrate;
            this.candidate = candidate;
            this.built = built;
        }
    }

    private final FactoryIndex factories;
    private final StoreFront front;
    private final ScheduledExecutorService thread;
    private final Consumer<Swapper> onChange;
    // how long kept entries wait, how soon a failure is retried, the least a build gets (shortened by tests)
    Duration keptAtLeast = KEPT_AT_LEAST;
    Duration retryAfter = RETRY_AFTER;
    Duration leastBuild = BackendBuild.LEAST;

    /** Confined to the registry thread. */
    private final SwapState state = new SwapState();
    /** Each type's defaults (PID sessionstore.TYPE), as the door last gave them; registry thread only. */
    private final Map<String, Map<String, Object>> defaults = new HashMap<>();

    private volatile StoreStatus snapshot = SwapStatus.of(new SwapState(), null, null, RETRY_AFTER);
    private volatile RegistrySettings settingsSnapshot;
    /** What is being built now (read by status from any thread), or null. */
    private volatile BackendBuild.InProgress building;
    private volatile boolean settled;
    private volatile boolean stopping;
    private volatile boolean stopped;

    Swapper(FactoryIndex factories, StoreFront front, ScheduledExecutorService registryThread, Consumer<Swapper> onChange) {
        this.factories = factories;
        this.front = front;
        this.thread = registryThread;
        this.onChange = onChange;
    }

    // ---- inputs: each becomes a task on the registry thread

    /**
     * Checks a configuration from {@code use} or the YAML and builds its backend (a use's must
     * answer), without serving it: the door saves it next, and its delivery ({@link #apply} with
     * the same request) serves what was built here. A refusal is recorded (status says why) and
     * nothing changes.
     */
    CompletableFuture<Prepared> prepare(Submission s, String request) {
        return submit(() -> prepareNow(s, request));
    }

    /** Drops a prepared configuration that will not be delivered (it could not be saved). */
    void discard(Prepared p, RuntimeException why) {
        run(() -> {
            if (state.prepared == p) {
                state.prepared = null;
            }
            if (p.built != null) {
                close(p.built.store());
            }
            if (why != null) {
                refused(p.configured.source(), why);
            }
            p.applied.completeExceptionally(why != null ? why : new StoreException("discarded"));
            return null;
        });
    }

    /**
     * Applies what ConfigAdmin delivered: what runs. A delivery that answers a {@link #prepare}
     * serves what was built for it.
     *
     * @return completes with what was migrated, or exceptionally with why it was refused
     */
    CompletableFuture<Migration> apply(Submission s) {
        return submit(() -> {
            try {
                return applyNow(s);
            } finally {
                // before the status is published: the front then says the start is settled
                settled |= s.kind() == Submission.Kind.DELIVERED;
            }
        });
    }

    /** Reports a configuration that could not even be read (a bad file): status shows it, nothing changes. */
    void refuse(String message, boolean log) {
        run(() -> {
            Failure f = state.failure;
            state.failure = f != null && f.kind() == Failure.Kind.CANNOT_SERVE
                    ? Failure.cannotServe(f.type(), message + "; " + f.message()) : Failure.refused(message);
            if (log) {
                LOG.log(Level.ERROR, "session store configuration refused: " + message);
            }
            return null;
        });
    }

    /** Why a configuration from {@code from} was refused, as status and the log say it: {@code file:line: key 'k': why}. */
    static String located(ConfigSource from, RuntimeException e) {
        RuntimeException cause = e instanceof Refused r ? r.cause : e;
        String key = cause instanceof StoreConfigException c ? c.key() : null;
        return from.locate(key) + ": " + Redaction.printable(cause.getMessage());
    }

    /** A backend type's defaults changed (PID sessionstore.TYPE): a store built with the old ones is rebuilt. */
    void defaultsChanged(String type, Map<String, Object> values) {
        run(() -> {
            defaults.put(type, Map.copyOf(values));
            reconcileQuietly();
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
        return submit(() -> {
            reconcileQuietly();
            return null;
        });
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
        stopping = true;
        CompletableFuture<KeptEntries> done = submit(() -> {
            stopped = true;
            Backend last = state.serving;
            state.serving = null;
            SessionStore left = front.fail(currentType(), Duration.ZERO,
                    "the session store registry has stopped; start the bundle org.sessionstore.registry");
            KeptEntries entries = state.kept;
            if (handOver && last != null && Migrator.inProcess(left)) {
                try {
                    entries = KeptEntries.of(last.type(), (TransferableStore) left);
                } catch (Throwable e) {
                    LOG.log(Level.ERROR, "the entries of the " + last.type() + " store could not be read: "
                            + Redaction.printable(String.valueOf(e)));
                }
            }
            close(left);
            if (state.prepared != null && state.prepared.built != null) {
                close(state.prepared.built.store());
            }
            state.kept = null;
            return handOver ? entries : null;
        });
        try {
            return done.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.WARNING, "the session store registry did not close its stores in 30s: " + e);
        }
        return null;
    }

    /** Runs a task on the registry thread; its future completes after the status is published. */
    private <T> CompletableFuture<T> submit(Supplier<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        run(() -> {
            try {
                T value = task.get();
                return () -> result.complete(value);
            } catch (Throwable e) {
                // an Error too: the caller hears of it, never waits for ever
                RuntimeException why = e instanceof Refused r ? r.cause
                        : e instanceof RuntimeException r ? r : new StoreException(describe(e), e);
                return () -> result.completeExceptionally(why);
            }
        });
        return result;
    }

    private void run(Supplier<Runnable> task) {
        try {
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
                publish();
                if (after != null) {
                    after.run();
                }
            });
        } catch (RejectedExecutionException gone) {
            // the registry thread is gone already
        }
    }

    // ---- the work, on the registry thread

    private Prepared prepareNow(Submission s, String request) {
        RegistrySettings next = settings(s);
        Candidate chosen = factories.chosen(next.type()).orElse(null);
        if (s.immediate() && chosen == null) {
            throw refused(s.source(), new StoreConfigException("type", "unsupported session store type '" + next.type()
                    + "' (available: " + String.join(", ", factories.typeNames()) + ")"));
        }
        if (s.migrate()) {
            if (chosen == null) {
                throw refused(s.source(), new StoreConfigException("type", "no bundle provides store.type=" + next.type()
                        + " now, so nothing can be migrated to it; install it first or switch without --migrate"));
            }
            if (state.kept == null && (state.serving == null || !Migrator.possible(state.serving.store()))) {
                throw refused(s.source(), new StoreConfigException("type", "the current store cannot be migrated (it is "
                        + (state.serving == null ? "not serving" : "not able to list its entries")
                        + "); switch without --migrate"));
            }
        }
        if (state.prepared != null) {
            Prepared older = state.prepared;
            state.prepared = null;
            if (older.built != null) {
                close(older.built.store());
            }
            older.applied.completeExceptionally(new StoreException("superseded by a later configuration"));
        }
        Configured c = new Configured(next, s.written(), s.source());
        BackendBuild.Built built = null;
        if (chosen != null && (s.migrate() || !keeps(state.serving, chosen, next))) {
            try {
                built = build(chosen, next, s.immediate());
            } catch (RuntimeException e) {
                throw refused(s.source(), e);
            }
        }
        warnIfClearSecret(s.written(), s.source());
        state.prepared = new Prepared(request, c, s.migrate(), chosen, built);
        return state.prepared;
    }

    private Migration applyNow(Submission s) {
        Prepared p = state.prepared != null && s.request() != null && s.request().equals(state.prepared.request)
                ? state.prepared : null;
        state.prepared = p == null ? state.prepared : null;
        ConfigSource source = p != null ? p.configured.source() : s.source();
        try {
            Migration m = applyConfigured(s, source, p);
            if (p != null) {
                p.applied.complete(m);
            }
            return m;
        } catch (RuntimeException e) {
            if (p != null) {
                if (p.built != null && (state.serving == null || state.serving.store() != p.built.store())) {
                    close(p.built.store());
                }
                p.applied.completeExceptionally(e instanceof Refused r ? r.cause : e);
            }
            throw e;
        }
    }

    private Migration applyConfigured(Submission s, ConfigSource source, Prepared p) {
        RegistrySettings next;
        try {
            next = RegistrySettings.from(s.resolved());
        } catch (StoreConfigException e) {
            refused(source, e);
            if (state.desired == null) {
                // nothing configured runs yet: calls fail at once with why
                state.failure = Failure.cannotServe(rawType(s.resolved()), "configuration refused: " + state.failure.message());
                front.fail(state.failure.type(), Duration.ZERO, state.failure.message());
            }
            throw e;
        }
        Configured before = state.desired;
        // an echo of the same settings keeps where they came from
        Configured now = before != null && before.settings().equals(next) && p == null ? before
                : new Configured(next, s.written(), source);
        state.desired = now;
        state.failure = state.failure != null && state.failure.kind() == Failure.Kind.TAKE_OVER ? state.failure : null;
        try {
            Migration m = reconcile(p != null && p.migrate, p);
            if (state.failure != null && state.failure.kind() == Failure.Kind.REFUSED) {
                state.failure = null;
            }
            if (before == null || !before.settings().equals(next)) {
                warnIfClearSecret(s.written(), source);
                if (source != ConfigSource.DEFAULTS) {
                    LOG.log(Level.INFO, "session store configured from {0}: {1}", source, next);
                }
            }
            return m;
        } catch (Refused r) {
            state.desired = before;
            refused(source, r.cause);
            throw r;
        }
    }

    private RegistrySettings settings(Submission s) {
        try {
            return RegistrySettings.from(s.resolved());
        } catch (StoreConfigException e) {
            throw refused(s.source(), e);
        }
    }

    private static String rawType(Map<String, ?> props) {
        Object t = props.get("type");
        return t instanceof String s && s.matches("[a-z][a-z0-9_-]{0,63}") ? s : "memory";
    }

    /** Records and logs the refusal of a configuration from {@code from}; returns it, to throw. */
    private Refused refused(ConfigSource from, RuntimeException e) {
        RuntimeException cause = e instanceof Refused r ? r.cause : e;
        String message = located(from, cause)
                + (state.serving != null ? "; the running " + state.serving.type() + " store is kept" : "");
        if (state.failure == null || !message.equals(state.failure.message())) {
            LOG.log(Level.ERROR, "session store configuration refused: " + message);
        }
        state.failure = Failure.refused(message);
        return e instanceof Refused r ? r : new Refused(cause);
    }

    /** Inside a task: the configured backend cannot take over, so what runs stays. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient RuntimeException cause;

        Refused(RuntimeException cause) {
            super(cause.getMessage(), cause, false, false);
            this.cause = cause;
        }
    }

    private boolean warnedClearSecret;

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

    /** The backend keys a store of these settings is built with: the type's defaults, then the configured keys. */
    private Map<String, Object> effective(RegistrySettings settings) {
        Map<String, Object> all = new TreeMap<>(defaults.getOrDefault(settings.type(), Map.of()));
        all.putAll(settings.backendConfig());
        return Map.copyOf(all);
    }

    /** Whether {@code serving} already is the backend these settings ask for (only registry keys differ). */
    private boolean keeps(Backend serving, Candidate chosen, RegistrySettings next) {
        return serving != null && serving.candidate().serviceId() == chosen.serviceId()
                && serving.candidate().factory() == chosen.factory() && serving.settings().sameBackend(next)
                && serving.effective().equals(effective(next));
    }

    /** For events (a factory, defaults): a failure to take over is recorded (and retried) by {@link #rememberFailure}. */
    private void reconcileQuietly() {
        try {
            reconcile(false, null);
        } catch (Throwable e) {
            // recorded as the failure
        }
    }

    /**
     * Brings what serves in line with what is configured and the factories there are now.
     *
     * @param migrate copy the replaced store's entries even if they do not live in the process
     * @param p what was prepared for this configuration, or null
     * @throws Refused if the configured backend cannot be built or migrated into while another
     *         store serves or is kept (which then stays)
     */
    private Migration reconcile(boolean migrate, Prepared p) {
        if (state.desired == null || stopped) {
            return NOTHING_MIGRATED;
        }
        RegistrySettings desired = state.desired.settings();
        if (state.serving != null && !factories.isRegistered(state.serving.candidate().serviceId())) {
            withdrawServing();
        }
        Candidate chosen = factories.chosen(desired.type()).orElse(null);
        if (chosen == null) {
            if (migrate) {
                throw new Refused(new StoreConfigException("type", "no bundle provides store.type=" + desired.type()
                        + " now, so nothing can be migrated to it; install it first or switch without --migrate"));
            }
            return keepServingWhilePending();
        }
        if (!migrate && keeps(state.serving, chosen, desired)) {
            front.retime(desired.swapTimeout());
            state.serving = new Backend(state.serving.type(), state.serving.store(), state.serving.candidate(), desired,
                    state.serving.effective());
            return NOTHING_MIGRATED;
        }
        BackendBuild.Built ready = p != null && p.built != null && p.candidate.serviceId() == chosen.serviceId()
                ? p.built : null;
        return swapIn(chosen, desired, migrate, ready);
    }

    /** The configured type is not there: the store that served keeps serving (back from an upgrade if need be). */
    private Migration keepServingWhilePending() {
        RegistrySettings desired = state.desired.settings();
        if (state.serving == null && state.lastServed != null && !state.lastServed.type().equals(desired.type())) {
            Candidate back = factories.chosen(state.lastServed.type()).orElse(null);
            if (back != null) {
                try {
                    return swapIn(back, state.lastServed, false, null);
                } catch (RuntimeException e) {
                    // it cannot serve again; wait for the configured type
                }
            }
        }
        if (state.serving == null) {
            state.failure = null;
            front.withdraw(desired.type(), desired.swapTimeout(), null);
        } else {
            front.retime(desired.swapTimeout());
        }
        return NOTHING_MIGRATED;
    }

    /** Builds the backend (unless {@code ready}), migrates into it what must be, and serves it. */
    private Migration swapIn(Candidate c, RegistrySettings settings, boolean migrate, BackendBuild.Built ready) {
        Failure f = state.failure;
        if (ready == null && f != null && f.kind() == Failure.Kind.TAKE_OVER && f.failedWith(c, settings, effective(settings))) {
            return NOTHING_MIGRATED; // it failed with this factory and these settings already; the retry will come
        }
        BackendBuild.Built built;
        try {
            built = ready != null ? ready : build(c, settings, false);
        } catch (RuntimeException e) {
            rememberFailure(c, settings, e);
            if (state.serving != null || state.kept != null) {
                throw new Refused(e);
            }
            state.failure = Failure.cannotServe(settings.type(), (state.desired == null ? ConfigSource.DEFAULTS
                    : state.desired.source()).locate(e instanceof StoreConfigException sc ? sc.key() : null) + ": "
                    + Redaction.printable(e instanceof StoreConfigException ? "the " + settings.type()
                            + " store rejected its configuration: " + e.getMessage() : describe(e)));
            LOG.log(Level.ERROR, "session store failed: " + state.failure.message());
            close(front.fail(settings.type(), settings.swapTimeout(), state.failure.message()));
            state.serving = null;
            throw e;
        }
        return serve(new Backend(settings.type(), built.store(), c, settings, effective(settings)), migrate, built);
    }

    /** Builds a backend from {@code c} on a thread of its own, within swap_timeout (status says so meanwhile). */
    private BackendBuild.Built build(Candidate c, RegistrySettings settings, boolean probe) {
        Duration deadline = BackendBuild.deadline(settings.swapTimeout(), leastBuild);
        building = new BackendBuild.InProgress(settings.type(), c.bundleSymbolicName() + " " + c.bundleVersion(),
                System.nanoTime(), deadline);
        try {
            return BackendBuild.run(c, effective(settings), settings.encryption(), probe, deadline, () -> stopping);
        } finally {
            building = null;
        }
    }

    /**
     * One place for every backend: tokens reach the backend encrypted when a key is set; without
     * one, a value stored encrypted reads as absent (reported), never as if it were the token.
     * An in-process store with no key at all is served bare: it was created empty just now, and
     * everything it will hold comes through here (adds, and migrations, which decrypt first), so
     * it never holds a sealed value, and a read need not look at its tokens (on a million sessions
     * that look costs two cache misses per token: a get through it ran at a third of a bare get).
     */
    static SessionStore withEncryption(SessionStore built, TokenKeys encryption) {
        if (encryption == null && Migrator.inProcess(built)) {
            return built;
        }
        return EncryptedStore.of(built, encryption != null ? encryption : TokenKeys.none());
    }

    /**
     * Serves {@code next}, migrating into it first from the serving store (when it lives in the
     * process, or on {@code --migrate}) or from the kept entries of one whose bundle left; closes
     * what it replaces.
     */
    private Migration serve(Backend next, boolean migrate, BackendBuild.Built built) {
        Backend replaced = state.serving;
        boolean fromServing = state.kept == null && replaced != null && (migrate || Migrator.inProcess(replaced.store()));
        TransferableStore from = fromServing ? (TransferableStore) replaced.store() : state.kept;
        RegistrySettings desired = state.desired.settings();
        Migration m = NOTHING_MIGRATED;
        if (from != null) {
            String fromType = fromServing ? replaced.type() : state.kept.type();
            if (fromServing) {
                // calls wait meanwhile, so nothing is written to the old store after it was read
                front.withdraw(next.type(), desired.swapTimeout(), "the entries of the " + replaced.type()
                        + " store are being migrated into the new " + next.type() + " store");
            }
            state.migrating = "migrating the entries of the " + fromType + " store into the new " + next.type()
                    + " store since " + java.time.Instant.now() + "; calls wait up to swap_timeout";
            publish();
            try {
                m = Migrator.copy(next.type(), from, next.store());
            } catch (Throwable e) {
                // whatever the stores threw (an Error too): the attempt ends here, what served serves again
                state.migrating = null;
                close(next.store());
                StoreException why = new StoreException("migrating the live entries of the " + fromType
                        + " store into the new " + next.type() + " store failed, so it does not serve: "
                        + Redaction.withoutSecrets(describe(e), next.effective()));
                rememberFailure(next.candidate(), next.settings(), why);
                if (fromServing) {
                    front.serve(replaced.store(), replaced.type(), desired.swapTimeout());
                }
                throw new Refused(why);
            }
            state.migrating = null;
            state.lastMigration = m;
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
        state.kept = null; // migrated, or of no use to this store
        state.serving = next;
        state.lastServed = null;
        state.failure = null;
        LOG.log(Level.INFO, "session store ''{0}'' active, from {1} {2} (created in {3} ms{4})", next.type(),
                next.candidate().bundleSymbolicName(), next.candidate().bundleVersion(), built.createdNanos() / 1_000_000,
                built.warmedNanos() < 0 ? "" : ", " + built.warmedHow() + " in " + built.warmedNanos() / 1_000_000 + " ms");
        return m;
    }

    /**
     * Remembers what failed (so events do not retry it at once, and a PENDING status says why) and
     * tries it again after {@link #retryAfter}; a retry that fails for the same reason is not
     * logged again.
     */
    private void rememberFailure(Candidate c, RegistrySettings settings, RuntimeException why) {
        String message = Redaction.printable(String.valueOf(why.getMessage()));
        Failure before = state.failure;
        if (before == null || !message.equals(before.message())) {
            LOG.log(Level.ERROR, "session store ''{0}'' could not take over: {1}", settings.type(), message);
        }
        state.failure = Failure.takeOver(c, settings, effective(settings), message);
        if (!state.retryScheduled) {
            state.retryScheduled = true;
            try {
                thread.schedule(() -> run(() -> {
                    state.retryScheduled = false;
                    Failure f = state.failure;
                    if (f != null && f.kind() == Failure.Kind.TAKE_OVER) {
                        state.failure = f.asRetried(); // no longer suppresses the build; its message stays meanwhile
                        reconcileQuietly();
                    }
                    return null;
                }), retryAfter.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException gone) {
                // stopping
            }
        }
    }

    /** The served backend's bundle left: calls wait; an in-process store is kept for a successor (handover). */
    private void withdrawServing() {
        Backend left = state.serving;
        RegistrySettings desired = state.desired.settings();
        state.serving = null;
        state.lastServed = left.settings();
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
        state.kept = entries;
        long wait = Math.max(state.desired == null ? 0 : state.desired.settings().swapTimeout().toMillis(),
                keptAtLeast.toMillis());
        try {
            thread.schedule(() -> run(() -> {
                if (state.kept == entries) {
                    state.kept = null;
                    LOG.log(Level.WARNING, "no successor of the withdrawn ''{0}'' store arrived within {1}; its {2}"
                            + " sessions and states are dropped", entries.type(), Durations.format(Duration.ofMillis(wait)),
                            entries.size());
                }
                return null;
            }), wait, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException gone) {
            // stopping
        }
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

    /** A throwable in one line: its message, or its class and message for an Error. */
    static String describe(Throwable e) {
        if (e instanceof RuntimeException && e.getMessage() != null) {
            return e.getMessage();
        }
        return e.getClass().getName() + (e.getMessage() == null ? "" : ": " + Redaction.printable(e.getMessage()));
    }

    private String currentType() {
        return state.serving != null ? state.serving.type() : state.desired != null ? state.desired.settings().type() : "memory";
    }

    // ---- what others read

    /** Publishes the state after a task; only the registry thread calls it. */
    private void publish() {
        snapshot = SwapStatus.of(state, factories.chosen(state.desired == null ? "" : state.desired.settings().type())
                .isPresent() ? Boolean.TRUE : Boolean.FALSE, factories.typeNames(), retryAfter);
        settingsSnapshot = state.desired == null ? null : state.desired.settings();
        onChange.accept(this);
    }

    /**
     * What the store is doing now; never blocks. The snapshot is what the last finished task left;
     * while a backend is being built, the detail says which and for how long.
     */
    StoreStatus status() {
        return SwapStatus.withBuild(snapshot, building);
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
        return state.lastMigration;
    }

    /** Waits until the tasks submitted so far have run. */
    void awaitIdle() {
        try {
            submit(() -> null).get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the registry thread did not answer in 60s", e);
        }
    }
}
