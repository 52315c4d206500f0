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
}
