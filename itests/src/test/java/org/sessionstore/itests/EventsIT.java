package org.sessionstore.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.OptionUtils.combine;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.sessionstore.api.Session;

/**
 * The registry's events through a real Felix Event Admin: a handler subscribed to
 * {@code org/sessionstore/*} hears each call's event, with its documented properties and never a
 * token, a session id or a state.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class EventsIT extends StoreTestSupport {

    @Override
    protected Option[] examOptions() {
        return combine(super.examOptions(), bundle(containerBundle("org.apache.felix.eventadmin")));
    }

    @Test
    public void aHandlerHearsWhatHappened() throws Exception {
        List<Event> got = new CopyOnWriteArrayList<>();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(EventConstants.EVENT_TOPIC, "org/sessionstore/*");
        ServiceRegistration<EventHandler> handler = context.registerService(EventHandler.class, got::add, props);
        try {
            Thread.sleep(200); // the registry follows the handlers' topics
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            store.addSession(new Session("ev-1", "eve", "eve-sub", now, now.plusSeconds(600), "secret-at", "secret-it", null));
            store.addSession(new Session("ev-2", "eve", "eve-sub", now, now.plusSeconds(600), "secret-at", "secret-it", null));
            store.addSession(new Session("ev-3", "eve", "short-sub", now, now.plusMillis(300), "secret-at", null, null));
            store.deleteSession("ev-1");
            assertEquals(1, store.deleteSessionsBySubject("eve-sub"));
            store.addStateEntry("st-secret", "ua", "https://app/r", "http://up", "verifier");
            assertTrue(store.validateAndRemoveState("st-secret", "ua").isPresent());
            store.addStateEntry("st-secret-2", "Mozilla/5.0", "https://app/r", "http://up", "verifier");
            assertTrue(store.validateAndRemoveState("st-secret-2", "curl/8.0").isEmpty());
            Thread.sleep(400);
            assertEquals(1, store.cleanExpired());
            configure("memory", "max_sessions", "12345");
            Thread.sleep(500);
            System.out.println("events heard: " + topics(got));
            await("every event", Duration.ofSeconds(10), () -> topics(got).containsAll(List.of(
                    "org/sessionstore/session/ADDED", "org/sessionstore/session/DELETED",
                    "org/sessionstore/session/REVOKED", "org/sessionstore/state/CONSUMED",
                    "org/sessionstore/state/REJECTED",
                    "org/sessionstore/session/EXPIRED", "org/sessionstore/store/SWITCHED")));
            Event revoked = got.stream().filter(e -> e.getTopic().endsWith("/REVOKED")).findFirst().orElseThrow();
            assertEquals("eve-sub", revoked.getProperty("sub"));
            assertEquals(1, revoked.getProperty("count"));
            assertEquals("memory", revoked.getProperty("store.type"));
            Event rejected = got.stream().filter(e -> e.getTopic().endsWith("/REJECTED")).findFirst().orElseThrow();
            assertEquals("User-Agent mismatch", rejected.getProperty("reason"));
            assertEquals(1, got.stream().filter(e -> e.getTopic().endsWith("/REJECTED")).count());
            Event expired = got.stream().filter(e -> e.getTopic().endsWith("/EXPIRED")).findFirst().orElseThrow();
            assertEquals(1, expired.getProperty("count"));
            assertEquals("ttl", expired.getProperty("reason"));
            Event switched = got.stream().filter(e -> e.getTopic().endsWith("/SWITCHED")).findFirst().orElseThrow();
            assertEquals("memory", switched.getProperty("previous.type"));
            for (Event e : got) {
                for (String name : e.getPropertyNames()) {
                    String v = String.valueOf(e.getProperty(name));
                    assertFalse(e + " carries " + v, v.contains("secret") || v.contains("ev-") || v.contains("st-secret"));
                }
            }
        } finally {
            handler.unregister();
        }
    }

    private static List<String> topics(List<Event> events) {
        return events.stream().map(Event::getTopic).toList();
    }
}
