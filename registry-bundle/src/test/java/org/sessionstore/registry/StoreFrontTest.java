package org.sessionstore.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;

/**
 * The front's reads are not counted but checked: racing threads read a session that exists in
 * every backend while the front swaps backends as fast as it can and each replaced backend is
 * wiped (as the memory store's close wipes its maps) before it says it is closed. No read ever
 * sees the wiped backend's empty answer, nor its failure.
 */
class StoreFrontTest {

    /** A store whose close empties it first and only then refuses calls: the worst a closing store can do. */
    static final class WipedOnClose implements SessionStore {
        final Map<String, Session> sessions = new ConcurrentHashMap<>();
        volatile boolean closed;

        WipedOnClose(Session s) {
            sessions.put(s.id(), s);
        }

        private void open() {
            if (closed) {
                throw new org.sessionstore.api.StoreUnavailableException("closed");
            }
        }

        @Override
        public void addSession(Session session) {
            open();
            sessions.put(session.id(), session);
        }

        @Override
        public Optional<Session> getSession(String id) {
            open();
            return Optional.ofNullable(sessions.get(id));
        }

        @Override
        public boolean deleteSession(String id) {
            open();
            return sessions.remove(id) != null;
        }

        @Override
        public int cleanExpired() {
            return 0;
        }

        @Override
        public Optional<String> getField(String id, String field) {
            open();
            return Optional.ofNullable(sessions.get(id)).flatMap(s -> s.field(field));
        }

        @Override
        public long getSessionCount() {
            open();
            return sessions.size();
        }

        @Override
        public boolean sessionExists(String id) {
            open();
            return sessions.containsKey(id);
        }

        @Override
        public void addStateEntry(String state, String userAgent, String requestUrl, String upstreamUrl,
                String codeVerifier) {
        }

        @Override
        public Optional<StateEntry> validateAndRemoveState(String state, String userAgent) {
            return Optional.empty();
        }

        @Override
        public int cleanExpiredStates(Duration maxAge) {
            return 0;
        }

        @Override
        public void close() {
            sessions.clear();
            Thread.yield();
            closed = true;
        }
    }

    @Test
    void readsNeverSeeAReplacedBackendBeingWiped() throws Exception {
        Instant now = Instant.now();
        Session s = new Session("x", "alice", "sub", now, now.plusSeconds(3600), "at", "it", null);
        StoreFront front = new StoreFront();
        front.serve(new WipedOnClose(s), "memory", Duration.ofSeconds(10));
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread r = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        if (front.getSession("x").isEmpty()) {
                            wrong.add("getSession found nothing");
                        }
                        if (!front.sessionExists("x")) {
                            wrong.add("sessionExists said no");
                        }
                        if (!front.getField("x", "access_token").equals(Optional.of("at"))) {
                            wrong.add("getField found nothing");
                        }
                        if (front.getSessionCount() != 1) {
                            wrong.add("getSessionCount was not 1");
                        }
                        reads.addAndGet(4);
                    }
                } catch (RuntimeException e) {
                    wrong.add(e.toString());
                }
            });
            readers.add(r);
            r.start();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        int swaps = 0;
        while (System.nanoTime() < deadline) {
            SessionStore old = front.serve(new WipedOnClose(s), "memory", Duration.ofSeconds(10));
            old.close();
            swaps++;
        }
        stop.set(true);
        for (Thread r : readers) {
            r.join();
        }
        assertEquals(List.of(), wrong.stream().distinct().toList());
        assertTrue(swaps > 100 && reads.get() > 1_000, swaps + " swaps, " + reads + " reads");
    }
}
