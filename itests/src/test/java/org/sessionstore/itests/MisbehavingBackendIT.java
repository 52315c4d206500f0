package org.sessionstore.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceRegistration;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreHealth;
import org.sessionstore.api.StoreStatus;

/**
 * Backends that misbehave, registered by this test's own bundle (a third party to the registry):
 * a {@code create} that throws each kind of {@link Error}, hangs, or returns {@code null}. None of
 * them may wedge the registry: {@code use} answers within swap_timeout with one line naming the
 * type and the cause, the running store keeps serving, status and health say what happens, the
 * promised retry happens, and a corrected configuration is applied.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MisbehavingBackendIT extends StoreTestSupport {

    private final List<ServiceRegistration<?>> registered = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @After
    public void restore() throws Exception {
        release.countDown();
        for (ServiceRegistration<?> r : registered) {
            r.unregister();
        }
        Bundle memory = installed("org.sessionstore.memory");
        if (memory.getState() != Bundle.ACTIVE) {
            memory.start();
        }
        configure("memory", "swap_timeout", "1s");
    }

    private void offer(String type, Function<Map<String, ?>, SessionStore> create) throws InterruptedException {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(StoreFactory.STORE_TYPE, type);
        registered.add(context.registerService(StoreFactory.class, create::apply, props));
        await(type + " listed", Duration.ofSeconds(5), () -> typeAvailable(type));
    }

    private static Session session(String id) {
        Instant now = Instant.now();
        return new Session(id, "alice", "alice", now, now.plusSeconds(3600), null, null, null);
    }

    /** use TYPE: must be refused within a bound, naming the type and the cause; memory keeps serving. */
    private String refusedUse(String type, Duration within, String... mustSay) {
        long began = System.nanoTime();
        try {
            registry.switchTo(Map.of("type", type, "swap_timeout", "2s"), false);
            fail("use " + type + " must be refused");
        } catch (RuntimeException e) {
            long ms = (System.nanoTime() - began) / 1_000_000;
            assertTrue("use " + type + " answered in " + ms + " ms", ms < within.toMillis());
            String m = e.getMessage();
            assertTrue(m, m.contains(type));
            for (String s : mustSay) {
                assertTrue(m, m.contains(s));
            }
            assertTrue("one line: " + m, !m.contains("\n"));
            assertEquals(StoreStatus.State.ACTIVE, registry.status().state());
            assertEquals("memory", registry.status().type());
            assertTrue(store.sessionExists("kept"));
            return m;
        }
        throw new AssertionError();
    }

    @Test
    public void aCreateThatThrowsAnyErrorEndsTheAttemptWithOneLine() throws Exception {
        configure("memory", "swap_timeout", "2s");
        store.addSession(session("kept"));
        offer("nodef", c -> {
            throw new NoClassDefFoundError("com/example/missing/Driver");
        });
        offer("asserts", c -> {
            throw new AssertionError("the backend's own assertion");
        });
        offer("oom", c -> {
            throw new OutOfMemoryError("Java heap space (thrown by the test)");
        });
        refusedUse("nodef", Duration.ofSeconds(5), "java.lang.NoClassDefFoundError: com/example/missing/Driver",
                "dependencies");
        refusedUse("asserts", Duration.ofSeconds(5), "java.lang.AssertionError: the backend's own assertion");
        refusedUse("oom", Duration.ofSeconds(5), "java.lang.OutOfMemoryError");

        // the same from a declarative configuration: refused, the running store kept, and said why
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("type", "nodef");
        props.put("swap_timeout", "2s");
        configAdmin.getConfiguration(org.sessionstore.api.StoreRegistry.PID, "?").update(props);
        await("refusal shown", Duration.ofSeconds(10), () -> registry.status().detail() != null
                && registry.status().detail().contains("NoClassDefFoundError"));
        StoreStatus refused = registry.status();
        assertEquals(StoreStatus.State.ACTIVE, refused.state());
        assertEquals("memory", refused.type());
        assertTrue(refused.detail(), refused.detail().contains("last configuration refused: ")
                && refused.detail().contains("the nodef factory of bundle"));
        assertTrue(store.sessionExists("kept"));
        StoreHealth.Result h = StoreHealth.check(registry, store);
        assertEquals(h.line(), StoreHealth.Status.OK, h.status());
        configure("memory", "swap_timeout", "2s");
        assertEquals(StoreStatus.State.ACTIVE, registry.status().state());
        assertTrue("the corrected configuration is applied, the sessions kept", store.sessionExists("kept"));
    }

    @Test
    public void aCreateThatReturnsNullIsRefusedAsSuch() throws Exception {
        configure("memory", "swap_timeout", "2s");
        store.addSession(session("kept"));
        offer("nil", c -> null);
        refusedUse("nil", Duration.ofSeconds(5), "returned no store (null)");
        store.addSession(session("after"));
        assertTrue(store.sessionExists("after"));
    }

    @Test
    public void aCreateThatHangsIsGivenUpAfterSwapTimeoutAndStatusSaysWhatIsBuilt() throws Exception {
        configure("memory", "swap_timeout", "2s");
        store.addSession(session("kept"));
        CountDownLatch entered = new CountDownLatch(1);
        List<MockStore> made = new ArrayList<>();
        offer("hang", c -> {
            entered.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            MockStore m = new MockStore(c);
            made.add(m);
            return m;
        });
        Thread use = new Thread(() -> {
            try {
                registry.switchTo(Map.of("type", "hang", "swap_timeout", "2s"), false);
            } catch (RuntimeException expected) {
                // checked below through status
            }
        });
        use.start();
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        StoreStatus building = registry.status();
        assertTrue(building.detail(), building.detail() != null && building.detail().contains("building the hang store"));
        assertEquals("the old store is still served", "org.sessionstore.memory",
                building.provider().bundleSymbolicName());
        assertTrue(store.sessionExists("kept"));
        assertEquals(StoreStatus.State.ACTIVE, building.state());
        StoreHealth.Result meanwhile = StoreHealth.check(registry, store);
        assertEquals(meanwhile.line(), StoreHealth.Status.OK, meanwhile.status());
        assertTrue(meanwhile.line(), meanwhile.line().startsWith("OK memory ACTIVE, probe ")
                && meanwhile.line().contains("; building the hang store"));
        use.join(8_000);
        assertTrue("use answered within swap_timeout and a margin", !use.isAlive());
        String again = refusedUse("hang", Duration.ofSeconds(5), "still building its store (in its create");
        assertTrue(again, again.contains("past swap_timeout"));
        release.countDown();
        await("the late store closed", Duration.ofSeconds(5), () -> !made.isEmpty() && made.get(0).closed);

        // nothing serves (as at start): WAITING while it builds, FAILED (CRITICAL) once given up. A store
        // whose data is not in the process serves, then its bundle leaves: nothing is kept for a successor
        offer("plain", MockStore::new);
        configure("plain", "swap_timeout", "2s");
        registered.remove(registered.size() - 1).unregister();
        await("nothing serves", Duration.ofSeconds(5), () -> registry.status().state() == StoreStatus.State.WAITING);
        CountDownLatch entered2 = new CountDownLatch(1);
        CountDownLatch release2 = new CountDownLatch(1);
        offer("hang2", c -> {
            entered2.countDown();
            try {
                release2.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new MockStore(c);
        });
        try {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("type", "hang2");
            props.put("swap_timeout", "2s");
            configAdmin.getConfiguration(org.sessionstore.api.StoreRegistry.PID, "?").update(props);
            assertTrue(entered2.await(5, TimeUnit.SECONDS));
            StoreHealth.Result waiting = StoreHealth.check(registry, store);
            assertEquals(waiting.line(), StoreHealth.Status.WARN, waiting.status());
            assertTrue(waiting.line(), waiting.line().contains("hang2 WAITING: building the hang2 store"));
            await("given up", Duration.ofSeconds(9), () -> registry.status().state() == StoreStatus.State.FAILED);
            StoreHealth.Result failed = StoreHealth.check(registry, store);
            assertEquals(failed.line(), StoreHealth.Status.CRITICAL, failed.status());
            assertTrue(failed.line(), failed.line().contains("did not finish building its store within 5s (swap_timeout, at least 5s)"));
        } finally {
            release2.countDown();
        }
    }
}
