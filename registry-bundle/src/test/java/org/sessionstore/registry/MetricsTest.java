package org.sessionstore.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.ObjectName;
import javax.management.openmbean.TabularData;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.registry.metrics.MeteredStore;
import org.sessionstore.registry.metrics.Metrics;
import org.sessionstore.registry.metrics.MetricsBean;

/**
 * The registry's metrics on a real front and memory store: counters grow by exactly the calls
 * made while threads race, failures are counted by kind, removals by reason, the Prometheus text
 * is well formed (every family has its help and type, histograms are cumulative), and the JMX bean
 * shows the same figures.
 */
class MetricsTest {

    private static final Pattern SAMPLE = Pattern.compile("([a-z_]+)(\\{([^}]*)\\})? (\\S+)");

    private static StoreFront front(Metrics[] metrics) {
        StoreFront front = new StoreFront();
        metrics[0] = front.events.metrics;
        // as the registry wires them: the served backend's counts, never waiting for one
        metrics[0].readFrom(() -> count(front, true), () -> count(front, false), front.events::dropped);
        front.serve(new org.sessionstore.memory.MemoryStoreFactory().create(Map.of("max_sessions_per_subject", "2")),
                "memory", Duration.ofSeconds(1));
        return front;
    }

    private static long count(StoreFront front, boolean sessions) {
        long[] n = {-1};
        front.ifServing(s -> n[0] = sessions ? s.getSessionCount() : s.getStateCount());
        return n[0];
    }

