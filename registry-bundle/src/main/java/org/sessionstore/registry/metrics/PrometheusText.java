package org.sessionstore.registry.metrics;

import java.math.BigDecimal;
import java.util.Map;

/**
 * {@link Metrics} in the Prometheus text exposition format 0.0.4: {@code sessionstore_} names,
 * base units (seconds), {@code _total} counters, one {@code # HELP} and {@code # TYPE} per family.
 * An operation appears once it was called on a type; failures list every kind (zeros included) so
 * that a rate over them is defined from the first failure on.
 */
final class PrometheusText {

    private PrometheusText() {
    }

    static String render(Metrics m) {
        StringBuilder out = new StringBuilder(8192);
        Map<String, OpStats[]> types = m.byType();

        family(out, "sessionstore_calls_total", "counter", "Calls to the session store, by store type and operation.");
        forEachCalled(types, (type, op, s) -> sample(out, "sessionstore_calls_total", labels(type, op), s[OpStats.CALLS]));

        family(out, "sessionstore_call_failures_total", "counter", "Calls that failed, by kind: unavailable (the backend is"
                + " down or timed out), full (a limit refused it), invalid (a bad argument), unsupported (the backend is too"
                + " old), other.");
        forEachCalled(types, (type, op, s) -> {
            for (int k = 0; k < OpStats.KINDS.length; k++) {
                sample(out, "sessionstore_call_failures_total", labels(type, op) + ",kind=\"" + OpStats.KINDS[k] + "\"",
                        s[OpStats.FAILURES + k]);
            }
        });

        family(out, "sessionstore_get_results_total", "counter", "Answers of getSession: hit (a live session) or miss.");
        types.forEach((type, stats) -> {
            long[] s = stats[Op.GET.ordinal()].sums();
            if (s[OpStats.CALLS] > 0) {
                String t = "store_type=\"" + escape(type) + "\",result=";
                sample(out, "sessionstore_get_results_total", t + "\"hit\"", s[OpStats.HITS]);
                sample(out, "sessionstore_get_results_total", t + "\"miss\"", s[OpStats.MISSES]);
            }
        });

        family(out, "sessionstore_state_validations_total", "counter", "Answers of validateAndRemoveState: hit (the state was"
                + " there and fresh), miss (none, or too old), mismatch (another User-Agent: refused, the state is gone).");
        types.forEach((type, stats) -> {
            long[] s = stats[Op.VALIDATE_STATE.ordinal()].sums();
            if (s[OpStats.CALLS] > 0) {
                String t = "store_type=\"" + escape(type) + "\",result=";
                sample(out, "sessionstore_state_validations_total", t + "\"hit\"", s[OpStats.HITS]);
                sample(out, "sessionstore_state_validations_total", t + "\"miss\"", s[OpStats.MISSES]);
                sample(out, "sessionstore_state_validations_total", t + "\"mismatch\"", s[OpStats.MISMATCHES]);
            }
        });

        family(out, "sessionstore_call_duration_seconds", "histogram", "Latency of the timed calls, by store type and operation:"
                + " every call once calls take over 20 us (a remote backend), else one in " + OpStats.SAMPLE + " per thread.");
        forEachCalled(types, (type, op, s) -> {
            String l = labels(type, op);
            long cumulative = 0;
            for (int i = 0; i < OpStats.BOUNDS.length; i++) {
                cumulative += s[OpStats.BUCKETS + i];
                sample(out, "sessionstore_call_duration_seconds_bucket", l + ",le=\"" + plain(OpStats.BOUNDS[i]) + "\"",
                        cumulative);
            }
            cumulative += s[OpStats.BUCKETS + OpStats.BOUNDS.length];
            sample(out, "sessionstore_call_duration_seconds_bucket", l + ",le=\"+Inf\"", cumulative);
            out.append("sessionstore_call_duration_seconds_sum{").append(l).append("} ")
                    .append(plain(s[OpStats.NANOS] / 1e9)).append('\n');
            sample(out, "sessionstore_call_duration_seconds_count", l, cumulative);
        });

        String served = "store_type=\"" + escape(m.currentType()) + "\"";
        long sessions = m.liveSessions();
        family(out, "sessionstore_sessions", "gauge", "Live sessions of the store served now (its own count through its"
                + " index, read at most every 10 s); absent while none serves.");
        if (sessions >= 0) {
            sample(out, "sessionstore_sessions", served, sessions);
        }
        long states = m.liveStates();
        family(out, "sessionstore_states", "gauge", "Live states of the store served now (read at most every 10 s); absent"
                + " while none serves or its backend cannot count them.");
        if (states >= 0) {
            sample(out, "sessionstore_states", served, states);
        }

        family(out, "sessionstore_sessions_removed_total", "counter", "Sessions removed before or at their end, by reason:"
                + " revoked (by subject), sid (back-channel logout), limit (max_sessions_per_subject), idle (idle_timeout),"
                + " ttl (cleaned at their end).");
        m.removed().forEach((type, reasons) -> reasons.forEach((reason, n) -> sample(out,
                "sessionstore_sessions_removed_total", "store_type=\"" + escape(type) + "\",reason=\"" + reason + "\"", n)));

        family(out, "sessionstore_swaps_total", "counter", "Swaps: a store started serving behind the front (start, use, a"
                + " new configuration, an upgrade).");
        out.append("sessionstore_swaps_total ").append(m.swaps()).append('\n');
        family(out, "sessionstore_events_dropped_total", "counter", "Events dropped because the event queue was full (a"
                + " slow event handler).");
        out.append("sessionstore_events_dropped_total ").append(m.droppedEvents()).append('\n');
        nearCache(out, org.sessionstore.registry.near.NearCache.openFigures());
        return out.toString();
    }

