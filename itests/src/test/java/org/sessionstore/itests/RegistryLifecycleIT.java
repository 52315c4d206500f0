package org.sessionstore.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.time.Duration;
import java.time.Instant;
import java.util.Hashtable;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
import org.sessionstore.api.StoreProvider;
import org.sessionstore.api.StoreStatus;
import org.sessionstore.api.StoreUnavailableException;

/**
 * The registry in a real framework: the memory backend is found, serves through the published
 * store, leaves and returns with its bundle, and a factory the test registers becomes a type.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RegistryLifecycleIT extends StoreTestSupport {

    private static Session session(String id) {
        Instant now = Instant.now();
        return new Session(id, "alice", "sub-1", now, now.plusSeconds(3600), "access", "id", null);
    }

    @After
    public void restore() throws Exception {
        Bundle memory = installed("org.sessionstore.memory");
        if (memory.getState() != Bundle.ACTIVE) {
            memory.start();
        }
        configure("memory", "swap_timeout", "1s");
    }

    @Test
    public void registryListsMemoryWithItsBundle() {
        StoreProvider memory = registry.types().stream().filter(p -> p.type().equals("memory")).findFirst()
                .orElseThrow(() -> new AssertionError("memory not listed: " + registry.types()));
        assertEquals("org.sessionstore.memory", memory.bundleSymbolicName());
        assertEquals(installed("org.sessionstore.memory").getVersion().toString(), memory.bundleVersion());
        assertEquals(StoreStatus.State.ACTIVE, registry.status().state());
        assertEquals("memory", context.getServiceReference(SessionStore.class).getProperty(StoreFactory.STORE_TYPE));
    }

    @Test
    public void sessionRoundTripsThroughThePublishedStore() {
        Session s = session("round-trip");
        store.addSession(s);
        assertEquals(Optional.of(s), store.getSession("round-trip"));
        assertEquals(Optional.of("alice"), store.getField("round-trip", "username"));
        store.addStateEntry("st-1", "ua", "https://app", "http://up", "cv");
        assertTrue(store.validateAndRemoveState("st-1", "ua").isPresent());
        assertTrue(store.deleteSession("round-trip"));
    }

    @Test
    public void stoppedBackendLeavesTheTypesAndCallsFailAfterTheSwapTimeout() throws Exception {
        configure("memory", "swap_timeout", "1s");
        installed("org.sessionstore.memory").stop();
        assertFalse(typeAvailable("memory"));
        assertEquals(StoreStatus.State.WAITING, registry.status().state());
        // the front stays published while its backend is away
        assertEquals(1, context.getServiceReferences(SessionStore.class, "(sessionstore.front=true)").size());
        long start = System.nanoTime();
        try {
            store.getSessionCount();
            fail("a call without a backend must fail");
        } catch (StoreUnavailableException e) {
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue("failed after " + waited + " ms, before swap_timeout", waited >= 950);
            assertTrue(e.getMessage(), e.getMessage().contains("no session store of type 'memory' is available"));
            assertTrue(e.getMessage(), e.getMessage().contains("swap_timeout"));
        }
    }

    @Test
    public void callStartedWhileTheBackendIsStoppedSucceedsWhenItReturns() throws Exception {
        configure("memory", "swap_timeout", "20s");
        Bundle memory = installed("org.sessionstore.memory");
        memory.stop();
        CompletableFuture<Boolean> call = CompletableFuture.supplyAsync(() -> {
            store.addSession(session("waited"));
            return store.sessionExists("waited");
        });
        Thread.sleep(300);
        assertFalse("the call must wait for the backend", call.isDone());
        memory.start();
        assertTrue(call.get(20, TimeUnit.SECONDS));
        assertTrue(typeAvailable("memory"));
    }

    @Test
    public void factoryRegisteredByTheTestBecomesAType() throws Exception {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(StoreFactory.STORE_TYPE, "mock");
        ServiceRegistration<StoreFactory> reg = context.registerService(StoreFactory.class,
                config -> new MockStore(config), props);
        try {
            await("mock listed", Duration.ofSeconds(5), () -> typeAvailable("mock"));
            store.addSession(session("from-memory"));
            long inMemory = store.getSessionCount();
            configure("mock", "flavour", "vanilla");
            assertEquals(StoreStatus.State.ACTIVE, registry.status().state());
            await("front published as mock", Duration.ofSeconds(5),
                    () -> "mock".equals(context.getServiceReference(SessionStore.class).getProperty(StoreFactory.STORE_TYPE)));
            store.addSession(session("mocked"));
            assertEquals("the memory store's sessions were migrated into mock, and one more added",
                    inMemory + 1, store.getSessionCount());
            assertTrue(store.sessionExists("from-memory"));
            assertEquals(Map.of("flavour", "vanilla"), MockStore.lastConfig);
        } finally {
            reg.unregister();
        }
        assertFalse(typeAvailable("mock"));
        assertEquals(StoreStatus.State.WAITING, registry.status().state());
    }
}
