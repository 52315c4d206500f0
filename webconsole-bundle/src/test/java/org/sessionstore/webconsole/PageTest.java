package org.sessionstore.webconsole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreMetrics.Sample;

/**
 * The page's POSTs on a real memory store: without the page's token nothing changes; with it, one
 * session or all of a subject's go; what the browser is sent back to carries codes only. Values are
 * encoded; the chart is drawn from the history alone.
 */
class PageTest {

    private final SessionStore store = new org.sessionstore.memory.MemoryStoreFactory().create(Map.of());
    private final Page page = new Page(null, () -> store, () -> null);

    private void add(String id, String sub) {
        Instant now = Instant.now();
        store.addSession(new Session(id, sub, sub, now, now.plusSeconds(600), "the-access-token", null, null));
    }

    private static Map<String, String> form(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void aPostWithoutThePagesTokenChangesNothing() {
        add("a1", "alice");
        assertEquals(403, page.post(form("action", "revoke-all", "subject", "alice"), "admin").status());
        assertEquals(403, page.post(form("action", "revoke", "id", "a1", "csrf", page.csrf() + "x"), "admin").status());
        assertEquals(403, page.post(form("action", "revoke", "id", "a1", "csrf", ""), "admin").status());
        assertTrue(store.sessionExists("a1"));
        assertFalse(new Page(null, () -> store, () -> null).csrf().equals(page.csrf()), "each page start makes its own token");
    }

    @Test
    void revokeOneThenAllWithTheToken() {
        add("a1", "alice");
        add("a2", "alice");
        add("b1", "bob");
        Page.Outcome one = page.post(form("action", "revoke", "id", "a1", "subject", "alice", "csrf", page.csrf()), "admin");
        assertEquals(new Page.Outcome(303, "?subject=alice&done=revoke&n=1"), one);
        assertFalse(store.sessionExists("a1"));
        Page.Outcome all = page.post(form("action", "revoke-all", "subject", "alice", "csrf", page.csrf()), "admin");
        assertEquals(new Page.Outcome(303, "?subject=alice&done=revoke-all&n=1"), all);
        assertTrue(store.sessionExists("b1"));
        assertEquals(400, page.post(form("action", "drop", "csrf", page.csrf()), "admin").status());
        assertEquals(400, page.post(form("action", "revoke-all", "csrf", page.csrf()), "admin").status(), "no subject, no revoke");
        Page.Outcome odd = page.post(form("action", "revoke-all", "subject", "a&b=<c>", "csrf", page.csrf()), "admin");
        assertEquals("?subject=a%26b%3D%3Cc%3E&done=revoke-all&n=0", odd.text(), "the subject is a query value, encoded");
    }

    @Test
    void aFormActsOnlyOnTheSubjectItShowsAsItIs() {
        add("d1", "dave\u200B");
        add("d2", "dave\\u200B");
        add("e1", "erin");
        // an id of another subject's, on a form of dave's: refused, nothing removed
        Page.Outcome other = page.post(form("action", "revoke", "id", "e1", "subject", "dave\u200B", "csrf", page.csrf()), "admin");
        assertEquals(400, other.status());
        assertTrue(store.sessionExists("e1"));
        // the invisible character travels as itself: the escape's text is another subject
        assertEquals(new Page.Outcome(303, "?subject=dave%E2%80%8B&done=revoke-all&n=1"),
                page.post(form("action", "revoke-all", "subject", "dave\u200B", "csrf", page.csrf()), "admin"));
        assertTrue(store.sessionExists("d2"));
        assertEquals("dave\u200B&quot;", Html.attr("dave\u200B\""));
        assertEquals(400, page.post(form("action", "revoke-all", "subject", "x".repeat(Page.MAX_SUBJECT + 1), "csrf",
                page.csrf()), "admin").status(), "a subject too long for the way back");
    }

    @Test
    void everyValueIsEncodedAndTheChartComesFromTheHistory() {
        assertEquals("&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt; &amp;", Html.text("<img src=x onerror=\"a('1')\"> &"));
        assertEquals("line\\u000Abreak", Html.text("line\nbreak"));
        assertTrue(Chart.of(List.of()).contains("No figures yet"));
        String svg = Chart.of(List.of(new Sample(10_000, "memory", 5, 0, 0.05), new Sample(20_000, "memory", 12, 1, Double.NaN)));
        assertTrue(svg.contains("calls per 10 s (max 12)") && svg.contains("p99 latency (max 0.05 ms)"), svg);
        assertEquals(2 * 2, svg.split("<circle").length - 1, "a dot per step in each chart");
    }
}
