package org.sessionstore.benchmarks;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the memory benchmarks and prints each figure as a ratio against its baseline from the same
 * run: the store's get/add against a bare ConcurrentHashMap (1 and 2 threads), and the indexed
 * cleanExpired against a full scan; and a get through the published store (the registry's front)
 * against the same get on the backend directly.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar} (add {@code quick} for a shorter run).
 */
public final class MemoryReport {

    private MemoryReport() {
    }

    public static void main(String[] args) throws RunnerException {
        boolean quick = args.length > 0 && args[0].equals("quick");
        Map<String, Double> score = new HashMap<>();
        for (int threads : new int[] {1, 2}) {
            OptionsBuilder o = new OptionsBuilder();
            o.include("org.sessionstore.benchmarks.MemoryStoreBenchmark").threads(threads);
            if (quick) {
                o.warmupIterations(1).measurementIterations(2);
            }
            for (RunResult r : run(o.build())) {
                score.put(name(r) + "@" + threads, r.getPrimaryResult().getScore());
            }
        }
        OptionsBuilder c = new OptionsBuilder();
        c.include("org.sessionstore.benchmarks.CleanExpiredBenchmark");
        if (quick) {
            c.warmupIterations(2).measurementIterations(5);
        }
        for (RunResult r : run(c.build())) {
            score.put(name(r), r.getPrimaryResult().getScore());
        }

        System.out.println();
        System.out.println("== Memory store vs ConcurrentHashMap, 1,000,000 sessions (ops/us; ratio = store / map) ==");
        for (String op : new String[] {"Get", "Add"}) {
            for (int threads : new int[] {1, 2}) {
                double store = score.get("store" + op + "@" + threads);
                double map = score.get("map" + op + "@" + threads);
                System.out.printf("%-4s %d thread%s  store %8.2f  map %8.2f  ratio %.2f%n", op.toLowerCase(), threads,
                        threads == 1 ? " " : "s", store, map, store / map);
            }
        }
        System.out.println("== The published store (registry front + encryption layer, no key) vs the backend called directly ==");
        for (int threads : new int[] {1, 2}) {
            double front = score.get("frontGet@" + threads);
            double direct = score.get("storeGet@" + threads);
            System.out.printf("get  %d thread%s  front %8.2f  direct %8.2f  ratio %.2f%n", threads, threads == 1 ? " " : "s",
                    front, direct, front / direct);
        }
        System.out.println("== Events: an add through the published store with every event wanted (a handler counts them)"
                + " vs with none wanted ==");
        for (int threads : new int[] {1, 2}) {
            double heard = score.get("frontAddHeard@" + threads);
            double quiet = score.get("frontAdd@" + threads);
            System.out.printf("add  %d thread%s  heard %8.2f  quiet %8.2f  ratio %.2f%n", threads, threads == 1 ? " " : "s",
                    heard, quiet, heard / quiet);
        }
        double indexed = score.get("indexedClean");
        double scan = score.get("fullScanClean");
        System.out.println("== cleanExpired: 10,000 expired among 1,000,000 (ms per call; ratio = scan / indexed) ==");
        System.out.printf("indexed %.2f ms  full scan %.2f ms  ratio %.1fx%n", indexed, scan, scan / indexed);
    }

    private static Collection<RunResult> run(Options options) throws RunnerException {
        return new Runner(options).run();
    }

    private static String name(RunResult r) {
        String label = r.getParams().getBenchmark();
        return label.substring(label.lastIndexOf('.') + 1);
    }
}
