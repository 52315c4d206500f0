package org.sessionstore.registry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.sessionstore.api.Migration;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.TransferableStore;

/**
 * Migrates: copies the live sessions and states of one store into another, keeping their
 * remaining lifetimes (sessions keep {@code expiresAt}; states keep {@code createdAt} when the
 * target can import them ({@link TransferableStore}), else they are added anew). A swap migrates
 * whenever the store it replaces holds its data in the process, and on {@code use --migrate}.
 */
final class Migrator {

    private Migrator() {
    }

    /** Whether a store's entries can be read out. */
    static boolean possible(SessionStore from) {
        return from instanceof TransferableStore;
    }

    /** Whether a store holds its entries in this process, so that closing it unmigrated would lose them. */
    static boolean inProcess(SessionStore store) {
        return store instanceof TransferableStore t && t.handOffOnUpgrade();
    }

    /** Writers at once: a remote target answers each add after a round trip, so several run in parallel. */
    static final int WRITERS = 8;
    static final int BATCH = 500;

    private static void copySessions(TransferableStore source, SessionStore to, MigrationProgress progress,
            java.util.Queue<String> written) {
        AtomicLong copied = progress.copied;
        ExecutorService writers = Executors.newFixedThreadPool(WRITERS, r -> {
            Thread t = new Thread(r, "sessionstore-migrate");
            t.setDaemon(true);
            return t;
        });
        List<Future<?>> pending = new ArrayList<>();
        try (Stream<Session> live = source.liveSessions()) {
            List<Session> batch = new ArrayList<>(BATCH);
            for (Iterator<Session> it = live.iterator(); it.hasNext();) {
                batch.add(it.next());
                if (batch.size() == BATCH || !it.hasNext()) {
                    List<Session> mine = batch;
                    progress.check();
                    pending.add(writers.submit(() -> {
                        for (Session s : mine) {
                            to.addSession(s);
                            written.add(s.id());
                            progress.copiedOne();
                        }
                    }));
                    batch = new ArrayList<>(BATCH);
                }
            }
            for (Future<?> f : pending) {
                f.get();
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof MigrationProgress.GivenUp given) {
                throw given; // given up on the estimate: it says how far it got
            }
            // say how far it got: "the memory store holds 2 sessions" alone reads as if 2 were live
            throw new StoreException("after " + copied.get() + " sessions were copied: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("migration interrupted", e);
        } finally {
            writers.shutdownNow();
            try {
                // no writer may still be adding when the caller undoes the copy or closes the target
                writers.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Copies every live entry of {@code source} into {@code to}. Records the source cannot read are
     * skipped by the source's listing (each logged once by its key); how many is the growth of its
     * {@link SessionStore#unreadableRecords()} count meanwhile (calls that write wait during a
     * migration; a read of such a record that runs meanwhile is counted with them).
     *
     * @param budget how long calls wait for this copy (their swap_timeout), or null if none waits: a
     *        copy the measured rate says will outlast it is given up within about a second
     *        ({@link MigrationProgress})
     * @param lines told a progress line every second while sessions are copied
     */
    static Migration copy(String type, TransferableStore source, SessionStore to, Duration budget,
            java.util.function.Consumer<String> lines) {
        long start = System.nanoTime();
        long unreadableBefore = unreadable(source);
        AtomicLong states = new AtomicLong();
        long total = source instanceof SessionStore s ? count(s) : 0;
        AtomicLong sessions;
        java.util.Queue<String> written = new java.util.concurrent.ConcurrentLinkedQueue<>();
        List<StateEntry> statesWritten = new ArrayList<>();
        try {
            try (MigrationProgress progress = new MigrationProgress(type, total, budget, lines)) {
                copySessions(source, to, progress, written);
                sessions = progress.copied;
            }
            try (Stream<StateEntry> live = source.liveStates()) {
                live.sorted(Comparator.comparing(StateEntry::createdAt)).forEach(e -> {
                    if (to instanceof TransferableStore target) {
                        target.importState(e);
                    } else {
                        to.addStateEntry(e.state(), e.userAgent(), e.requestUrl(), e.upstreamUrl(), e.codeVerifier());
                    }
                    statesWritten.add(e);
                    states.incrementAndGet();
                });
            }
        } catch (RuntimeException e) {
            undo(to, written, statesWritten);
            throw e;
        }
        return new Migration(type, sessions.get(), states.get(), Duration.ofNanos(System.nanoTime() - start),
                Math.max(0, unreadable(source) - unreadableBefore));
    }

    /**
     * Takes back what a copy that did not finish wrote into the target: a shared target (Redis, a
     * database) would otherwise keep those entries, and a later swap to it would serve sessions
     * deleted or revoked in the meantime. Best effort: what cannot be removed is logged.
     */
    private static void undo(SessionStore to, java.util.Queue<String> sessions, List<StateEntry> states) {
        long failed = 0;
        for (String id : sessions) {
            try {
                to.deleteSession(id);
            } catch (RuntimeException e) {
                failed++;
            }
        }
        for (StateEntry e : states) {
            try {
                to.validateAndRemoveState(e.state(), e.userAgent());
            } catch (RuntimeException ex) {
                failed++;
            }
        }
        if (failed > 0) {
            System.getLogger("org.sessionstore.registry").log(System.Logger.Level.ERROR, "a migration that did not"
                    + " finish could not take back " + failed + " of the " + (sessions.size() + states.size())
                    + " entries it wrote into the new store; remove them before using that store's data");
        }
    }

    private static long count(SessionStore s) {
        try {
            return s.getSessionCount();
        } catch (RuntimeException e) {
            return 0; // unknown: progress says '?', and the copy is never given up on an estimate
        }
    }

    private static long unreadable(TransferableStore source) {
        try {
            return source instanceof SessionStore s ? s.unreadableRecords() : 0;
        } catch (RuntimeException | LinkageError e) {
            return 0; // a count it cannot give is no reason to fail the copy
        }
    }
}
