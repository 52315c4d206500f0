package org.sessionstore.registry.metrics;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.TreeMap;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** {@link MetricsMXBean} over {@link Metrics}; registered by the registry while it runs. */
public final class MetricsBean implements MetricsMXBean {

    /** Its name on the platform MBean server. */
    public static final String NAME = "org.sessionstore:type=Metrics";

    private static final System.Logger LOG = System.getLogger("org.sessionstore.registry");

    private final Metrics metrics;

    MetricsBean(Metrics metrics) {
        this.metrics = metrics;
    }

    /**
     * Registers the bean (replacing one left by an earlier instance of the registry, as after an
     * update of its bundle); returns its name, or null if JMX refused it (said once in the log).
     */
    public static ObjectName register(Metrics metrics) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(NAME);
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(new MetricsBean(metrics), name);
            return name;
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the session store metrics are not on JMX (" + e + "); /metrics and"
                    + " sessionstore:info still show them");
            return null;
        }
    }

    public static void unregister(ObjectName name) {
        if (name != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
            } catch (JMException | RuntimeException e) {
                // gone already
            }
        }
    }

    @Override
    public String getStoreType() {
        return metrics.currentType();
    }

    @Override
    public long getLiveSessions() {
        return metrics.liveSessions();
    }

    @Override
    public long getLiveStates() {
        return metrics.liveStates();
    }

    @Override
    public long getSwaps() {
        return metrics.swaps();
    }

    @Override
    public long getEventsDropped() {
        return metrics.droppedEvents();
    }

    @Override
    public Map<String, Long> getCalls() {
        Map<String, Long> out = new TreeMap<>();
        for (Op op : Op.ALL) {
            out.put(op.label, metrics.stats(metrics.currentType(), op).calls());
        }
        return out;
    }

    @Override
    public Map<String, Long> getFailures() {
        Map<String, Long> out = new TreeMap<>();
        for (Op op : Op.ALL) {
            out.put(op.label, metrics.stats(metrics.currentType(), op).failures());
        }
        return out;
    }

    @Override
    public Map<String, Double> getP99Millis() {
        Map<String, Double> out = new TreeMap<>();
        for (Op op : Op.ALL) {
            double q = metrics.stats(metrics.currentType(), op).quantile(0.99);
            if (!Double.isNaN(q)) {
                out.put(op.label, q * 1000);
            }
        }
        return out;
    }

    @Override
    public Map<String, Long> getSessionsRemoved() {
        return new TreeMap<>(metrics.removed().getOrDefault(metrics.currentType(), Map.of()));
    }
}
