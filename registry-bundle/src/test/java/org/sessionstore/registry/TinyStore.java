package org.sessionstore.registry;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.testkit.MapStore;

/** The testkit's map store as a backend whose data lives outside the process, for the registry's routing tests. */
class TinyStore extends MapStore {

    TinyStore(Map<String, ?> config) {
        super(config, Clock.systemUTC(), Duration.ofDays(36_500), false);
    }

    /** A factory accepting only the key {@code size}. */
    static StoreFactory factory() {
        return config -> {
            for (String k : config.keySet()) {
                if (!k.equals("size")) {
                    throw new StoreConfigException(k, "unknown tiny store key '" + k + "'; known keys: size");
                }
            }
            return new TinyStore(config);
        };
    }
}
