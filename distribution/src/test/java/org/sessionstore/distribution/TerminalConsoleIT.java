package org.sessionstore.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: at a terminal the Up arrow sent {@code ^[[A} into the command ("unexpected EOF while
 * looking for array token"), with no history, editing or completion. The real jar under a
 * pseudo-terminal ({@code script} from util-linux gives it one), typed into as a person would.
 */
class TerminalConsoleIT {

    @TempDir
    Path home;

    private final StringBuffer screen = new StringBuffer();

    @Test
    void historyEditingAndCompletionAtATerminal() throws Exception {
        if (new ProcessBuilder("sh", "-c", "command -v script").start().waitFor() != 0) {
            fail("this test needs 'script' (util-linux) to give the jar a pseudo-terminal: apt-get install util-linux");
        }
        ProcessBuilder pb = new ProcessBuilder("script", "-qfec", "stty cols 120 rows 40; exec java -jar "
                + System.getProperty("sessionstore.jar"), "/dev/null").directory(home.toFile()).redirectErrorStream(true);
        pb.environment().put("TERM", "xterm");
        Process p = pb.start();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] buf = new byte[4096];
                for (int n; (n = in.read(buf)) > 0;) {
                    screen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
        reader.start();
        try (OutputStream keys = p.getOutputStream()) {
            type(keys, "sessionstore:add h1 alice\r", 1);
            type(keys, "sessionstore:count\r", 2);
            type(keys, "\033[A\r", 3);                          // Up: the count again
            type(keys, "sessionstore:ad\t h2 bob\r", 4);        // Tab completes the command name
            // Up twice: the add of h2, then the count; Left five times and an x makes "sessionstore:xcount", a
            // command that does not exist: editing reached the middle of the line
            type(keys, "\033[A\033[A\033[D\033[D\033[D\033[D\033[Dx\r", 5);
            type(keys, "exit\r", 6);
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the console did not end:\n" + screen);
        reader.join(5_000);
        String out = screen.toString();
        assertEquals(1, p.exitValue(), "the edited line named no command, so the run failed:\n" + out);
        assertFalse(out.contains("unexpected EOF"), "an arrow key reached the command line:\n" + out);
        assertTrue(out.contains("added session h2 for bob"), "Tab completed sessionstore:add:\n" + out);
        String plain = out.replaceAll("\u001B\\[[?0-9;]*[A-Za-z@]|\u001B[=>]", "").replace("\r", "");
        assertTrue(count(plain, "\n1\n") >= 2, "the Up arrow ran the count again:\n" + plain);
        assertTrue(out.contains("Command not found: sessionstore:xcount"), "Left moved into the line:\n" + out);
    }

    /** Types a line once the console shows its {@code n}-th prompt. */
    private void type(OutputStream keys, String text, int prompt) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (count(screen.toString(), "g! ") < prompt) {
            if (System.currentTimeMillis() > deadline) {
                fail("no prompt " + prompt + " after 30s:\n" + screen);
            }
            Thread.sleep(20);
        }
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
