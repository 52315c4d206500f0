package org.sessionstore.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.SessionStore;

/**
 * A backend written for API 1.1 passes the newest testkit unchanged: the suite runs what that
 * level has and asserts the API's documented default for every later capability (revoke by
 * subject refused in one line, a mismatch never told, the client ignored).
 */
class MapStoreConformanceTest extends SessionStoreContract {

    @Override
    protected SessionStore newStore(MutableClock clock) {
        return new MapStore(Map.of(), clock, Duration.ofMinutes(10), true);
    }

    @Test
    void theLevelIsDetectedFromWhatTheStoreOverrides() {
        assertEquals(1, apiLevel());
    }
}
