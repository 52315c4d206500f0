package org.sessionstore.registry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreProvider;

/**
 * The {@link StoreFactory} services known now, by type. Several may offer one type; the one used
 * has the highest {@code service.ranking}, then the lowest {@code service.id} (the OSGi order),
 * so exactly one store is built per type.
 */
final class FactoryIndex {

    /** One factory service. */
    record Candidate(String type, long serviceId, int ranking, StoreFactory factory, String bundleSymbolicName,
            String bundleVersion, long bundleId) {
    }

    private static final Comparator<Candidate> PREFERRED = Comparator.comparingInt(Candidate::ranking).reversed()
            .thenComparingLong(Candidate::serviceId);

    // guards byType; never held while calling out
    private final Object lock = new Object();
    private final Map<String, TreeSet<Candidate>> byType = new TreeMap<>();

    /**
     * Adds or replaces (same service id) a factory.
     *
     * @return the type whose chosen factory may have changed
     */
    String put(Candidate c) {
        synchronized (lock) {
            removeById(c.serviceId());
            byType.computeIfAbsent(c.type(), t -> new TreeSet<>(PREFERRED)).add(c);
            return c.type();
        }
    }

    /**
     * Removes a factory.
     *
     * @return the type it offered, if it was known
     */
    Optional<String> remove(long serviceId) {
        synchronized (lock) {
            return removeById(serviceId);
        }
    }

    private Optional<String> removeById(long serviceId) {
        for (var it = byType.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            if (e.getValue().removeIf(c -> c.serviceId() == serviceId)) {
                if (e.getValue().isEmpty()) {
                    it.remove();
                }
                return Optional.of(e.getKey());
            }
        }
        return Optional.empty();
    }

    /** The factory used for a type, if any offers it. */
    Optional<Candidate> chosen(String type) {
        synchronized (lock) {
            TreeSet<Candidate> set = byType.get(type);
            return set == null ? Optional.empty() : Optional.of(set.first());
        }
    }

    /** Whether the factory with this service id is still registered. */
    boolean isRegistered(long serviceId) {
        synchronized (lock) {
            for (TreeSet<Candidate> set : byType.values()) {
                for (Candidate c : set) {
                    if (c.serviceId() == serviceId) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** One entry per type, sorted by type. */
    List<StoreProvider> providers() {
        synchronized (lock) {
            List<StoreProvider> out = new ArrayList<>();
            byType.forEach((type, set) -> out.add(provider(set.first(), set.size())));
            return out;
        }
    }

    static StoreProvider provider(Candidate c, int candidates) {
        return new StoreProvider(c.type(), c.bundleSymbolicName(), c.bundleVersion(), c.bundleId(), candidates);
    }

    /** The type names, for messages. */
    List<String> typeNames() {
        synchronized (lock) {
            return new ArrayList<>(byType.keySet());
        }
    }
}
