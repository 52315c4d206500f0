package org.sessionstore.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;

/** The packed bundles' start list: every jar the build packs has a level chosen for it. */
class StartupIT {

    /** A bundle added to the distribution's pom must be given its level in startup.properties on purpose. */
    @Test
    void everyPackedBundleIsListedWithItsLevel() throws Exception {
        Path bundles = Path.of("target/classes/bundles");
        assertTrue(Files.isDirectory(bundles), "an integration test: runs after package: " + bundles.toAbsolutePath());
        String list = new String(StartupIT.class.getResourceAsStream("/startup.properties").readAllBytes());
        List<String> missing;
        try (Stream<Path> jars = Files.list(bundles)) {
            missing = jars.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar"))
                    .filter(n -> !list.contains("\n" + n + " = ")).toList();
        }
        assertEquals(List.of(), missing, "packed but not listed in src/main/resources/startup.properties");
        Startup startup = Startup.read();
        // the last level: 5, the Web Console's (after FileInstall gave ConfigAdmin its configuration)
        assertEquals("5", startup.frameworkProperties().get(Constants.FRAMEWORK_BEGINNING_STARTLEVEL));
    }
}
