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
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Keeps what the distribution writes its user's only: the folders it owns ({@code data/config},
 * {@code data/felix-cache}, {@code data/system}) 0700 with every file 0600, including files and
 * folders written later (ConfigAdmin saves a configuration given in clear there), which a watcher
 * thread restricts as they appear — a new folder is walked as it is registered, so files made in
 * it before are not missed. A folder given by the operator ({@code -Dsessionstore.data},
 * {@code -Dsessionstore.secrets}) is restricted itself only if the launcher created it; an
 * existing one is left as it is, with a warning if others can read it. On a file system without
 * POSIX permissions it does nothing.
 *
 * <p>It changes only a mode that is wrong, and walks a folder only when it appears: a chmod
 * raises an event on the parent folder itself, so changing a mode that is already right, or
 * walking again on every event, would feed on its own events and keep a core busy for ever (it
 * did: 35 CPU-seconds in 30 s of an idle process). An idle process makes no event here.
 */
final class DataPermissions {

    private static final Logger LOG = Logger.getLogger("org.sessionstore.distribution");
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private final WatchService watcher;
    /** The folders registered with the watcher (only the watcher's thread adds, after the first walk). */
    private final Set<Path> registered = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private DataPermissions(WatchService watcher) {
        this.watcher = watcher;
    }

    static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Creates a folder 0700 if it is missing; warns if an existing one is open to others.
     *
     * @return whether it was created here
     */
    static boolean create(Path folder) throws IOException {
        if (Files.isDirectory(folder)) {
            if (posix()) {
                Set<PosixFilePermission> p = Files.getPosixFilePermissions(folder);
                if (p.stream().anyMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"))) {
                    LOG.warning(folder + " can be read by other users (" + PosixFilePermissions.toString(p)
                            + "); it holds secrets or saved configuration: chmod 700 it");
                }
            }
            return false;
        }
        Files.createDirectories(folder);
        if (posix()) {
            Files.setPosixFilePermissions(folder, DIR);
        }
        return true;
    }

    /** Restricts these folders (and what appears in them from now on) to the user. */
    static void restrict(Path... owned) throws IOException {
        if (!posix()) {
            return;
        }
        DataPermissions d = new DataPermissions(FileSystems.getDefault().newWatchService());
        for (Path root : owned) {
            Files.createDirectories(root);
            d.walk(root);
        }
        Thread t = new Thread(d::watch, "sessionstore-permissions");
        t.setDaemon(true);
        t.start();
    }

    private void walk(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                restrictOne(p);
            }
        } catch (IOException | RuntimeException gone) {
            // removed meanwhile
        }
    }

    private void restrictOne(Path p) {
        try {
            if (Files.isSymbolicLink(p)) {
                return;
            }
            if (Files.isDirectory(p)) {
                setIfWrong(p, DIR);
                if (registered.add(p)) {
                    p.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
                }
            } else if (Files.isRegularFile(p)) {
                setIfWrong(p, FILE);
            }
        } catch (IOException | RuntimeException gone) {
            // removed meanwhile, or not ours to change
        }
    }

    /** Changes the mode only if it differs: a chmod is itself an event on the parent folder. */
    private static void setIfWrong(Path p, Set<PosixFilePermission> wanted) throws IOException {
        if (!Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).equals(wanted)) {
            Files.setPosixFilePermissions(p, wanted);
        }
    }

    private void watch() {
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
                    Path p = dir.resolve(name);
                    if (Files.isDirectory(p) && !registered.contains(p)) {
                        walk(p); // a new folder: files made in it before it was registered too
                    } else {
                        restrictOne(p); // a mode that is right is left alone
                    }
                }
            }
            if (!key.reset()) {
                registered.remove(dir); // the folder is gone; one made again under that name is walked anew
            }
        }
    }
}
