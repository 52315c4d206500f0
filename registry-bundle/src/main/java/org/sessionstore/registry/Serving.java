package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.sessionstore.api.Migration;
import org.sessionstore.api.Redaction;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.TransferableStore;
import org.sessionstore.api.config.Durations;
import org.sessionstore.registry.SwapState.Backend;

/**
 * The steps that change what serves behind the {@link StoreFront}, for the {@link Swapper} and on
 * its thread: serving a built backend (after migrating into it what must be), withdrawing one whose
 * bundle left, and keeping an in-process store's entries for a successor (a handover).
 */
final class Serving {

    private static final Logger LOG = System.getLogger("org.sessionstore.registry");

    /** A migration into a new backend failed: what served serves again; the swapper remembers and retries. */
    static final class MigrationFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient StoreException why;

        MigrationFailed(StoreException why) {
            super(why.getMessage(), why, false, false);
            this.why = why;
        }
    }

    private final SwapState state;
    private final StoreFront front;
    private final ScheduledExecutorService thread;
    /** Runs a task on the registry thread (the state is confined to it). */
    private final Consumer<Runnable> onThread;
    /** Publishes the status (while a migration runs, calls wait and info says so). */
    private final Runnable publish;
    private final Supplier<Duration> keptAtLeast;

    Serving(SwapState state, StoreFront front, ScheduledExecutorService thread, Consumer<Runnable> onThread, Runnable publish,
            Supplier<Duration> keptAtLeast) {
        this.state = state;
        this.front = front;
        this.thread = thread;
        this.onThread = onThread;
        this.publish = publish;
        this.keptAtLeast = keptAtLeast;
    }

    /**
     * Serves {@code next}, migrating into it first from the serving store (when it lives in the
     * process, or on {@code --migrate}) or from the kept entries of one whose bundle left; closes
     * what it replaces.
     */
    Migration serve(Backend next, boolean migrate, BackendBuild.Built built) {
        Backend replaced = state.serving;
        boolean fromServing = state.kept == null && replaced != null && (migrate || Migrator.inProcess(replaced.store()));
        TransferableStore from = fromServing ? (TransferableStore) replaced.store() : state.kept;
        RegistrySettings desired = state.desired.settings();
        Migration m = Swapper.NOTHING_MIGRATED;
        if (from != null) {
            String fromType = fromServing ? replaced.type() : state.kept.type();
            if (fromServing) {
                // calls wait meanwhile, so nothing is written to the old store after it was read
                front.withdraw(next.type(), desired.swapTimeout(), "the entries of the " + replaced.type()
                        + " store are being migrated into the new " + next.type() + " store");
            }
            state.migrating = "migrating the entries of the " + fromType + " store into the new " + next.type()
                    + " store since " + java.time.Instant.now() + "; calls wait up to swap_timeout";
            publish.run();
            long timedOutBefore = front.timedOut.sum();
            try {
                m = Migrator.copy(next.type(), from, next.store(), desired.swapTimeout(), front::progress);
            } catch (Throwable e) {
                // whatever the stores threw (an Error too): the attempt ends here, what served serves again
                state.migrating = null;
                Stores.close(next.store());
                StoreException why = new StoreException("migrating the live entries of the " + fromType
                        + " store into the new " + next.type() + " store failed, so it does not serve: "
                        + Redaction.withoutSecrets(Stores.describe(e), next.effective()));
                if (fromServing) {
                    front.serve(replaced.store(), replaced.type(), desired.swapTimeout());
                }
                throw new MigrationFailed(why);
            }
            state.migrating = null;
            long timedOut = front.timedOut.sum() - timedOutBefore;
            if (timedOut > 0) {
                LOG.log(Level.WARNING, "{0} calls waited longer than swap_timeout for the migration into the new ''{1}''"
                        + " store and failed; give a larger swap_timeout for a copy this size", String.valueOf(timedOut), next.type());
            }
            state.lastMigration = m;
            if (m.sessions() + m.states() > 0) {
                LOG.log(Level.INFO, "migrated {0} sessions and {1} states into the new ''{2}'' store in {3} ms",
                        String.valueOf(m.sessions()), String.valueOf(m.states()), next.type(),
                        String.valueOf(m.took().toMillis()));
            }
            if (m.skipped() > 0) {
                LOG.log(Level.WARNING, "the migration into the new ''{0}'' store skipped {1} records the old store could"
                        + " not read (each named above by its key)", next.type(), String.valueOf(m.skipped()));
            }
        }
        long left = replaced != null && !fromServing && state.kept == null
                ? leftBehind(replaced, "copied into the '" + next.type() + "' store") : 0;
        if (left > 0) {
            m = new Migration(m.type(), m.sessions(), m.states(), m.took(), m.skipped(), left);
        }
        Stores.close(front.serve(next.store(), next.type(), desired.swapTimeout(), left));
        if (fromServing) {
            Stores.close(replaced.store());
        }
        state.kept = null; // migrated, or of no use to this store
        state.serving = next;
        state.lastServed = null;
        state.failure = null;
        LOG.log(Level.INFO, "session store ''{0}'' active, from {1} {2} (created in {3} ms{4})", next.type(),
                next.candidate().bundleSymbolicName(), next.candidate().bundleVersion(), String.valueOf(built.createdNanos() / 1_000_000),
                built.warmedNanos() < 0 ? "" : ", " + built.warmedHow() + " in " + built.warmedNanos() / 1_000_000 + " ms");
        return m;
    }

    /**
     * The sessions a replaced store still holds when it cannot list them (not a TransferableStore):
     * nothing copies them, and a store that kept them in the process loses them, so it is said (a
     * shared store keeps them where they are). 0 for a store that can be migrated from (only
     * {@code --migrate} copies a shared one) or whose count fails.
     */
    static long leftBehind(Backend replaced, String into) {
        if (Migrator.possible(replaced.store())) {
            return 0;
        }
        long n;
        try {
            n = replaced.store().getSessionCount();
        } catch (RuntimeException e) {
            return 0;
        }
        if (n > 0) {
            LOG.log(Level.WARNING, "the {0} sessions of the ''{1}'' store were not {2}: its backend cannot list its"
                    + " entries (it is not a TransferableStore); if it kept them in the process, they are gone", String.valueOf(n),
                    replaced.type(), into);
        }
        return n;
    }

    /** The served backend's bundle left: calls wait; an in-process store is kept for a successor (handover). */
    void withdrawServing() {
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
            Stores.close(store);
            LOG.log(Level.WARNING, "session store ''{0}'' withdrawn: its bundle left; calls wait up to swap_timeout ({1})"
                    + " for a successor, which gets its entries", left.type(), Durations.format(desired.swapTimeout()));
        } else {
            leftBehind(left, "kept for a successor");
            Stores.close(store);
            LOG.log(Level.WARNING, "session store ''{0}'' withdrawn: its bundle left; calls wait up to swap_timeout ({1})"
                    + " for a bundle that provides it", left.type(), Durations.format(desired.swapTimeout()));
        }
    }

    void keep(KeptEntries entries) {
        state.kept = entries;
        long wait = Math.max(state.desired == null ? 0 : state.desired.settings().swapTimeout().toMillis(),
                keptAtLeast.get().toMillis());
        try {
            thread.schedule(() -> onThread.accept(() -> {
                if (state.kept == entries) {
                    state.kept = null;
                    LOG.log(Level.WARNING, "no successor of the withdrawn ''{0}'' store arrived within {1}; its {2}"
                            + " sessions and states are dropped", entries.type(), Durations.format(Duration.ofMillis(wait)),
                            String.valueOf(entries.size()));
                }
            }), wait, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException gone) {
            // stopping
        }
    }

    /**
     * The registry stops: calls fail at once from now on, every store it built is closed.
     *
     * @param handOver read out an in-process store's entries first (for the registry's next instance)
     * @return those entries (or the ones kept for a successor), or null
     */
    KeptEntries stop(boolean handOver) {
        Backend last = state.serving;
        state.serving = null;
        String type = last != null ? last.type() : state.desired != null ? state.desired.settings().type() : "memory";
        SessionStore left = front.fail(type, Duration.ZERO,
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
        Stores.close(left);
        if (state.prepared != null && state.prepared.built != null) {
            Stores.close(state.prepared.built.store());
        }
        state.kept = null;
        return handOver ? entries : null;
    }
}
