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
    void aCommandThatRunsThreeSecondsPrintsEachNewLineOnce() {
        AtomicInteger tick = new AtomicInteger();
        long began = System.nanoTime();
        String result = ShellProgress.whileSaying(() -> {
            Thread.sleep(3_300);
            return "done";
        }, () -> {
            tick.incrementAndGet();
            long s = (System.nanoTime() - began) / 1_000_000_000L; // a new line each second, as the migration's
            return s == 0 ? Optional.empty() : Optional.of("step " + s);
        });
        assertEquals("done", result);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals("progress: step 1\nprogress: step 2\nprogress: step 3\n", printed, "each line once, none missed");
        assertTrue(tick.get() >= 10, "looked " + tick.get() + " times");
    }

    @Test
    void aQuickCommandPrintsNoProgressAndAFailureIsTheOperationsOwn() {
        assertEquals("quick", ShellProgress.whileSaying(() -> "quick", () -> Optional.of("never")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShellProgress.whileSaying(() -> {
                    throw new IllegalArgumentException("bad TTL");
                }, Optional::empty));
        assertEquals("bad TTL", e.getMessage());
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
