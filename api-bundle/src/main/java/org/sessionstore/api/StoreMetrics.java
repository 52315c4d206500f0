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

    /**
     * One step of {@link #history()}: what the type served then did in it.
     *
     * @param endMillis when the step ended (epoch milliseconds)
     * @param type the store type served at the end of the step
     * @param calls the calls made in the step, every operation
     * @param failures the calls of the step that failed, every kind
     * @param p99Millis the latency under which 99% of the step's timed calls fell (an estimate from
     *        above, the histogram bucket's bound), or {@code NaN} when none was timed
     * @since 1.6
     */
    record Sample(long endMillis, String type, long calls, long failures, double p99Millis) {
    }

    /**
     * The last minutes in steps ({@code 10 s} in the registry, up to {@code 10 min}), oldest first:
     * for a page's chart of calls and latency. Empty until the first step ends.
     *
     * @return the steps, oldest first
     * @since 1.6
     */
    default java.util.List<Sample> history() {
        return java.util.List.of();
    }
}
