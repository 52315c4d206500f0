package org.sessionstore.registry;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import org.sessionstore.api.Migration;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreStatus;
import org.sessionstore.registry.FactoryIndex.Candidate;
import org.sessionstore.registry.yaml.YamlWatcher;

/**
 * The registry's parts without a framework: factories, the front, the swapper on its own thread,
 * and the one door with a storage that keeps the configuration in a map and delivers what is
 * written back to the door, as ConfigAdmin does. Every input waits until the registry thread has
 * dealt with it, so tests read as a story.
 */
final class Fixture implements AutoCloseable {

    final FactoryIndex factories = new FactoryIndex();
    final StoreFront front = new StoreFront();
    final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
    final Swapper swapper = new Swapper(factories, front, thread, s -> {
    });
    /** What was saved, as written (placeholders kept). */
    final List<Map<String, Object>> persisted = new CopyOnWriteArrayList<>();
    final MapStorage storage = new MapStorage();
    final ConfigDoor door = new ConfigDoor(swapper, storage);
    /** What the YAML says at start (the first delivery reads it). */
    volatile YamlWatcher.Reading yamlAtStart = new YamlWatcher.Absent();

    /** ConfigAdmin in a map: a write is saved and delivered back to the door, resolved. */
    final class MapStorage implements ConfigStorage {
        volatile Map<String, Object> stored;
        /** Resolves placeholders as ConfigAdmin's interpolation plugin would. */
        volatile UnaryOperator<Map<String, Object>> resolver = m -> m;
        /** Saves; a test may make it fail (a full disk). */
        volatile Consumer<Map<String, Object>> writer = persisted::add;

        @Override
        public Map<String, Object> stored() {
            Map<String, Object> s = stored;
            return s == null ? null : RegistrySettings.written(s);
        }

        @Override
        public void write(Map<String, Object> written) {
            writer.accept(RegistrySettings.written(written));
            stored = new HashMap<>(written);
            Map<String, Object> delivered = new HashMap<>(resolve(written));
            delivered.put("service.pid", "sessionstore");
            door.delivered(delivered, () -> yamlAtStart);
        }

        @Override
        public void delete() {
            stored = null;
            door.delivered(null, () -> yamlAtStart);
        }

        @Override
        public Map<String, Object> resolve(Map<String, Object> written) {
            return resolver.apply(new HashMap<>(written));
        }

        @Override
        public Map<String, Object> defaults(String type) {
            return Map.of();
        }

        @Override
        public Optional<String> fileSettingTheConfiguration() {
            return Optional.empty();
        }
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

    /** A configuration ConfigAdmin delivers (an etc/ file or a saved one); the first is the start's. */
    void configure(Map<String, ?> properties) {
        deliver(properties, null);
    }

    /** A delivery, resolved as {@code processed}, stored as {@code stored} (placeholders kept; null: the same). */
    void deliver(Map<String, ?> processed, Map<String, ?> stored) {
        storage.stored = new HashMap<>(stored != null ? stored : processed);
        door.delivered(new HashMap<>(processed), () -> yamlAtStart);
        awaitSettled();
    }

    /** The start with a YAML beside the saved configuration. */
    void start(Map<String, ?> saved, YamlWatcher.Reading yaml) {
        yamlAtStart = yaml;
        deliver(saved, null);
    }

    private void awaitSettled() {
        for (int i = 0; i < 3; i++) {
            swapper.awaitIdle(); // a start may save the YAML: its delivery runs after the first task
        }
    }

    /** sessionstore:use: throws what refused it. */
    Migration use(Map<String, ?> properties, boolean migrate) {
        try {
            return useAsync(properties, migrate).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (RuntimeException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** sessionstore:use on a thread of its own, as the shell's. */
    CompletableFuture<Migration> useAsync(Map<String, ?> properties, boolean migrate) {
        return CompletableFuture.supplyAsync(() -> door.use(properties, migrate));
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
