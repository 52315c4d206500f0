package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.sessionstore.api.Migration;
import org.sessionstore.api.Redaction;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.StoreStatus;
import org.sessionstore.api.TransferableStore;
import org.sessionstore.registry.FactoryIndex.Candidate;
import org.sessionstore.registry.SwapState.Backend;
import org.sessionstore.registry.SwapState.Configured;
import org.sessionstore.registry.SwapState.Failure;

/**
 * The swap machinery: puts the configured backend behind the {@link StoreFront} and keeps it there.
 * The words it uses (swap, migrate, handover) and every lock of the registry are listed at the top
 * of the package ({@code package-info.java}).
 *
 * <p><b>Inputs</b>, each a task on the one registry thread: {@link #prepare} (a configuration from
 * {@code use} or the YAML, checked and its backend built before it is saved), {@link #apply} (what
 * ConfigAdmin delivered: what runs), {@link #factoriesChanged}, {@link #defaultsChanged},
 * {@link #refuse}, {@link #adopt}, {@link #shutdown}. Every submission is complete; the machinery
 * never calls back into the component. Its state is {@link SwapState}, confined to that thread;
 * the status others read is a pure function of it ({@link SwapStatus}), published after each task.
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
    private final Serving serving;
    private final RegistryTasks tasks;

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
        this.tasks = new RegistryTasks(registryThread, () -> stopped, this::publish);
        this.serving = new Serving(state, front, registryThread, task -> tasks.run(() -> {
            task.run();
            return null;
        }), this::publish, () -> keptAtLeast);
    }

    // ---- inputs: each becomes a task on the registry thread

    /**
     * Checks a configuration from {@code use} or the YAML and builds its backend (a use's must
     * answer), without serving it: the door saves it next, and its delivery ({@link #apply} with
     * the same request) serves what was built here. A refusal is recorded (status says why) and
     * nothing changes.
     */
    CompletableFuture<Prepared> prepare(Submission s, String request) {
        return tasks.submit(() -> prepareNow(s, request));
    }

    /** Drops a prepared configuration that will not be delivered (it could not be saved). */
    void discard(Prepared p, RuntimeException why) {
        tasks.run(() -> {
            if (state.prepared == p) {
                state.dropPrepared(why);
                refused(p.configured.source(), why);
            }
            return null;
        });
    }

    /**
     * Applies what ConfigAdmin delivered: what runs. A delivery that answers a {@link #prepare} serves
     * what was built for it. Completes with what was migrated, or exceptionally with why it was refused.
     */
    CompletableFuture<Migration> apply(Submission s) {
        return tasks.submit(() -> {
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
        tasks.run(() -> {
            state.refuse(message, false, log);
            return null;
        });
    }

    /** The configuration in effect was deleted from ConfigAdmin (its etc/ file removed): it runs on, and its source says so. */
    void configurationDeleted() {
        tasks.run(() -> {
            state.sourceDeleted();
            return null;
        });
    }

    /** Why a configuration from {@code from} was refused, as status and the log say it: {@code file:line: key 'k': why}. */
    static String located(ConfigSource from, RuntimeException e) {
        return SwapState.located(from, e instanceof Refused r ? r.cause : e);
    }

    /** A backend type's defaults changed (PID sessionstore.TYPE): a store built with the old ones is rebuilt. */
    void defaultsChanged(String type, Map<String, Object> values) {
        tasks.run(() -> {
            state.defaults.put(type, Map.copyOf(values));
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
        return tasks.submit(() -> {
            reconcileQuietly();
            return null;
        });
    }

    /** Takes the entries a previous registry handed over (its bundle was updated): migrated into the first store built. */
    void adopt(KeptEntries entries) {
        tasks.run(() -> {
            serving.keep(entries);
            LOG.log(Level.INFO, "took over {0} sessions and states from the previous session store registry",
                    String.valueOf(entries.size()));
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
        CompletableFuture<KeptEntries> done = tasks.submit(() -> {
            stopped = true;
            return serving.stop(handOver);
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
        state.dropPrepared(new StoreException("superseded by a later configuration"));
        Configured c = new Configured(next, s.written(), s.source());
        BackendBuild.Built built = null;
        if (chosen != null && (s.migrate() || !state.keeps(chosen, next))) {
            try {
                built = build(chosen, next, s.immediate());
            } catch (RuntimeException e) {
                throw refused(s.source(), e);
            }
        }
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
                publish(); // the caller reads the status as soon as it is answered: never the one from mid-migration
                p.applied.complete(m);
            }
            return m;
        } catch (RuntimeException e) {
            if (p != null) {
                if (p.built != null && (state.serving == null || state.serving.store() != p.built.store())) {
                    Stores.close(p.built.store());
                }
                publish();
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
                state.failure = Failure.cannotServe(RegistrySettings.rawType(s.resolved()), "configuration refused: " + state.failure.message());
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
            if ((before == null || !before.settings().equals(next)) && source != ConfigSource.DEFAULTS) {
                LOG.log(Level.INFO, "session store configured from {0}: {1} {2}", source, next.type(), next.shown());
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

    /** Records and logs the refusal of a configuration from {@code from}; returns it, to throw. */
    private Refused refused(ConfigSource from, RuntimeException e) {
        RuntimeException cause = e instanceof Refused r ? r.cause : e;
        // a refused use answers its caller with the reason (once); a file or ConfigAdmin has only the log to say it
        state.refuse(SwapState.located(from, cause), true, from != ConfigSource.SHELL);
        return e instanceof Refused r ? r : new Refused(cause);
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
            serving.withdrawServing();
        }
        Candidate chosen = factories.chosen(desired.type()).orElse(null);
        if (chosen == null) {
            if (migrate) {
                throw new Refused(new StoreConfigException("type", "no bundle provides store.type=" + desired.type()
                        + " now, so nothing can be migrated to it; install it first or switch without --migrate"));
            }
            return keepServingWhilePending();
        }
        if (!migrate && state.keeps(chosen, desired)) {
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
        if (ready == null && f != null && f.failedWith(c, settings, state.effective(settings))) {
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
            // nothing serves: calls fail at once with why; the retry still comes
            state.failure = Failure.cannotServe(c, settings, state.effective(settings), (state.desired == null
                    ? ConfigSource.DEFAULTS : state.desired.source()).locate(e instanceof StoreConfigException sc ? sc.key()
                            : null) + ": " + Redaction.printable(e instanceof StoreConfigException ? "the " + settings.type()
                                    + " store rejected its configuration: " + e.getMessage() : Stores.describe(e)));
            LOG.log(Level.ERROR, "session store failed: " + state.failure.message());
            scheduleRetry();
            Stores.close(front.fail(settings.type(), settings.swapTimeout(), state.failure.message()));
            state.serving = null;
            throw e;
        }
        try {
            return serving.serve(new Backend(settings.type(), built.store(), c, settings, state.effective(settings)), migrate,
                    built);
        } catch (Serving.MigrationFailed failed) {
            rememberFailure(c, settings, failed.why);
            throw new Refused(failed.why);
        }
    }

    /** Builds a backend from {@code c} on a thread of its own, within swap_timeout (status says so meanwhile). */
    private BackendBuild.Built build(Candidate c, RegistrySettings settings, boolean probe) {
        Duration deadline = BackendBuild.deadline(settings.swapTimeout(), leastBuild);
        building = new BackendBuild.InProgress(settings.type(), c.bundleSymbolicName() + " " + c.bundleVersion(), System.nanoTime(), deadline);
        try {
            return BackendBuild.run(c, state.effective(settings), settings, probe, deadline, () -> stopping);
        } finally {
            building = null;
        }
    }

    /** Remembers what failed (events do not retry it at once; PENDING says why), logged once per reason; retried. */
    private void rememberFailure(Candidate c, RegistrySettings settings, RuntimeException why) {
        String message = Redaction.printable(String.valueOf(why.getMessage()));
        Failure before = state.failure;
        boolean asked = state.desired != null && state.desired.source() == ConfigSource.SHELL; // use answers it
        if (!asked && (before == null || !message.equals(before.message()))) {
            LOG.log(Level.ERROR, "session store ''{0}'' could not take over: {1}", settings.type(), message);
        }
        state.failure = Failure.takeOver(c, settings, state.effective(settings), message);
        scheduleRetry();
    }

    /** Tries the current failure again after retryAfter; a retry acts only if its failure still stands. */
    private void scheduleRetry() {
        Failure scheduledFor = state.failure;
        if (scheduledFor == null || state.retryFor == scheduledFor) {
            return;
        }
        state.retryFor = scheduledFor;
        try {
            thread.schedule(() -> tasks.run(() -> {
                Failure f = state.failure;
                if (f == scheduledFor && f.candidate() != null) { // could not take over, or not serve; a newer
                    state.failure = f.asRetried(); // failure has its own retry. Its message stays meanwhile
                    reconcileQuietly();
                }
                return null;
            }), retryAfter.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException gone) {
            // stopping
        }
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
        tasks.awaitIdle();
    }
}
