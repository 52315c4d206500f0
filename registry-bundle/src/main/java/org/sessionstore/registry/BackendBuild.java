package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import org.sessionstore.api.Redaction;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.api.config.Durations;
import org.sessionstore.api.config.IdleTimeout;
import org.sessionstore.api.config.StoreConfig;
import org.sessionstore.api.crypto.EncryptedStore;
import org.sessionstore.registry.near.NearCache;
import org.sessionstore.api.crypto.TokenKeys;
import org.sessionstore.registry.FactoryIndex.Candidate;

/**
 * Builds one backend: the factory's {@code create}, the encryption layer, then the probe (for
 * {@code use}: a store that does not answer is refused) or the warm-up (a remote store connects
 * before the waiting calls rush in). All of it runs on a thread of its own, within a deadline
 * ({@code swap_timeout}), so a factory that hangs, throws an {@link Error} or returns
 * {@code null} costs the registry thread one bounded wait and one line naming the type and the
 * cause, never the registry.
 *
 * <p>A factory whose {@code create} outlived its deadline is not called again until that call
 * returns (a factory that hangs for ever would otherwise take a thread at every retry); what it
 * returns late is closed.
 */
final class BackendBuild {

    private static final Logger LOG = System.getLogger("org.sessionstore.registry");
    /** How long a remote store may warm up at most (a quarter of swap_timeout if that is shorter). */
    static final long WARM_UP_MILLIS = 200;

    /** A store built, and how long each step took, for the log line. */
    record Built(SessionStore store, long createdNanos, long warmedNanos, String warmedHow) {
    }

    /** What is being built now, for status: read by any thread. */
    record InProgress(String type, String provider, long startedNanos, Duration deadline) {

        /** One sentence for {@code info} and {@code health}. */
        String describe() {
            long ms = (System.nanoTime() - startedNanos) / 1_000_000;
            return "building the " + type + " store (" + provider + ") for " + Durations.format(Duration.ofMillis(ms))
                    + "; it is given up after " + Durations.format(deadline) + " (swap_timeout, at least 5s)";
        }
    }

    /** The least time a build gets, whatever swap_timeout says (it may be 0: calls do not wait). */
    static final Duration LEAST = Duration.ofSeconds(5);

    /** How long a build may take: swap_timeout, at least {@code least} ({@link #LEAST} but in tests). */
    static Duration deadline(Duration swapTimeout, Duration least) {
        return swapTimeout.compareTo(least) < 0 ? least : swapTimeout;
    }

    /** A build given up at its deadline, still running: since when, and where it is. */
    private record Overdue(long began, java.util.concurrent.atomic.AtomicReference<String> phase) {
    }

    /** Factories (by service id) whose build has not finished since its deadline passed. */
    private static final Map<Long, Overdue> OVERDUE = new ConcurrentHashMap<>();

    private BackendBuild() {
    }

