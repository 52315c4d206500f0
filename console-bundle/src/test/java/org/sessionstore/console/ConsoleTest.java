package org.sessionstore.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;

import org.junit.jupiter.api.Test;

/** The console's line reading and its reading of the results Felix's bundle commands return. */
class ConsoleTest {

    @Test
    void linesEndWithAnyNewlineAndOverLongOnesAreDroppedWhole() throws Exception {
        String longLine = "x".repeat(100);
        Console.LineReader r = new Console.LineReader(new StringReader("a\r\nb\rc\n" + longLine + "\nd"), 10);
        assertEquals("a", r.next());
        assertEquals("b", r.next());
        assertEquals("c", r.next());
        assertSame(Console.LineReader.TOO_LONG, r.next());
        assertEquals(4, r.number());
        assertEquals("d", r.next());
        assertNull(r.next());
    }

    /** What Felix's gogo.command returns: an empty report when all went well, what failed otherwise. */
    @Test
    void aLifecycleCommandFailsByWhatItReturns() {
        assertTrue(Console.failedByResult("start 999", "Bundle ID '999'  is invalid.\n"));
        assertTrue(Console.failedByResult("felix:stop 42", "org.osgi.framework.BundleException: x\n"));
        assertTrue(Console.failedByResult("install file:/no/such.jar", "java.io.FileNotFoundException: /no/such.jar\n"));
        assertFalse(Console.failedByResult("start 2", ""));
        assertFalse(Console.failedByResult("update 2", null));
        assertFalse(Console.failedByResult("install file:/x.jar", "Bundle ID: 42\n"));
        // a command that answers with text is not judged by it
        assertFalse(Console.failedByResult("sessionstore:get x", "org.osgi.framework.BundleException"));
        assertFalse(Console.failedByResult("headers 2", "Bundle-SymbolicName = x"));
    }

    @Test
    void gogosCoercionFailureIsExplainedInAnOperatorsWords() {
        assertEquals("wrong arguments for headers; expected arguments [(Bundle[])]; see 'help headers'",
                Console.explain("headers 999", "Cannot coerce headers(String) to any of [(Bundle[])]"));
        assertEquals("other", Console.explain("x", "other"));
    }
}
