package org.sessionstore.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.sessionstore.api.Session;
import org.sessionstore.api.SessionStore;
import org.sessionstore.api.StoreRegistry;

/**
 * Stopping the registry bundle withdraws its backends' stores without waiting on itself (found
 * in review: each factory's removal, which DS makes after the registry's deactivation, waited its
 * full 15 s for a registry thread already shut down, and said "did not finish withdrawing"), and
 * the registry started again serves, with the memory store's sessions handed over. Its own class:
 * the restart replaces the services the other tests have injected.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RegistryRestartIT extends StoreTestSupport {

    @Test
    public void theRegistryStopsWithoutWaitingOnItselfAndServesAgainWhenStarted() throws Exception {
        Instant now = Instant.now();
        store.addSession(new Session("kept", "alice", "alice", now, now.plusSeconds(600), null, null, null));
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                warnings.add(String.valueOf(r.getMessage()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger("org.sessionstore.registry");
        log.addHandler(capture);
        try {
            Bundle registryBundle = installed("org.sessionstore.registry");
            registryBundle.stop();
            registryBundle.start();
            assertTrue("stopping the registry waited on itself: " + warnings,
                    warnings.stream().noneMatch(w -> w.contains("did not finish withdrawing")));
        } finally {
            log.removeHandler(capture);
        }
        SessionStore[] again = new SessionStore[1];
        await("the registry's store published again", Duration.ofSeconds(30), () -> {
            try {
                for (ServiceReference<SessionStore> ref : context.getServiceReferences(SessionStore.class, "("
                        + StoreRegistry.FRONT_PROPERTY + "=true)")) {
                    again[0] = context.getService(ref);
                    return again[0] != null && again[0].sessionExists("kept");
                }
            } catch (org.osgi.framework.InvalidSyntaxException | RuntimeException e) {
                return false; // not there yet, or still waiting for its backend
            }
            return false;
        });
        assertEquals("alice", again[0].getSession("kept").orElseThrow().username());
    }
}
