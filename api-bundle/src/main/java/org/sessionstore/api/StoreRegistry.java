package org.sessionstore.api;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The registry of backends, a service of the registry bundle.
 *
 * <p>It tracks every {@link StoreFactory} service (one per type is used: the highest
 * {@code service.ranking}, then the lowest {@code service.id}), builds the store configured
 * under the ConfigAdmin PID {@value #PID} and publishes it as a {@link SessionStore} service.
 */
@ProviderType
public interface StoreRegistry {

    /**
     * The registry's own configuration keys besides {@code type}, valid with every store type and
     * never passed to a backend: {@code swap_timeout}, {@code clean_interval}, {@code encryption_key},
     * {@code encryption_keys_old}.
     *
     * @since 1.6
     */
    List<String> OWN_KEYS = List.of("swap_timeout", "clean_interval", "encryption_key", "encryption_keys_old",
            "near_cache_size", "near_cache_max_age");

    /** The ConfigAdmin PID of the active store's configuration. */
    String PID = "sessionstore";

    /** The type used when none is configured. */
    String DEFAULT_TYPE = "memory";

    /** The service property set on the {@link SessionStore} the registry publishes. */
    String FRONT_PROPERTY = "sessionstore.front";

    /**
     * The types available now [GetRegisteredStores], sorted by name.
     *
     * @return one entry per type, with the bundle that provides it
     */
    List<StoreProvider> types();

    /**
     * Builds a store of a type [InitializeSessionStore]. The caller owns and closes it.
     *
     * @param type the type; null or empty means {@value #DEFAULT_TYPE}
     * @param config the backend's keys
     * @return a new store
     * @throws StoreConfigException for an unknown type
     *         ({@code unsupported session store type 'x' (available: memory, redis)}) or bad config
     */
    SessionStore create(String type, Map<String, ?> config);

    /**
     * Swaps to a configuration now ({@code sessionstore:use}): it is checked, its backend built
     * and asked to answer, then it is saved under PID {@value #PID} in ConfigAdmin, and what
     * ConfigAdmin delivers is served; the live sessions and states of the store it replaces are
     * migrated into the new one when they live in the process, or on request (both must be
     * {@link TransferableStore}s). A bad configuration, a backend that does not answer, or one
     * that cannot be saved is refused and the running store stays. (The name is older than the
     * glossary: it swaps.)
     *
     * @param configuration {@code type} and the backend's keys, as under PID {@value #PID}
     * @param migrate whether to copy live entries from the replaced store
     * @return what was copied
     * @throws StoreConfigException if the configuration is refused
     * @since 1.1
     */
    Migration switchTo(Map<String, ?> configuration, boolean migrate);

    /**
     * The last cleaning the registry ran on the active store ({@code clean_interval}).
     *
     * @return it, or empty if none ran yet
     * @since 1.1
     */
    java.util.Optional<Housekeeping> lastHousekeeping();

    /**
     * What the published store is doing now.
     *
     * @return the status of the active store
     */
    StoreStatus status();

    /**
     * What {@code sessionstore:info} shows; never waits for a backend.
     *
     * @return the status, the live count and where the configuration lives
     * @since 1.5
     */
    StoreInfo info();

    /**
     * The store's health now ({@code sessionstore:health}, the Felix Health Check): OK, WARN or
     * CRITICAL with a probe's round trip; never waits for a missing backend, never a secret.
     *
     * @return the verdict
     * @since 1.5
     */
    StoreHealth.Result health();

    /**
     * How far the migration that runs now got (every second: copied N of M sessions, the rate, the
     * time left), for the shell that ran the change; empty when none runs.
     *
     * @return the last progress line, or empty
     * @since 1.6
     */
    default java.util.Optional<String> progress() {
        return java.util.Optional.empty();
    }
}
