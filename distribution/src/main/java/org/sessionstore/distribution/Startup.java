package org.sessionstore.distribution;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * The packed bundles' start levels, read from {@code startup.properties} beside the launcher (as
 * Karaf's {@code etc/startup.properties}): one {@code file.jar = level} per line, installed in the
 * order listed, started level by level when the framework starts. A packed jar that is not listed
 * is installed after the listed ones, at the last level.
 */
final class Startup {

    private final Map<String, Integer> levels;
    private final int last;

    private Startup(Map<String, Integer> levels) {
        this.levels = levels;
        this.last = levels.values().stream().mapToInt(Integer::intValue).max().orElse(1);
    }

    static Startup read() throws IOException {
        Map<String, Integer> levels = new LinkedHashMap<>();
        try (InputStream in = Startup.class.getResourceAsStream("/startup.properties")) {
            if (in == null) {
                throw new IOException("startup.properties is missing from the launcher; rebuild the distribution");
            }
            int n = 0;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                n++;
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                String[] kv = l.split("\\s*=\\s*", 2);
                try {
                    levels.put(kv[0], Integer.parseInt(kv[1]));
                } catch (RuntimeException e) {
                    throw new IOException("startup.properties line " + n + ": expected 'file.jar = level', got '" + l + "'");
                }
            }
        }
        return new Startup(levels);
    }

    /** The framework's start level at launch is the last one; what is installed later (deploy/) joins it. */
    Map<String, String> frameworkProperties() {
        return Map.of(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, String.valueOf(last),
                "felix.startlevel.bundle", String.valueOf(last));
    }

    /**
     * Copies the jars of {@code packed} to {@code target} and installs them from there, in the
     * listed order, each at its level and marked to start (fragments are only installed; the {@code held} jars are not installed at all: the Web Console
     * without its password).
     */
    List<Bundle> install(BundleContext context, Path packed, Path target, Set<String> held) throws IOException, BundleException {
        Files.createDirectories(target);
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(packed)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).sorted().forEach(names::add);
        }
        List<String> order = new ArrayList<>(levels.keySet());
        order.retainAll(names);
        names.stream().filter(n -> !levels.containsKey(n)).forEach(order::add);
        List<Bundle> bundles = new ArrayList<>();
        order.removeAll(held);
        for (String name : order) {
            Path dest = target.resolve(name);
            try (InputStream in = Files.newInputStream(packed.resolve(name))) {
                Files.copy(in, dest, StandardCopyOption.REPLACE_EXISTING);
            }
            Bundle b = context.installBundle(dest.toUri().toString());
            b.adapt(BundleStartLevel.class).setStartLevel(levels.getOrDefault(name, last));
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null && !held.contains(name)) {
                b.start(Bundle.START_ACTIVATION_POLICY);
            }
            bundles.add(b);
        }
        return bundles;
    }
}
