package org.sessionstore.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** What each event carries. */
class EventTopicsTest {

    /** Issue 18: a swap away from a store that cannot list its entries says, in SWITCHED, how many it left. */
    @Test
    void switchedSaysHowManySessionsWereLeftBehind() {
        assertEquals(Map.of("store.type", "memory", "previous.type", "opaque", "sessions.left", 2),
                EventTopics.properties(EventTopics.I_SWITCHED, "memory", null, "opaque", 2));
        assertEquals(Map.of("store.type", "memory", "previous.type", "redis"),
                EventTopics.properties(EventTopics.I_SWITCHED, "memory", null, "redis", 0));
        assertEquals(Map.of("store.type", "memory"), EventTopics.properties(EventTopics.I_SWITCHED, "memory", null, null, 0));
    }
}
