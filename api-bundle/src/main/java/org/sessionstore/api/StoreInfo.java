package org.sessionstore.api;

import java.util.Map;
import java.util.Optional;

/**
 * What {@code sessionstore:info} shows, read without waiting for a backend: the status, the live
 * count (or why there is none now), what the backend is connected to, and where the configuration
 * lives.
 *
 * @param status what the published store is doing
 * @param sessions the live sessions now, or null while none can be counted (see {@code sessionsProblem})
 * @param sessionsProblem why there is no count ("no backend serves this moment", or the backend's
 *        one-line failure), or null
 * @param unreadable records the serving store found unreadable and treated as absent
 * @param details what the serving backend is connected to ({@link SessionStore#details()})
 * @param configurationFile the {@code etc/} file that sets the configuration at every start (a
 *        {@code use} lasts until the next restart), or null
 * @param yamlFile the seed YAML file watched, or null
 * @param lastHousekeeping the last cleaning, or null
 * @since 1.5
 */
public record StoreInfo(StoreStatus status, Long sessions, String sessionsProblem, long unreadable,
        Map<String, String> details, String configurationFile, String yamlFile, Housekeeping lastHousekeeping) {

    /** @return the configuration file, if one sets it at every start */
    public Optional<String> configurationFileSettingIt() {
        return Optional.ofNullable(configurationFile);
    }
}
