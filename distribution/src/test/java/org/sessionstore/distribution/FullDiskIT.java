package org.sessionstore.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full data folder, for real: a small tmpfs mounted as {@code -Dsessionstore.data} and filled
 * (its inodes, or its bytes). {@code use} whose configuration cannot be saved fails naming the
 * path and the cause, and the running store is unchanged; a full folder at start is named.
 * Mounting needs root (or CAP_SYS_ADMIN), which the project's machines and CI have.
 */
class FullDiskIT {

    @TempDir
    Path home;

    private Path mounted;

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + out
                    + " (this test mounts a small tmpfs to fill it: run it as root, as .ci/run does)");
        }
    }

    private Path tmpfs(String options) throws Exception {
        Path dir = Files.createDirectories(home.resolve("data"));
        run("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString());
        mounted = dir;
        return dir;
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null) {
            run("umount", "-l", mounted.toString());
        }
    }

    /** Creates empty files until the file system has no inode left; returns them. */
    private static List<Path> fillInodes(Path dir) throws IOException {
        Path fill = Files.createDirectories(dir.resolve("fill"));
        List<Path> made = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 100_000; i++) {
                made.add(Files.createFile(fill.resolve("f" + i)));
            }
        } catch (IOException full) {
            assertTrue(String.valueOf(full.getMessage()).contains("No space left") || full instanceof
                    java.nio.file.FileSystemException, String.valueOf(full));
            return made;
        }
        throw new AssertionError("the tmpfs never filled");
    }

    @Test
    void useWhoseConfigurationCannotBeSavedFailsNamingThePathAndChangesNothing() throws Exception {
        Path data = tmpfs("size=64m,nr_inodes=400");
        try (RunningJar jar = new RunningJar(home, "-Dsessionstore.data=" + data)) {
            jar.poll("sessionstore:count", out -> out.contains("0"), 60_000);
            jar.send("sessionstore:add kept alice 1h");
            jar.awaitOut(out -> out.contains("added session kept"), 10_000);
            List<Path> fill = fillInodes(data);
            int errBefore = jar.err().length();
            jar.send("sessionstore:use memory max_sessions=5000");
            jar.awaitOut(out -> jar.err().substring(errBefore).contains("error:"), 20_000);
            String err = jar.err().substring(errBefore);
            assertTrue(err.contains("error: the configuration could not be saved, so it is not applied and the running store"
                    + " is unchanged: saving it to ConfigAdmin (" + data.resolve("config") + ") failed: No space left on"
                    + " device"), err);
            int from = jar.out().length();
            jar.send("sessionstore:info");
            jar.awaitOut(out -> out.substring(from).contains("last clean"), 10_000);
            String info = jar.out().substring(from);
            assertFalse(info.matches("(?s).*max_sessions +5000.*"), info);
            assertTrue(info.contains("sessions        1"), info);

            for (Path p : fill) {
                Files.delete(p);
            }
            jar.send("sessionstore:use memory max_sessions=5000");
            jar.awaitOut(out -> out.contains("active store: memory {clean_interval=1m, max_sessions=5000"), 20_000);
            jar.send("sessionstore:get kept");
            jar.awaitOut(out -> out.contains("username      alice"), 10_000);
            assertEquals(1, jar.finish(), "the refused use made the exit status 1");
        }
    }

    @Test
    void aFullDataFolderAtStartIsNamed() throws Exception {
        Path data = tmpfs("size=8m");
        try (OutputStream out = Files.newOutputStream(data.resolve("filler"))) {
            byte[] mb = new byte[1 << 20];
            for (int i = 0; i < 16; i++) {
                out.write(mb);
            }
        } catch (IOException full) {
            // full now
        }
        try (RunningJar jar = new RunningJar(home, "-Dsessionstore.data=" + data)) {
            jar.send("sessionstore:count");
            assertEquals(1, jar.finish());
            assertTrue(jar.err().contains("error: cannot write under " + data + ": No space left on device; free space"
                    + " there (df -h " + data + ") or give another folder with -Dsessionstore.data=DIR"), jar.err());
        }
    }
}
