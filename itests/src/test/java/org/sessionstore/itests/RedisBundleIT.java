package org.sessionstore.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StateEntry;
import org.sessionstore.api.StoreFactory;
import org.sessionstore.api.StoreStatus;
import org.sessionstore.api.StoreUnavailableException;

/**
 * The redis bundle from its built jar, installed into a running framework whose store is memory:
 * configured, used through the published store, uninstalled, and every connection released.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RedisBundleIT extends RedisTestSupport {

    @Test
    public void redisBundleInstalledAtRuntimeServesAndLeavesCleanly() throws Exception {
        int port = Integer.getInteger("itest.redis.port");
        assertEquals("memory", registry.status().type());
        int clientsBefore = Resp.clients(port);

        Bundle redis = context.installBundle(System.getProperty("itest.redis.bundle"));
        redis.start();
        await("redis listed", Duration.ofSeconds(10), () -> typeAvailable("redis"));
        assertEquals("org.sessionstore.redis", registry.types().stream().filter(p -> p.type().equals("redis"))
                .findFirst().orElseThrow().bundleSymbolicName());

        configure("redis", "addr", "127.0.0.1:" + port, "ttl", "1h", "swap_timeout", "1s");
        assertEquals(StoreStatus.State.ACTIVE, registry.status().state());
        await("front published as redis", Duration.ofSeconds(5),
                () -> "redis".equals(context.getServiceReference(SessionStore.class).getProperty(StoreFactory.STORE_TYPE)));

        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Session s = new Session("pax-1", "carol", "sub-c", now, now.plusSeconds(600), "at", "it", "cv");
        store.addSession(s);
        assertEquals(Optional.of(s), store.getSession("pax-1"));
        assertEquals(1, store.getSessionCount());
        assertTrue(Resp.command(port, "EXISTS session:pax-1").contains(":1"));
        store.addStateEntry("pax-state", "Mozilla", "https://app/a", "http://up", "verifier");
        Optional<StateEntry> consumed = store.validateAndRemoveState("pax-state", "Mozilla");
        assertTrue(consumed.isPresent());
        assertEquals("https://app/a", consumed.get().requestUrl());
        assertFalse(store.validateAndRemoveState("pax-state", "Mozilla").isPresent());
        assertTrue(Resp.clients(port) > clientsBefore);

        redis.uninstall();
        assertFalse(typeAvailable("redis"));
        assertEquals(StoreStatus.State.WAITING, registry.status().state());
        try {
            store.getSessionCount();
            fail("no backend: the call must fail after swap_timeout");
        } catch (StoreUnavailableException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("no session store of type 'redis' is available"));
        }
        await("every redis connection released", Duration.ofSeconds(10), () -> {
            try {
                return Resp.clients(port) == clientsBefore;
            } catch (IOException e) {
                return false;
            }
        });
        configure("memory");
        assertEquals(StoreStatus.State.ACTIVE, registry.status().state());
    }
}
