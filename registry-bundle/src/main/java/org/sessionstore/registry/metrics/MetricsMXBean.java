package org.sessionstore.registry.metrics;

import java.util.Map;

/**
 * The registry's metrics over JMX, as {@code org.sessionstore:type=Metrics} on the platform MBean
 * server ({@link MetricsBean}): the figures of the store type served now. JConsole, VisualVM or a
 * JMX exporter read them; Prometheus reads {@code /metrics} instead.
 */
public interface MetricsMXBean {

    /** @return the type served now */
    String getStoreType();

    /** @return live sessions (read at most every 10 s), -1 while no store serves */
    long getLiveSessions();

    /** @return live states (read at most every 10 s), -1 when unknown */
    long getLiveStates();

    /** @return swaps since the registry started */
    long getSwaps();

    /** @return events dropped because the queue was full */
    long getEventsDropped();

    /** @return calls by operation, of the type served now */
    Map<String, Long> getCalls();

    /** @return failed calls by operation (every kind), of the type served now */
    Map<String, Long> getFailures();

    /** @return the 99th percentile latency in milliseconds by operation (the upper bound of its bucket) */
    Map<String, Double> getP99Millis();

    /** @return sessions removed by reason (revoked, sid, limit, idle, ttl), of the type served now */
    Map<String, Long> getSessionsRemoved();
}
