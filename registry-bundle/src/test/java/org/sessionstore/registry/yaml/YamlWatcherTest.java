package org.sessionstore.registry.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sessionstore.registry.yaml.YamlWatcher.Absent;
import org.sessionstore.registry.yaml.YamlWatcher.Found;
import org.sessionstore.registry.yaml.YamlWatcher.Problem;
import org.sessionstore.registry.yaml.YamlWatcher.Reading;

/** The YAML watcher: reports each change once, caps the size, and survives whatever a check throws. */
class YamlWatcherTest {

    @TempDir
    Path dir;

    private final List<Reading> seen = new CopyOnWriteArrayList<>();

    private void write(Path file, byte[] bytes, long mtime) throws Exception {
        Files.write(file, bytes);
        Files.setLastModifiedTime(file, FileTime.fromMillis(mtime));
    }

    @Test
    void eachChangeIsHandedOnOnceWithItsKeysAndLines() throws Exception {
        Path file = dir.resolve("session-store.yaml");
        YamlWatcher w = new YamlWatcher(file, seen::add);
        assertInstanceOf(Absent.class, w.readNow());
        write(file, "session_store:\n  type: memory\n  config:\n    max_sessions: 1\n".getBytes(), 1_000);
        w.poll();
        w.poll();
        assertEquals(1, seen.size(), "one change, one reading");
        Found f = (Found) seen.get(0);
        assertEquals(Map.of("type", "memory", "max_sessions", "1"), f.config());
        assertEquals(file.toAbsolutePath() + ":4: key 'max_sessions'",
                new org.sessionstore.registry.ConfigSource(f.file(), f.lineOfKey()).locate("max_sessions"));
        // touched without a change: nothing
        write(file, "session_store:\n  type: memory\n  config:\n    max_sessions: 1\n".getBytes(), 2_000);
        w.poll();
        assertEquals(1, seen.size());
    }

    @Test
    void aNonUtf8FileIsReportedOncePerChangeWithItsLine() throws Exception {
        Path file = dir.resolve("session-store.yaml");
        YamlWatcher w = new YamlWatcher(file, seen::add);
        write(file, "session_store:\n  type: memory\n  config:\n    x: caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 1_000);
        for (int i = 0; i < 5; i++) {
            w.poll();
        }
        assertEquals(1, seen.size(), "reported once, not every second");
        Problem p = (Problem) seen.get(0);
        assertTrue(p.message().endsWith(":4: the file is not UTF-8 text; save it as UTF-8"), p.message());
    }

    @Test
    void anOversizedFileIsRefusedWithoutReadingIt() throws Exception {
        Path file = dir.resolve("session-store.yaml");
        byte[] big = new byte[8 * 1024 * 1024];
        java.util.Arrays.fill(big, (byte) '#');
        write(file, big, 1_000);
        YamlWatcher w = new YamlWatcher(file, seen::add);
        Reading r = w.readNow();
        Problem p = assertInstanceOf(Problem.class, r);
        assertTrue(p.message().contains("8388608 bytes long; at most 65536 are read"), p.message());
        w.poll();
        assertEquals(0, seen.size(), "readNow saw it already");
    }

    /** Defect: after an OutOfMemoryError the watcher's task was gone and later edits were never applied. */
    @Test
    void theWatcherSurvivesAnErrorAndAppliesTheNextEdit() throws Exception {
        Path file = dir.resolve("session-store.yaml");
        boolean[] fail = {true};
        YamlWatcher w = new YamlWatcher(file, r -> {
            if (fail[0]) {
                fail[0] = false;
                throw new OutOfMemoryError("simulated");
            }
            seen.add(r);
        });
        write(file, "session_store:\n  type: memory\n".getBytes(), 1_000);
        w.poll();
        write(file, "session_store:\n  type: redis\n".getBytes(), 2_000);
        w.poll();
        assertEquals("redis", ((Found) seen.get(0)).config().get("type"));
    }

    @Test
    void theFileIsFoundBesideTheOtherEtcFiles() {
        assertEquals(Path.of("/x/y.yaml"), YamlWatcher.fileFrom(k -> k.equals("sessionstore.yaml") ? "/x/y.yaml" : null));
        assertEquals(Path.of("/srv/etc/session-store.yaml"),
                YamlWatcher.fileFrom(k -> k.equals("sessionstore.etc") ? "/srv/etc" : null));
        assertEquals(Path.of("/opt/karaf/etc/session-store.yaml"),
                YamlWatcher.fileFrom(k -> k.equals("karaf.etc") ? "/opt/karaf/etc" : null));
        assertEquals(Path.of("etc/session-store.yaml"), YamlWatcher.fileFrom(k -> null));
    }
}
