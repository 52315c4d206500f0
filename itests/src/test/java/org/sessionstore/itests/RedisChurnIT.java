package org.sessionstore.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.sessionstore.api.Session;

/**
 * Leaks and churn: the redis bundle installed, started, configured, used and uninstalled 50
 * times in one framework leaves no thread, no Redis connection and no class loader behind.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RedisChurnIT extends RedisTestSupport {

    static final int ROUNDS = 50;

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .collect(Collectors.toSet());
    }

    @Test
    public void fiftyRoundsLeaveNothingBehind() throws Exception {
        int port = Integer.getInteger("itest.redis.port");
        String location = System.getProperty("itest.redis.bundle");
        int clientsBefore = Resp.clients(port);
        Set<String> threadsBefore = threadNames();
        List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            Bundle redis = context.installBundle(location);
            redis.start();
            loaders.add(new WeakReference<>(redis.adapt(BundleWiring.class).getClassLoader()));
            await("redis listed", Duration.ofSeconds(10), () -> typeAvailable("redis"));
            configure("redis", "addr", "127.0.0.1:" + port, "swap_timeout", "100ms", "pool_size", "4");
            Instant now = Instant.now();
            store.addSession(new Session("churn-" + round, "u", "s", now, now.plusSeconds(60), null, null, null));
            assertTrue(store.sessionExists("churn-" + round));
            // a state is written as JSON (Jackson) on this thread, which outlives every revision: its
            // buffers must not keep the revision (they did, in a ThreadLocal, softly: an hour's soak)
            store.addStateEntry("churn-state-" + round, "ua", "https://app/", "http://up", "v");
            assertTrue(store.validateAndRemoveState("churn-state-" + round, "ua").isPresent());
            redis.uninstall();
            refresh(redis);
        }
        configure("memory", "swap_timeout", "1s");

        await("redis connections released", Duration.ofSeconds(10), () -> {
            try {
                return Resp.clients(port) == clientsBefore;
            } catch (IOException e) {
                return false;
            }
        });
        Set<String> leftover = threadNames();
        leftover.removeAll(threadsBefore);
        leftover.removeIf(n -> n.startsWith("sessionstore-memory-clock") || n.startsWith("pool-")
                || n.startsWith("ForkJoinPool") || n.startsWith("Reference Handler") || n.startsWith("Attach"));
        assertEquals("threads left by the redis bundle", Set.of(), leftover);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int alive = ROUNDS;
        while (System.nanoTime() < deadline) {
            System.gc();
            alive = (int) loaders.stream().filter(r -> r.get() != null).count();
            if (alive == 0) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals("class loaders of uninstalled redis revisions still reachable", 0, alive);
    }

    private void refresh(Bundle b) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(b), event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        assertTrue("refresh did not finish", done.await(30, TimeUnit.SECONDS));
    }
}
