package org.sessionstore.api.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.StoreConfigException;

class StoreConfigTest {

    private static final Set<String> KEYS = Set.of("db", "ttl", "password", "tls");

    @Test
    void unknownKeyListsTheKnownOnes() {
        StoreConfigException e = assertThrows(StoreConfigException.class,
                () -> StoreConfig.of("redis", Map.of("tll", "1h"), KEYS));
        assertEquals("tll", e.key());
        assertEquals("unknown redis store key 'tll'; known keys: db, password, tls, ttl", e.getMessage());
    }

    @Test
    void badValuesNameKeyAndWhatIsAccepted() {
        StoreConfig c = StoreConfig.of("redis", Map.of("db", "abc", "ttl", "-5m", "tls", "maybe"), KEYS);
        StoreConfigException db = assertThrows(StoreConfigException.class, () -> c.number("db", 0, 0, 15));
        assertEquals("bad value 'abc' for redis store key 'db': a whole number from 0 to 15", db.getMessage());
        StoreConfigException ttl = assertThrows(StoreConfigException.class,
                () -> c.duration("ttl", Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofDays(365)));
        assertEquals("ttl", ttl.key());
        assertTrue(ttl.getMessage().contains("'-5m'"), ttl.getMessage());
        assertThrows(StoreConfigException.class, () -> c.bool("tls", false));
    }

    @Test
    void secretValuesAreNeverRepeated() {
        StoreConfig c = StoreConfig.of("redis", Map.of("password", "hunter2"), KEYS);
        StoreConfigException e = assertThrows(StoreConfigException.class, () -> c.number("password", 0, 0, 1));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertTrue(e.getMessage().contains("***"));
    }

    @Test
    void defaultsAndTypedValues() {
        StoreConfig c = StoreConfig.of("memory", Map.of("db", 3, "ttl", Duration.ofMinutes(2)), KEYS);
        assertEquals(3, c.number("db", 0, 0, 15));
        assertEquals(Duration.ofMinutes(2), c.duration("ttl", Duration.ZERO, Duration.ZERO, Duration.ofDays(1)));
        assertTrue(c.bool("tls", true));
        assertEquals("x", c.string("password", "x"));
    }
}
