package org.sessionstore.benchmarks;

import java.util.HashMap;
import java.util.Map;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * What the metrics cost a call: {@link MetricsBenchmark} with 1 and 2 threads, each figure as the
 * ratio of the metered call to the same call through the front alone, measured in the same run.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar org.sessionstore.benchmarks.MetricsReport}
 * (about 3 minutes; add {@code quick} for a rough one).
 */
public final class MetricsReport {

    private MetricsReport() {
    }

    public static void main(String[] args) throws RunnerException {
        boolean quick = args.length > 0 && args[0].equals("quick");
        Map<String, Double> score = new HashMap<>();
        for (int threads : new int[] {1, 2}) {
            OptionsBuilder o = new OptionsBuilder();
            o.include("org.sessionstore.benchmarks.MetricsBenchmark").threads(threads);
            if (quick) {
                o.warmupIterations(1).measurementIterations(2);
            }
            for (RunResult r : new Runner(o.build()).run()) {
                String label = r.getParams().getBenchmark();
                score.put(label.substring(label.lastIndexOf('.') + 1) + "@" + threads, r.getPrimaryResult().getScore());
            }
        }
        System.out.println();
        System.out.println("== Metrics: the published store with its metrics vs the front alone, memory store of 1,000,000"
                + " (ops/us; ratio = metered / front, 1.00 = free) ==");
        for (String op : new String[] {"Get", "Add"}) {
            for (int threads : new int[] {1, 2}) {
                double metered = score.get("metered" + op + "@" + threads);
                double front = score.get("front" + op + "@" + threads);
                System.out.printf("%-4s %d thread%s  metered %8.2f  front %8.2f  ratio %.3f  (cost %.1f%%)%n",
                        op.toLowerCase(), threads, threads == 1 ? " " : "s", metered, front, metered / front,
                        100 * (1 - metered / front));
            }
        }
    }
}
