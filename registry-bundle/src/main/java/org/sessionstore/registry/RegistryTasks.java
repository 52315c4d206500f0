package org.sessionstore.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.sessionstore.api.StoreException;

/**
 * How the {@link Swapper}'s tasks run: one at a time on the registry thread; after each, the status
 * is published, and only then runs what the task returned (it completes a caller's future, so a
 * caller that waited reads the new status). A task never kills the thread, and whatever it throws
 * (an {@link Error} too) reaches the caller that waits for it.
 */
final class RegistryTasks {

    private static final Logger LOG = System.getLogger("org.sessionstore.registry");

    private final Executor thread;
    private final BooleanSupplier stopped;
    private final Runnable publish;

    RegistryTasks(Executor thread, BooleanSupplier stopped, Runnable publish) {
        this.thread = thread;
        this.stopped = stopped;
        this.publish = publish;
    }

    /** Runs a task; its future completes after the status is published. */
    <T> CompletableFuture<T> submit(Supplier<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        run(() -> {
            try {
                T value = task.get();
                return () -> result.complete(value);
            } catch (Throwable e) {
                // an Error too: the caller hears of it, never waits for ever
                RuntimeException why = e instanceof Refused r ? r.cause
                        : e instanceof RuntimeException r ? r : new StoreException(Stores.describe(e), e);
                return () -> result.completeExceptionally(why);
            }
        });
        return result;
    }

    /** Runs a task; what it returns runs after the status is published. */
    void run(Supplier<Runnable> task) {
        try {
            thread.execute(() -> {
                if (stopped.getAsBoolean()) {
                    return;
                }
                Runnable after = null;
                try {
                    after = task.get();
                } catch (Throwable t) {
                    LOG.log(Level.ERROR, "session store registry task failed: " + t, t);
                }
                publish.run();
                if (after != null) {
                    after.run();
                }
            });
        } catch (RejectedExecutionException gone) {
            // the registry thread is gone already
        }
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
