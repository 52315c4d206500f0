package org.sessionstore.registry.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.StoreMetrics.Sample;

/** The history behind the page's chart: each step holds its own calls, failures and p99, and the ring is bounded. */
class HistoryTest {

    @Test
    void eachStepHoldsItsOwnCallsFailuresAndLatency() {
        Metrics metrics = new Metrics();
        MeteredStore store = new MeteredStore(new org.sessionstore.memory.MemoryStoreFactory().create(Map.of()), metrics);
        History history = new History(metrics);
        Instant now = Instant.now();
        for (int i = 0; i < 100; i++) {
            store.addSession(new Session("s" + i, "u", "sub", now, now.plusSeconds(60), "at", null, null));
        }
        history.step(1_000);
        for (int i = 0; i < 30; i++) {
            store.getSession("s" + i);
        }
        assertThrows(IllegalArgumentException.class, () -> store.getSession(""));
        history.step(2_000);
        history.step(3_000);
        metrics.serving("redis");
        history.step(4_000);
        List<Sample> steps = history.samples();
        assertEquals(4, steps.size());
        assertEquals(new Sample(1_000, "memory", 100, 0, steps.get(0).p99Millis()), steps.get(0));
        assertEquals(31, steps.get(1).calls(), "the step's own calls, not the total");
        assertEquals(1, steps.get(1).failures());
        assertTrue(steps.get(1).p99Millis() > 0 && steps.get(1).p99Millis() <= 10_000, "a p99 of the step: " + steps.get(1));
        assertEquals(0, steps.get(2).calls());
        assertTrue(Double.isNaN(steps.get(2).p99Millis()), "no call timed, no latency");
        assertEquals("redis", steps.get(3).type());
        assertEquals(0, steps.get(3).calls());
        for (int i = 0; i < History.STEPS + 5; i++) {
            history.step(5_000 + i);
        }
        assertEquals(History.STEPS, history.samples().size(), "the last steps only");
        assertEquals(5_000 + History.STEPS + 4, history.samples().get(History.STEPS - 1).endMillis());
    }
}
