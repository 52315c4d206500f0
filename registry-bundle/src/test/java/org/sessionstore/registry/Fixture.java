package org.sessionstore.registry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.sessionstore.api.Migration;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreStatus;
import org.sessionstore.registry.FactoryIndex.Candidate;
import org.sessionstore.registry.Swapper.Submission;

/**
 * The registry's parts without a framework: factories, the front, the swapper on its own thread.
 * Every input waits until the registry thread has dealt with it, so tests read as a story.
 */
final class Fixture implements AutoCloseable {

    final FactoryIndex factories = new FactoryIndex();
    final StoreFront front = new StoreFront();
    final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
    final Swapper swapper = new Swapper(factories, front, thread, s -> {
    });
    final List<Map<String, Object>> persisted = new CopyOnWriteArrayList<>();

    Fixture() {
        swapper.persistTo(persisted::add);
    }

    static Candidate candidate(String type, long id, int ranking, StoreFactory f) {
        return new Candidate(type, id, ranking, f, "test." + type, "1.0.0", 1);
    }

    void offer(String type, long id, StoreFactory f) {
        offer(candidate(type, id, 0, f));
    }

    void offer(Candidate c) {
        factories.put(c);
        swapper.factoriesChanged();
        swapper.awaitIdle();
    }

    void withdraw(long serviceId) {
        factories.remove(serviceId);
        swapper.factoriesChanged();
        swapper.awaitIdle();
    }

    /** A configuration from ConfigAdmin (an etc/ file or a saved one). */
    void configure(Map<String, ?> properties) {
        swapper.submit(Submission.fromConfigAdmin(properties));
        swapper.awaitIdle();
    }

    /** sessionstore:use: throws what refused it. */
    Migration use(Map<String, ?> properties, boolean migrate) {
        try {
            return swapper.submit(Submission.fromShell(properties, migrate)).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (RuntimeException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    StoreStatus status() {
        return swapper.status();
    }

    /** The backend serving now, behind the token encryption every backend gets. */
    SessionStore backend() {
        SessionStore s = front.backend();
        return s instanceof org.sessionstore.api.crypto.EncryptedStore e ? e.backend() : s;
    }

    /** Polls (the kept store's time runs out on the registry thread's timer). */
    static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close() {
        swapper.shutdown(false);
        thread.shutdownNow();
    }
}
