package org.sessionstore.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;

/**
 * Floods against the memory limits in a JVM with a small heap (the pom runs this class with
 * {@code -Xmx48m}): each flood would need hundreds of megabytes if consumed states, deleted
 * sessions or replaced expiries kept memory, so an {@code OutOfMemoryError} here is the failure.
 * The used heap after each flood is printed, and checked against what the live entries need.
 */
class MemoryFloodIT {

    private static final int ROUNDS = 2_000_000;

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void heapStaysFlatUnderAddConsumeAndReAddFloods() {
        long max = Runtime.getRuntime().maxMemory();
        assertTrue(max < 128L << 20, "run with a small -Xmx (see the pom); max heap is " + (max >> 20) + " MB");
        MemorySessionStore store = new MemorySessionStore(new MemoryConfig(1_000, 10, 0, Duration.ofMinutes(10)),
                Clock.systemUTC());
        long before = usedAfterGc();

        for (int i = 0; i < ROUNDS; i++) {
            store.addStateEntry("state-" + i, "ua", "https://app/" + i, "http://up", "verifier-" + i);
            store.validateAndRemoveState("state-" + i, (i & 1) == 0 ? "ua" : "other");
        }
        long afterStates = usedAfterGc();
        assertEquals(0, store.stateCount());

        Instant now = Instant.now();
        for (int i = 0; i < ROUNDS; i++) {
            store.addSession(new Session("one", "alice", "sub", now, now.plusSeconds(60 + i), "at", "it", null));
        }
        long afterReAdds = usedAfterGc();
        assertEquals(1, store.indexSize());

        for (int i = 0; i < ROUNDS; i++) {
            store.addSession(new Session("s" + i, "bob", "sub", now, now.plusSeconds(60 + i), "at", "it", null));
            store.deleteSession("s" + i);
        }
        long afterDeletes = usedAfterGc();
        assertEquals(1, store.indexSize());
        assertEquals(0, store.indexSlots() - 1);

        System.out.printf("heap used: before %d KB, after %,d add/consume rounds %d KB, after %,d re-adds %d KB,"
                + " after %,d add/delete rounds %d KB (max heap %d MB)%n", before >> 10, ROUNDS, afterStates >> 10,
                ROUNDS, afterReAdds >> 10, ROUNDS, afterDeletes >> 10, max >> 20);
        // one live session and nothing else: a few MB of slack for the JIT and the test itself
        assertTrue(afterDeletes - before < 8L << 20, "heap grew by " + ((afterDeletes - before) >> 10) + " KB");
        store.close();
    }
}
