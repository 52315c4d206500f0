package org.sessionstore.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Who may read /metrics (the servlet in a real server is tested by the distribution's MetricsHttpIT). */
class MetricsServletTest {

    private static final byte[] TOKEN = "s3cret-token".getBytes(StandardCharsets.UTF_8);

    @Test
    void withoutATokenOnlyLoopbackClientsReadTheMetrics() {
        assertNull(MetricsServlet.refusal(null, null, "127.0.0.1"));
        assertNull(MetricsServlet.refusal(null, null, "127.8.9.10"));
        assertNull(MetricsServlet.refusal(null, null, "0:0:0:0:0:0:0:1"));
        assertNull(MetricsServlet.refusal(null, null, "[::1]"));
        assertTrue(MetricsServlet.refusal(null, null, "10.0.0.5").startsWith("403"));
        assertTrue(MetricsServlet.refusal(null, null, "::ffff:10.0.0.5").startsWith("403"));
        assertTrue(MetricsServlet.refusal(null, "Bearer anything", "192.168.1.1").startsWith("403"));
        assertFalse(MetricsServlet.loopback("localhost"), "a name is never resolved");
        assertFalse(MetricsServlet.loopback(""));
        assertFalse(MetricsServlet.loopback(null));
    }

    @Test
    void withATokenEveryoneNeedsIt() {
        assertNull(MetricsServlet.refusal(TOKEN, "Bearer s3cret-token", "10.0.0.5"));
        assertNull(MetricsServlet.refusal(TOKEN, "bearer s3cret-token", "127.0.0.1"));
        assertTrue(MetricsServlet.refusal(TOKEN, null, "127.0.0.1").startsWith("401"), "loopback needs it too");
        assertTrue(MetricsServlet.refusal(TOKEN, "Bearer s3cret-tokeN", "10.0.0.5").startsWith("401"));
        assertTrue(MetricsServlet.refusal(TOKEN, "Bearer s3cret-token-and-more", "10.0.0.5").startsWith("401"));
        assertTrue(MetricsServlet.refusal(TOKEN, "Basic czNjcmV0LXRva2Vu", "10.0.0.5").startsWith("401"));
        assertFalse(MetricsServlet.refusal(TOKEN, "Bearer wrong", "10.0.0.5").contains("s3cret"), "never the token");
    }

    @Test
    void aTokenThatDidNotResolveClosesTheMetricsToEveryone() {
        String why = MetricsServlet.unresolved("$[secret:metrics_token]");
        assertTrue(why != null && why.contains("did not resolve") && !why.contains("$[secret:metrics_token]"), why);
        assertNull(MetricsServlet.unresolved("a-real-token"));
        assertNull(MetricsServlet.unresolved(null));
    }
}
