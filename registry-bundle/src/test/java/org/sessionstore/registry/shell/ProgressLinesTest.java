package org.sessionstore.registry.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 18: a long command says how far it got, every second, on the output of the shell that ran it. */
class ProgressLinesTest {

    private final PrintStream saved = System.out;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @BeforeEach
    void capture() {
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(saved);
    }

    @Test
    void aCommandThatRunsThreeSecondsPrintsItsLineEachSecondItChanged() {
        AtomicInteger tick = new AtomicInteger();
        String result = StoreCommands.whileSayingProgress(() -> {
            Thread.sleep(3_300);
            return "done";
        }, () -> Optional.of("step " + tick.incrementAndGet() / 2)); // the same line twice in a row is printed once
        assertEquals("done", result);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.matches("(progress: step \\d\\n){2,3}"), printed);
    }

    @Test
    void aQuickCommandPrintsNoProgressAndAFailureIsTheOperationsOwn() {
        assertEquals("quick", StoreCommands.whileSayingProgress(() -> "quick", () -> Optional.of("never")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StoreCommands.whileSayingProgress(() -> {
                    throw new IllegalArgumentException("bad TTL");
                }, Optional::empty));
        assertEquals("bad TTL", e.getMessage());
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
