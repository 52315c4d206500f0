package org.sessionstore.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.StoreFullException;

/**
 * Floods against the memory store with its default bounds in a 256 MB heap (the pom runs this
 * class with {@code -Xmx256m -XX:+ExitOnOutOfMemoryError}, so running out of heap kills the JVM
 * and fails the build): the defaults derive from the heap, so a session flood is refused with
 * {@link StoreFullException} (with 1,000,000 as the default, the process died of
 * OutOfMemoryError), and a state flood, named or not, never refuses other users' logins.
 */
class HeapFloodIT {

    private static final String TOKEN = "t".repeat(1_000);

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void aSessionFloodIsRefusedBeforeTheHeapRunsOut() throws Exception {
        long max = Runtime.getRuntime().maxMemory();
        assertTrue(max < 300L << 20, "run with -Xmx256m (see the pom); max heap is " + (max >> 20) + " MB");
        MemoryConfig defaults = MemoryConfig.from(Map.of());
        MemorySessionStore store = new MemorySessionStore(defaults, Clock.systemUTC());
        AtomicLong next = new AtomicLong();
        AtomicInteger refused = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> other = new ConcurrentLinkedQueue<>();
        Instant now = Instant.now();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread f = new Thread(() -> {
                try {
                    while (true) {
                        long n = next.incrementAndGet();
                        store.addSession(new Session("flood-session-" + n + "-" + "x".repeat(20), "user" + n, "user" + n,
                                now, now.plusSeconds(3600), TOKEN + n, TOKEN + n, null));
                    }
                } catch (StoreFullException full) {
                    refused.incrementAndGet();
                } catch (Throwable e) {
                    other.add(e);
                }
            });
            threads.add(f);
            f.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(other.isEmpty(), "failures other than StoreFullException: " + other);
        assertEquals(4, refused.get(), "every flooding thread was refused");
        assertEquals(defaults.maxSessions(), store.getSessionCount());
        System.out.printf("a session flood in a %d MB heap: refused at max_sessions=%d (the default for this heap),"
                + " heap used after GC %d MB%n", max >> 20, defaults.maxSessions(), usedAfterGc() >> 20);
    }

    @Test
    void aStateFloodNeverRefusesAnotherUsersLogin() throws Exception {
        for (String client : new String[] {"203.0.113.66", null}) {
            MemoryConfig defaults = MemoryConfig.from(Map.of());
            MemorySessionStore store = new MemorySessionStore(defaults, Clock.systemUTC());
            AtomicLong next = new AtomicLong();
            AtomicBoolean flooding = new AtomicBoolean(true);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<Thread> threads = new ArrayList<>();
            long began = System.nanoTime();
            for (int t = 0; t < 4; t++) {
                Thread f = new Thread(() -> {
                    try {
                        for (long n; (n = next.incrementAndGet()) <= 200_000;) {
                            if (client == null && n % 100 == 0) {
                                // a flood that names no client is paced at 20,000 a second (4 threads), far more than
                                // logins over HTTP reach: the table then turns over in well under a second, longer
                                // than a user takes here
                                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
                            }
                            store.addStateEntry("flood-" + n + "-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "curl/8.0",
                                    "https://app.example.com/private?x=" + n, "http://up:8080", "v".repeat(43), client);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    } finally {
                        flooding.set(false);
                    }
                });
                threads.add(f);
                f.start();
            }
            AtomicInteger tried = new AtomicInteger();
            AtomicInteger loggedIn = new AtomicInteger();
            List<Thread> users = new ArrayList<>();
            for (int u = 0; u < 20; u++) {
                int me = u;
                Thread login = new Thread(() -> {
                    try {
                        for (int round = 0; flooding.get() || round < 3; round++) {
                            String state = "login-" + me + "-" + round;
                            tried.incrementAndGet();
                            store.addStateEntry(state, "Mozilla (" + me + ")", "https://app/" + me, "http://up", "cv",
                                    "198.51.100." + me);
                            Thread.sleep(20); // the user at the identity provider
                            if (store.validateAndRemoveState(state, "Mozilla (" + me + ")").isPresent()) {
                                loggedIn.incrementAndGet();
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                users.add(login);
                login.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            double seconds = (System.nanoTime() - began) / 1e9;
            for (Thread t : users) {
                t.join();
            }
            assertTrue(failures.isEmpty(), "failures: " + failures);
            System.out.printf("a state flood of 200,000 from %s in %.1f s: %d of %d logins of 20 other clients succeeded;"
                    + " %d states held (max_states=%d, max_states_per_client=%d)%n", client == null ? "no named client"
                    : "one client", seconds, loggedIn.get(), tried.get(), store.stateCount(), defaults.maxStates(),
                    defaults.maxStatesPerClient());
            assertEquals(tried.get(), loggedIn.get(), "every legitimate login succeeds");
            assertTrue(store.stateCount() <= defaults.maxStates());
        }
    }
}
