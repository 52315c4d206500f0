package org.sessionstore.itests;

import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.OptionUtils.combine;

import java.time.Instant;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.atomic.LongAdder;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.sessionstore.api.Session;

/**
 * Prints (never asserts) what events cost a memory add through the published store, with the
 * real Felix Event Admin: the same adds with no subscriber, then with a handler subscribed to
 * {@code org/sessionstore/*}, three rounds, as a ratio of the two in each round. Run alone:
 * {@code mvn -o verify -pl itests -Dit.test=EventsCostIT} (after an install).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class EventsCostIT extends StoreTestSupport {

    static final int ADDS = 300_000;

    @Override
    protected Option[] examOptions() {
        return combine(super.examOptions(), bundle(containerBundle("org.apache.felix.eventadmin")));
    }

    private double addsPerSecond(Session[] sessions) {
        long start = System.nanoTime();
        for (int i = 0; i < ADDS; i++) {
            store.addSession(sessions[i % sessions.length]);
        }
        return ADDS / ((System.nanoTime() - start) / 1e9);
    }

    @Test
    public void printsTheCostOfEventsOnAMemoryAdd() throws Exception {
        Instant now = Instant.now();
        Session[] sessions = new Session[10_000];
        for (int i = 0; i < sessions.length; i++) {
            sessions[i] = new Session("c" + i, "u" + i, "sub-" + (i % 100), now, now.plusSeconds(3600), "at", "it", null);
        }
        addsPerSecond(sessions); // warm
        LongAdder heard = new LongAdder();
        for (int round = 1; round <= 3; round++) {
            double quiet = addsPerSecond(sessions);
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(EventConstants.EVENT_TOPIC, "org/sessionstore/*");
            ServiceRegistration<EventHandler> handler = context.registerService(EventHandler.class, e -> heard.increment(),
                    props);
            Thread.sleep(200);
            double heardAdds = addsPerSecond(sessions);
            handler.unregister();
            Thread.sleep(500); // let Event Admin's queue drain
            System.out.printf("events cost, round %d: memory add through the front %,.0f/s with no subscriber, %,.0f/s with"
                    + " a handler on org/sessionstore/* = %.2f%n", round, quiet, heardAdds, heardAdds / quiet);
        }
        assertTrue("the handler heard the adds", heard.sum() > 0);
    }
}