    /** name{labels} → value, from the text; fails on any line that is neither a comment nor a sample. */
    static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> helped = new ArrayList<>();
        List<String> typed = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) {
                helped.add(line.split(" ")[2]);
            } else if (line.startsWith("# TYPE ")) {
                typed.add(line.split(" ")[2]);
                assertTrue(line.matches("# TYPE [a-z_]+ (counter|gauge|histogram)"), line);
            } else {
                Matcher m = SAMPLE.matcher(line);
                assertTrue(m.matches(), "not a sample: " + line);
                String family = m.group(1).replaceAll("_(bucket|sum|count)$", "");
                assertTrue(typed.contains(family) || typed.contains(m.group(1)), "no # TYPE before " + line);
                Double.parseDouble(m.group(4).replace("+Inf", "Infinity"));
                out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), m.group(4));
            }
        }
        assertEquals(helped, typed, "each family has one # HELP and one # TYPE, in order");
        return out;
    }

    @Test
    void countersGrowByExactlyTheCallsMadeWhileThreadsRace() throws Exception {
        Metrics[] m = new Metrics[1];
        MeteredStore store = new MeteredStore(front(m), m[0]);
        Instant now = Instant.now();
        int threads = 4;
        int rounds = 5_000;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        String id = "s-" + me + "-" + i;
                        store.addSession(new Session(id, "u", "sub-" + me + "-" + i, now, now.plusSeconds(600), "secret-at",
                                null, null));
                        store.getSession(id); // a hit
                        store.getSession("missing-" + i); // a miss
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            th.start();
            running.add(th);
        }
        for (Thread th : running) {
            th.join();
        }
        Map<String, String> s = parse(m[0].prometheus());
        long calls = (long) threads * rounds;
        assertEquals(String.valueOf(calls), s.get("sessionstore_calls_total{store_type=\"memory\",op=\"add\"}"));
        assertEquals(String.valueOf(2 * calls), s.get("sessionstore_calls_total{store_type=\"memory\",op=\"get\"}"));
        assertEquals(String.valueOf(calls), s.get("sessionstore_get_results_total{store_type=\"memory\",result=\"hit\"}"));
        assertEquals(String.valueOf(calls), s.get("sessionstore_get_results_total{store_type=\"memory\",result=\"miss\"}"));
        long timed = Long.parseLong(s.get("sessionstore_call_duration_seconds_count{store_type=\"memory\",op=\"get\"}"));
        assertTrue(timed >= threads * (2 * rounds / 64) && timed <= 2 * calls, "at least one get in 64 of each thread timed"
                + " (all of them while some are slow): " + timed);
        assertEquals(s.get("sessionstore_call_duration_seconds_count{store_type=\"memory\",op=\"get\"}"),
                s.get("sessionstore_call_duration_seconds_bucket{store_type=\"memory\",op=\"get\",le=\"+Inf\"}"));
        long previous = 0;
        for (Map.Entry<String, String> e : s.entrySet()) {
            if (e.getKey().startsWith("sessionstore_call_duration_seconds_bucket{store_type=\"memory\",op=\"get\"")) {
                long n = Long.parseLong(e.getValue());
                assertTrue(n >= previous, "buckets are cumulative: " + e);
                previous = n;
            }
        }
        assertEquals(String.valueOf(calls), s.get("sessionstore_sessions{store_type=\"memory\"}"));
        assertEquals("1", s.get("sessionstore_swaps_total"));
        assertFalse(m[0].prometheus().contains("secret") || m[0].prometheus().contains("s-0-"), "never a token, id or subject");
    }

    @Test
    void failuresByKindAndRemovalsByReason() {
        Metrics[] m = new Metrics[1];
        StoreFront front = front(m);
        MeteredStore store = new MeteredStore(front, m[0]);
        Instant now = Instant.now();
        for (int i = 0; i < 3; i++) {
            store.addSession(new Session("a" + i, "u", "alice", now, now.plusSeconds(600 + i), null, null, null));
        }
        // limit 2: the third add evicted one
        assertEquals(1, store.deleteSessionsBySubject("alice", "a2"));
        assertThrows(IllegalArgumentException.class, () -> store.getSession("bad\nid"));
        AtomicBoolean down = new AtomicBoolean(true);
        front.serve(new TinyStore(Map.of()) {
            @Override
            public boolean deleteSession(String id) {
                if (down.get()) {
                    throw new StoreUnavailableException("tiny is down");
                }
                return false;
            }
        }, "tiny", Duration.ofSeconds(1));
        assertThrows(StoreUnavailableException.class, () -> store.deleteSession("x"));
        down.set(false);
        store.deleteSession("y");
        Map<String, String> s = parse(m[0].prometheus());
        assertEquals("1", s.get("sessionstore_call_failures_total{store_type=\"memory\",op=\"get\",kind=\"invalid\"}"));
        assertEquals("1", s.get("sessionstore_call_failures_total{store_type=\"tiny\",op=\"delete\",kind=\"unavailable\"}"));
        assertEquals("0", s.get("sessionstore_call_failures_total{store_type=\"tiny\",op=\"delete\",kind=\"other\"}"));
        assertEquals("2", s.get("sessionstore_calls_total{store_type=\"tiny\",op=\"delete\"}"));
        assertEquals("1", s.get("sessionstore_sessions_removed_total{store_type=\"memory\",reason=\"limit\"}"));
        assertEquals("1", s.get("sessionstore_sessions_removed_total{store_type=\"memory\",reason=\"revoked\"}"));
        assertEquals("2", s.get("sessionstore_swaps_total"));
        Map<String, String> rows = m[0].summary();
        assertEquals("delete 2", rows.get("calls"));
        assertEquals("delete 1", rows.get("failed calls"));
        assertTrue(rows.containsKey("calls") && !rows.containsKey("removed"), "the type served now: tiny " + rows);
    }

    @Test
    void theJmxBeanShowsTheSameFigures() throws Exception {
        Metrics[] m = new Metrics[1];
        MeteredStore store = new MeteredStore(front(m), m[0]);
        ObjectName name = MetricsBean.register(m[0]);
        try {
            store.getSession("nobody");
            store.getSession("nobody");
            var server = ManagementFactory.getPlatformMBeanServer();
            assertEquals("memory", server.getAttribute(name, "StoreType"));
            TabularData calls = (TabularData) server.getAttribute(name, "Calls");
            assertEquals(2L, calls.get(new Object[] {"get"}).get("value"));
            assertEquals(0L, server.getAttribute(name, "LiveSessions"));
        } finally {
            MetricsBean.unregister(name);
        }
    }
}
