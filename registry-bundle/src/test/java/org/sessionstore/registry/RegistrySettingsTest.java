package org.sessionstore.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.StoreConfigException;

class RegistrySettingsTest {

    @Test
    void splitsOwnBackendAndFrameworkKeys() {
        RegistrySettings s = RegistrySettings.from(Map.of("type", "redis", "swap_timeout", "2s", "addr", "h:1",
                "service.pid", "sessionstore", ".hidden", "x", "felix.fileinstall.filename", "f"));
        assertEquals("redis", s.type());
        assertEquals(Duration.ofSeconds(2), s.swapTimeout());
        assertEquals(Map.of("addr", "h:1"), s.backendConfig());
    }

    @Test
    void badOwnValuesNameTheKey() {
        assertEquals("swap_timeout", assertThrows(StoreConfigException.class,
                () -> RegistrySettings.from(Map.of("swap_timeout", "-1s"))).key());
        assertEquals("type", assertThrows(StoreConfigException.class,
                () -> RegistrySettings.from(Map.of("type", "Bad Type"))).key());
        assertEquals("bad\u0007key", assertThrows(StoreConfigException.class,
                () -> RegistrySettings.from(Map.of("bad\u0007key", "1"))).key());
    }

    @Test
    void theNearCacheIsOffUntilItsSizeIsSet() {
        assertEquals(null, RegistrySettings.from(Map.of("type", "redis")).nearCache());
        RegistrySettings on = RegistrySettings.from(Map.of("type", "redis", "near_cache_size", "1000", "addr", "h:1"));
        assertEquals(new RegistrySettings.NearCacheSettings(1000, Duration.ofSeconds(5)), on.nearCache());
        assertEquals(Map.of("addr", "h:1"), on.backendConfig(), "the near cache's keys are the registry's");
        assertEquals("near_cache_max_age", assertThrows(StoreConfigException.class,
                () -> RegistrySettings.from(Map.of("near_cache_max_age", "2s"))).key());
        assertEquals("near_cache_max_age", assertThrows(StoreConfigException.class,
                () -> RegistrySettings.from(Map.of("near_cache_size", "10", "near_cache_max_age", "1ms"))).key());
        assertEquals("near_cache_size", assertThrows(StoreConfigException.class,
                () -> RegistrySettings.from(Map.of("near_cache_size", "-1"))).key());
    }
}
