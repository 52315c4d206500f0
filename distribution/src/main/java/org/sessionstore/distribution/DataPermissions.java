package org.sessionstore.distribution;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Keeps a folder the running user's only: the folder and every folder under it 0700, every file
 * 0600, including files written later (ConfigAdmin saves a configuration given in clear there),
 * which a watcher thread restricts as they appear. On a file system without POSIX permissions
 * it does nothing.
 */
final class DataPermissions {

    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private DataPermissions() {
    }

    static void restrict(Path root) throws IOException {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        WatchService watcher = root.getFileSystem().newWatchService();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                restrictOne(p, watcher);
            }
        }
        Thread t = new Thread(() -> watch(watcher), "sessionstore-permissions");
        t.setDaemon(true);
        t.start();
    }

    private static void restrictOne(Path p, WatchService watcher) {
        try {
            if (Files.isSymbolicLink(p)) {
                return;
            }
            if (Files.isDirectory(p)) {
                Files.setPosixFilePermissions(p, DIR);
                p.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            } else if (Files.isRegularFile(p)) {
                Files.setPosixFilePermissions(p, FILE);
            }
        } catch (IOException | RuntimeException gone) {
            // removed meanwhile, or not ours to change
        }
    }

    private static void watch(WatchService watcher) {
        while (true) {
            WatchKey key;
            try {
                key = watcher.take();
            } catch (InterruptedException | java.nio.file.ClosedWatchServiceException e) {
                return;
            }
            Path dir = (Path) key.watchable();
            for (WatchEvent<?> e : key.pollEvents()) {
                if (e.context() instanceof Path name) {
                    restrictOne(dir.resolve(name), watcher);
                }
            }
            key.reset();
        }
    }
}