    /**
     * Builds a store from {@code c}.
     *
     * @param c the factory
     * @param config the backend's keys
     * @param encryption the configured keys, or null
     * @param probe whether the store must answer ({@code use}) rather than merely warm up
     * @param deadline the longest the whole build may take ({@link #deadline})
     * @param stopping tells the wait to give up early (the registry is stopping)
     * @return the store, ready to serve
     * @throws StoreConfigException if the factory refused its keys
     * @throws StoreException with one line naming the type and the cause, for anything else
     */
    static Built run(Candidate c, Map<String, Object> config, RegistrySettings settings, boolean probe, Duration deadline,
            BooleanSupplier stopping) {
        Overdue overdue = OVERDUE.get(c.serviceId());
        if (overdue != null) {
            throw new StoreException(who(c) + " is still building its store (" + overdue.phase().get() + ", begun "
                    + Durations.format(Duration.ofMillis((System.nanoTime() - overdue.began()) / 1_000_000))
                    + " ago), past swap_timeout; it is not called again until that returns (update or restart its bundle "
                    + c.bundleSymbolicName() + ")");
        }
        long began = System.nanoTime();
        CompletableFuture<Built> done = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicReference<String> phase = new java.util.concurrent.atomic.AtomicReference<>(
                "in its create");
        Thread t = new Thread(() -> {
            try {
                done.complete(build(c, config, settings, probe, deadline, began, phase));
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "sessionstore-build-" + c.type());
        t.setDaemon(true);
        t.start();
        try {
            Built b = await(done, began + deadline.toNanos(), stopping);
            if (b != null) {
                return b;
            }
        } catch (ExecutionException e) {
            throw explain(c, e.getCause(), config);
        }
        // given up: whatever it returns later is closed, and the factory waits until it has returned
        String stuck = phase.get();
        OVERDUE.put(c.serviceId(), new Overdue(began, phase));
        done.whenComplete((late, failed) -> {
            OVERDUE.computeIfPresent(c.serviceId(), (id, o) -> o.began() == began ? null : o);
            if (late != null) {
                Stores.close(late.store());
                LOG.log(Level.WARNING, "{0} finished building its store after {1}, past swap_timeout; the store is closed",
                        who(c), Durations.format(Duration.ofMillis((System.nanoTime() - began) / 1_000_000)));
            }
        });
        if (stopping.getAsBoolean()) {
            throw new StoreException("the registry stopped while " + who(c) + " was building its store");
        }
        throw new StoreException(who(c) + " did not finish building its store within " + Durations.format(deadline)
                + " (swap_timeout, at least 5s): it was still " + stuck + "; that goes on in the background and whatever"
                + " it makes is closed; fix the backend, or raise swap_timeout if it needs longer");
    }

    /** Waits for the build, in slices so that a stopping registry does not wait it out; null when given up. */
    private static Built await(CompletableFuture<Built> done, long deadlineNanos, BooleanSupplier stopping)
            throws ExecutionException {
        while (true) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0 || stopping.getAsBoolean()) {
                return done.isDone() && !done.isCompletedExceptionally() ? done.getNow(null) : null;
            }
            try {
                return done.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
            } catch (TimeoutException slice) {
                // wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    private static Built build(Candidate c, Map<String, Object> config, RegistrySettings settings, boolean probe,
            Duration deadline, long began, java.util.concurrent.atomic.AtomicReference<String> phase) {
        SessionStore made = c.factory().create(config);
        if (made == null) {
            throw new NullStore();
        }
        long createdIn = System.nanoTime() - began;
        SessionStore built = withEncryption(withNearCache(made, c.type(), config, settings.nearCache()), settings.encryption());
        if (probe) {
            phase.set("answering its first call (getSessionCount, the probe of use)");
            try {
                built.getSessionCount();
            } catch (RuntimeException e) {
                Stores.close(built);
                throw new StoreUnavailableException("the new " + c.type() + " store does not answer, so it is not used: "
                        + Redaction.withoutSecrets(e.getMessage(), config));
            } catch (Throwable e) {
                Stores.close(built);
                throw e;
            }
            return new Built(built, createdIn, -1, "");
        }
        if (Migrator.inProcess(built)) {
            return new Built(built, createdIn, -1, "");
        }
        phase.set("warming up (its first calls)");
        long warming = System.nanoTime();
        String how = warm(built, Math.min(WARM_UP_MILLIS, deadline.toMillis() / 4));
        return new Built(built, createdIn, System.nanoTime() - warming, how);
    }

    /**
     * Lets a remote store connect and load its code on one thread before the waiting calls rush in
     * (measured on a redis upgrade under 16 threads: the first call served ~130 ms after the new
     * factory came without this, ~90 ms with it). For at most {@code budgetMillis}; a store that
     * cannot answer yet is served all the same, and its calls fail or recover on their own.
     *
     * @return how it went ("connected and warmed", or why not), for the log line
     */
    private static String warm(SessionStore built, long budgetMillis) {
        CompletableFuture<String> done = CompletableFuture.supplyAsync(() -> {
            try {
                built.getSessionCount();
                built.sessionExists("sessionstore-warm-up");
                return "connected and warmed";
            } catch (RuntimeException e) {
                return "warm-up could not reach the backend (" + Redaction.printable(String.valueOf(e.getMessage())) + ")";
            }
        }, r -> {
            Thread t = new Thread(r, "sessionstore-warm-up");
            t.setDaemon(true);
            t.start();
        });
        try {
            return done.get(budgetMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "warm-up interrupted";
        } catch (ExecutionException e) {
            return "warm-up failed (" + Redaction.printable(String.valueOf(e.getCause())) + ")";
        } catch (TimeoutException e) {
            return "warm-up still waiting for the backend";
        }
    }

    /** The factory returned null. */
    private static final class NullStore extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NullStore() {
            super(null, null, false, false);
        }
    }

    /** One line naming the type and the cause; a StoreException of the backend's own stays as it is. */
    private static RuntimeException explain(Candidate c, Throwable e, Map<String, Object> config) {
        if (e instanceof NullStore) {
            return new StoreException(who(c) + " returned no store (null) from create; that is a defect of the backend:"
                    + " update or remove its bundle " + c.bundleSymbolicName());
        }
        if (e instanceof org.sessionstore.api.StoreConfigException sc) {
            return sc; // the backend's own refusal, naming the key
        }
        if (e instanceof StoreUnavailableException u) {
            return u; // the probe's, already without secrets
        }
        if (e instanceof RuntimeException r && r.getMessage() != null) {
            // a third-party backend may repeat what it was given (a password in a URL): never shown
            String clean = Redaction.withoutSecrets(r.getMessage(), config);
            return clean.equals(r.getMessage()) ? r : new StoreException(clean);
        }
        String what = e instanceof VirtualMachineError ? " (a VirtualMachineError: the process may be short of memory"
                + " or unstable; the registry goes on)" : e instanceof LinkageError ? " (its bundle lacks a class or a"
                + " package it needs: check its imports and that its dependencies are installed)" : "";
        if (e instanceof VirtualMachineError) {
            LOG.log(Level.ERROR, who(c) + " threw " + e.getClass().getName() + " while building its store; the registry"
                    + " goes on");
        }
        // the cause is not kept: its message (logged with it) may hold what the backend was given
        return new StoreException(who(c) + " failed to build its store: " + e.getClass().getName()
                + (e.getMessage() == null ? "" : ": " + Redaction.withoutSecrets(e.getMessage(), config)) + what);
    }

    private static String who(Candidate c) {
        return "the " + c.type() + " factory of bundle " + c.bundleSymbolicName() + " " + c.bundleVersion();
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
     * The near cache, when configured, between the backend and the encryption (so it holds tokens as
     * the backend does). With the backend's idle_timeout, its entries live short enough for the
     * backend to see the reads that keep a session alive.
     */
    static SessionStore withNearCache(SessionStore made, String type, Map<String, Object> config,
            RegistrySettings.NearCacheSettings near) {
        if (near == null) {
            return made;
        }
        IdleTimeout idle;
        try {
            idle = IdleTimeout.from(StoreConfig.of(type, config, config.keySet()));
        } catch (RuntimeException e) {
            idle = IdleTimeout.OFF; // the backend checked its own keys already
        }
        try {
            return NearCache.over(made, type, near.size(), near.maxAge(), idle.idle(), idle.touchAfter(),
                    java.time.Clock.systemUTC());
        } catch (RuntimeException e) {
            Stores.close(made);
            throw e;
        }
    }
}
