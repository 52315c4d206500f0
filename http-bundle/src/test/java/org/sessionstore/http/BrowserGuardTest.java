package org.sessionstore.http;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Which requests the console guard takes for another site's. */
class BrowserGuardTest {

    @Test
    void aBrowsersCrossSiteRequestIsToldByItsHeaders() {
        assertNull(BrowserGuard.crossSite("same-origin", "http://evil.example", "http", "127.0.0.1:8181"), "the browser's word wins");
        assertNull(BrowserGuard.crossSite("none", null, "http", "127.0.0.1:8181"), "a typed URL");
        assertNotNull(BrowserGuard.crossSite("cross-site", null, "http", "127.0.0.1:8181"));
        assertNotNull(BrowserGuard.crossSite("same-site", null, "http", "127.0.0.1:8181"), "another port of the host is another site");
        assertNull(BrowserGuard.crossSite(null, "http://127.0.0.1:8181", "http", "127.0.0.1:8181"));
        assertNotNull(BrowserGuard.crossSite(null, "http://127.0.0.1:9999", "http", "127.0.0.1:8181"));
        assertNotNull(BrowserGuard.crossSite(null, "null", "http", "127.0.0.1:8181"), "a sandboxed frame");
        assertNotNull(BrowserGuard.crossSite(null, "https://127.0.0.1:8181", "http", "127.0.0.1:8181"));
        assertNull(BrowserGuard.crossSite(null, null, "http", "127.0.0.1:8181"), "not a browser (curl): the console's login decides");
    }
}