    /** The near caches open now (one, serving; two during a swap), summed; nothing when none is on. */
    private static void nearCache(StringBuilder out, double[] f) {
        if (f == null) {
            return;
        }
        family(out, "sessionstore_near_cache_gets_total", "counter", "getSession through the near cache: hit (from memory)"
                + " or miss (from the store).");
        sample(out, "sessionstore_near_cache_gets_total", "result=\"hit\"", (long) f[0]);
        sample(out, "sessionstore_near_cache_gets_total", "result=\"miss\"", (long) f[1]);
        family(out, "sessionstore_near_cache_invalidations_total", "counter", "Changes other nodes told of on the channel.");
        out.append("sessionstore_near_cache_invalidations_total ").append((long) f[2]).append('\n');
        family(out, "sessionstore_near_cache_lag_p99_seconds", "gauge", "How long the channel's messages took to arrive, 99th"
                + " percentile (an upper bound; absent before the first).");
        if (!Double.isNaN(f[3])) {
            out.append("sessionstore_near_cache_lag_p99_seconds ").append(Double.isInfinite(f[3]) ? "+Inf" : f[3] / 1000)
                    .append('\n');
        }
        family(out, "sessionstore_near_cache_up", "gauge", "1 when the channel is up and the near cache serves from memory;"
                + " 0 while it is down (everything goes to the store).");
        out.append("sessionstore_near_cache_up ").append((long) f[4]).append('\n');
    }

    private interface Each {
        void accept(String type, Op op, long[] sums);
    }

    private static void forEachCalled(Map<String, OpStats[]> types, Each each) {
        types.forEach((type, stats) -> {
            for (Op op : Op.ALL) {
                long[] s = stats[op.ordinal()].sums();
                if (s[OpStats.CALLS] > 0) {
                    each.accept(type, op, s);
                }
            }
        });
    }

    private static void family(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, long value) {
        out.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    private static String labels(String type, Op op) {
        return "store_type=\"" + escape(type) + "\",op=\"" + op.label + "\"";
    }

    /** A label value as the format wants it: backslash, double quote and line feed escaped. */
    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String plain(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
