package org.sessionstore.benchmarks;

import java.util.HashMap;
import java.util.Map;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Prints what token encryption costs, as ratios against the same store without it in the same
 * run: {@code java -cp benchmarks/target/benchmarks.jar org.sessionstore.benchmarks.EncryptionReport [quick]}.
 */
public final class EncryptionReport {

    private EncryptionReport() {
    }

    public static void main(String[] args) throws RunnerException {
        OptionsBuilder o = new OptionsBuilder();
        o.include("org.sessionstore.benchmarks.EncryptionBenchmark").threads(1);
        if (args.length > 0 && args[0].equals("quick")) {
            o.warmupIterations(1).measurementIterations(2);
        }
        Map<String, Double> score = new HashMap<>();
        for (RunResult r : new Runner(o.build()).run()) {
            String label = r.getParams().getBenchmark();
            score.put(label.substring(label.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
        }
        System.out.println();
        System.out.println("== Token encryption (AES-256-GCM, 3 tokens a session), memory store, 1 thread (ops/us;"
                + " ratio = encrypted / plain) ==");
        for (String op : new String[] {"Get", "Add"}) {
            double plain = score.get("plain" + op);
            double encrypted = score.get("encrypted" + op);
            System.out.printf("%-4s plain %8.3f  encrypted %8.3f  ratio %.3f  (%.2f us more a call)%n", op.toLowerCase(),
                    plain, encrypted, encrypted / plain, 1 / encrypted - 1 / plain);
        }
    }
}
