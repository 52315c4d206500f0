package org.sessionstore.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.OptionUtils.combine;

import java.time.Duration;
import java.util.Collection;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * The Felix Health Check of the healthcheck bundle in a real Felix with the Felix Health Check API
 * bundle: found by its tag, OK while memory serves, WARN while the memory bundle is stopped (the
 * store waits for its type), OK again once it is back.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HealthCheckIT extends StoreTestSupport {

    @Override
    protected Option[] examOptions() {
        return combine(super.examOptions(),
                bundle(containerBundle("org.apache.felix.healthcheck.api")),
                bundle(reactorBundle("healthcheck-bundle")));
    }

    private Result check() throws Exception {
        Collection<ServiceReference<HealthCheck>> refs = context.getServiceReferences(HealthCheck.class,
                "(" + HealthCheck.TAGS + "=sessionstore)");
        assertEquals("one health check tagged sessionstore", 1, refs.size());
        ServiceReference<HealthCheck> ref = refs.iterator().next();
        try {
            return context.getService(ref).execute();
        } finally {
            context.ungetService(ref);
        }
    }

    @Test
    public void healthFollowsTheStore() throws Exception {
        await("health check published", Duration.ofSeconds(10), () -> {
            try {
                return !context.getServiceReferences(HealthCheck.class, "(" + HealthCheck.TAGS + "=sessionstore)").isEmpty();
            } catch (Exception e) {
                return false;
            }
        });
        Result ok = check();
        assertEquals(ok.toString(), Result.Status.OK, ok.getStatus());
        assertTrue(ok.toString(), ok.toString().contains("OK memory ACTIVE, probe"));

        Bundle memory = installed("org.sessionstore.memory");
        memory.stop();
        try {
            await("store waiting", Duration.ofSeconds(10), () -> registry.status().state().name().equals("WAITING"));
            Result waiting = check();
            assertEquals(waiting.toString(), Result.Status.WARN, waiting.getStatus());
            assertTrue(waiting.toString(), waiting.toString().contains("no bundle provides type 'memory'"));
        } finally {
            memory.start();
        }
        await("store back", Duration.ofSeconds(10), () -> registry.status().state().name().equals("ACTIVE"));
        assertEquals(Result.Status.OK, check().getStatus());
    }
}
