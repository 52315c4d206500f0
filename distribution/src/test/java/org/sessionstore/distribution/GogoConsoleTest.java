package org.sessionstore.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;

import org.junit.jupiter.api.Test;

/** The console's line reading and its reading of what Felix's built-ins print. */
class GogoConsoleTest {

    @Test
    void linesEndWithAnyNewlineAndOverLongOnesAreDroppedWhole() throws Exception {
        String longLine = "x".repeat(100);
        GogoConsole.LineReader r = new GogoConsole.LineReader(new StringReader("a\r\nb\rc\n" + longLine + "\nd"), 10);
        assertEquals("a", r.next());
        assertEquals("b", r.next());
        assertEquals("c", r.next());
        assertSame(GogoConsole.LineReader.TOO_LONG, r.next());
        assertEquals(4, r.number());
        assertEquals("d", r.next());
        assertNull(r.next());
    }

    @Test
    void felixFailureLinesAreRecognised() {
        assertTrue(GogoConsole.reportsFailure("java.net.MalformedURLException: no protocol: /x.jar\n"));
        assertTrue(GogoConsole.reportsFailure("Bundle ID '999'  is invalid.\n"));
        assertTrue(GogoConsole.reportsFailure("org.osgi.framework.BundleException: Unable to resolve x\n"));
        assertFalse(GogoConsole.reportsFailure("START LEVEL 1\n   ID|State      |Level|Name\n"));
        assertFalse(GogoConsole.reportsFailure("Bundle-SymbolicName = org.sessionstore.memory\n"));
    }
}
