package org.sessionstore.registry;

import java.util.Map;
import java.util.Optional;

/**
 * Where the registry's configuration lives: ConfigAdmin in the framework
 * ({@link ConfigAdminStorage}, the one class that touches it), a map in the tests. It reads,
 * resolves, saves and tells which file sets the configuration; what it saves comes back to the
 * {@link ConfigDoor} as a delivery, which is what runs.
 */
interface ConfigStorage {

    /** PID sessionstore as stored (placeholders kept, framework keys dropped), or null if none is. */
    Map<String, Object> stored();

    /** Saves PID sessionstore as written; its delivery follows. @throws org.sessionstore.api.StoreException if it cannot be saved */
    void write(Map<String, Object> written);

    /**
     * Removes PID sessionstore (a refused {@code use} that was saved when none was before): nothing
     * is saved then, as before it. No delivery of a deletion is to be taken as the operator's.
     */
    void delete();

    /** The same configuration with its placeholders resolved, as a delivery would carry it. */
    Map<String, Object> resolve(Map<String, Object> written);

    /** A backend type's defaults (PID sessionstore.TYPE), resolved; empty if none. */
    Map<String, Object> defaults(String type);

    /** The {@code etc/} file that sets PID sessionstore at every start, if one does. */
    Optional<String> fileSettingTheConfiguration();
}
