package org.sessionstore.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The pom a backend author copies (examples/file-store, no parent) cannot pass by accident with
 * plain Maven 3.8: its defaults (compiler 3.1 targeting Java 5, surefire 2.12 that sees no JUnit 5
 * test and reports success) are overridden, and a build that runs no test fails. The reactor builds
 * that pom as it is and runs its 30 contract tests; this checks the guards stay in it.
 */
class AuthorPomTest {

    private static final Path POM = Path.of("../examples/file-store/pom.xml");

    @Test
    void theAuthorsPomPinsWhatMaven38GetsWrong() throws Exception {
        String pom = Files.readString(POM);
        assertTrue(pom.contains("<maven.compiler.release>17</maven.compiler.release>"), "Java 17 release");
        assertTrue(version(pom, "maven-compiler-plugin").compareTo("3.13") >= 0, "compiler plugin pinned");
        String surefire = version(pom, "maven-surefire-plugin");
        assertTrue(Integer.parseInt(surefire.split("\\.")[0]) >= 3, "surefire 3 or later runs JUnit 5: " + surefire);
        assertTrue(pom.matches("(?s).*maven-surefire-plugin.*<failIfNoTests>true</failIfNoTests>.*"),
                "a build that runs no test fails");
        assertTrue(pom.contains("<artifactId>junit-bom</artifactId>"), "the JUnit the testkit was built with");
        String reactor = Files.readString(Path.of("../pom.xml"));
        assertEquals(property(reactor, "junit5.version"), property(pom, "junit.version"),
                "the example names the JUnit the testkit is built with");
    }

    private static String version(String pom, String artifact) {
        Matcher m = Pattern.compile("<artifactId>" + artifact + "</artifactId><version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find(), artifact + " has no version in " + POM);
        return m.group(1);
    }

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
        assertTrue(m.find(), name + " is not set");
        return m.group(1);
    }
}
