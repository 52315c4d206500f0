package org.sessionstore.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The registry's metrics, a service the registry bundle publishes (one per framework): for each
 * operation and store type the calls, their failures by kind, the hits and misses of
 * {@code getSession} and of state validation, and a latency histogram; the live sessions and
 * states (read through the store's index, cached, never a scan per scrape), the swaps, the events
 * dropped, the sessions removed by reason. Never a token, a session id or a subject.
 *
 * @since 1.6
 */
@ProviderType
public interface StoreMetrics {

    /** The media type of {@link #prometheus()}. */
    String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * Every metric in the Prometheus text exposition format 0.0.4, named {@code sessionstore_…}
     * with help texts, as an HTTP scrape returns it.
     *
     * @return the text
     */
    String prometheus();

    /**
     * The figures of the type served now in a few rows, for a shell's {@code info} or a page: name →
     * one line (for example {@code calls} → {@code get 1,234 (98% hits), add 56}). Rows with nothing
     * to say yet are left out.
     *
     * @return the rows, in order
     */
    java.util.Map<String, String> summary();
}
