package org.sessionstore.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The permissions watcher acts on entries whose mode is wrong and never on its own changes: a
 * chmod changes a file's ctime, so an idle tree whose ctimes stay put had no chmod at all (before
 * the fix the watcher chmodded every entry again on every event its own chmods raised).
 */
class DataPermissionsTest {

    @TempDir
    Path root;

    private Map<Path, Object> ctimes() throws Exception {
        Map<Path, Object> all = new TreeMap<>();
        try (var walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                all.put(p, Files.getAttribute(p, "unix:ctime"));
            }
        }
        return all;
    }

    private static long changed(Map<Path, Object> before, Map<Path, Object> now) {
        return now.entrySet().stream().filter(e -> !e.getValue().equals(before.get(e.getKey()))).count();
    }

    @Test
    void anIdleTreeIsLeftAloneAndANewFileIsRestrictedOnce() throws Exception {
        for (int d = 0; d < 10; d++) {
            Path dir = Files.createDirectories(root.resolve("config/d" + d));
            for (int f = 0; f < 12; f++) {
                Files.writeString(dir.resolve("f" + f), "x");
            }
        }
        DataPermissions.restrict(root);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("config/d3/f4"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("config/d3"))));
        Thread.sleep(1500); // let any event the first walk raised arrive
        Map<Path, Object> settled = ctimes();
        Thread.sleep(2000);
        assertEquals(0, changed(settled, ctimes()), "entries chmodded again while nothing happened");

        Path late = root.resolve("config/d5/late.config");
        Files.writeString(late, "secret = x");
        Files.setPosixFilePermissions(late, PosixFilePermissions.fromString("rw-r--r--"));
        long deadline = System.currentTimeMillis() + 10_000;
        while (!PosixFilePermissions.toString(Files.getPosixFilePermissions(late)).equals("rw-------")) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("the new file was not restricted");
            }
            Thread.sleep(50);
        }
        Thread.sleep(1500);
        Map<Path, Object> after = ctimes();
        Thread.sleep(2000);
        assertEquals(0, changed(after, ctimes()), "entries chmodded again after the new file was restricted");
    }
}
