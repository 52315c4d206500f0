package org.example.filestore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.io.TempDir;
import org.sessionstore.api.SessionStore;
import org.sessionstore.testkit.MutableClock;
import org.sessionstore.testkit.SessionStoreContract;

/**
 * The whole conformance suite on the file store. The contract calls {@link #newStore} from its
 * own {@code @BeforeEach}, and may call it more than once in a test, so the directory comes from
 * a {@code @TempDir} field (injected before any {@code @BeforeEach}) and each store gets a fresh
 * subdirectory; {@link #newPeerStore} opens a second store on the same directory, as a second
 * proxy node sharing the files would, so the one-time race runs across two instances.
 */
class FileStoreConformanceTest extends SessionStoreContract {

    @TempDir
    Path dir;

    private final AtomicInteger stores = new AtomicInteger();
    private final Map<SessionStore, Path> dirs = new ConcurrentHashMap<>();

    @Override
    protected SessionStore newStore(MutableClock clock) {
        Path d = dir.resolve("store-" + stores.incrementAndGet());
        SessionStore s = new FileSessionStore(d, Duration.ofMinutes(10), clock);
        dirs.put(s, d);
        return s;
    }

    @Override
    protected SessionStore newPeerStore(SessionStore first, MutableClock clock) {
        return new FileSessionStore(dirs.get(first), Duration.ofMinutes(10), clock);
    }

    @Override
    protected int raceRounds() {
        return 200; // files are slower than memory; 200 rounds of 16 racers still shows a double winner
    }
}
