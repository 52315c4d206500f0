package org.sessionstore.itests;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.maven;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

import java.security.PrivilegedExceptionAction;

import javax.inject.Inject;
import javax.security.auth.Subject;

import org.apache.karaf.jaas.boot.principal.RolePrincipal;
import org.apache.karaf.jaas.boot.principal.UserPrincipal;

import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Karaf 4.4: add the features repository this reactor built, install both features, and run the
 * sessionstore: commands through Karaf's own shell.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FeaturesKarafIT {

    @Inject
    private SessionFactory sessionFactory;

    @Configuration
    public Option[] config() {
        int port = DriverRedis.start();
        String repo = new File(System.getProperty("itest.reactor.repo")).toURI().toString();
        return options(
                karafDistributionConfiguration()
                        .frameworkUrl(maven().groupId("org.apache.karaf").artifactId("apache-karaf")
                                .version(System.getProperty("itest.karaf.version")).type("tar.gz"))
                        .unpackDirectory(new File("target/karaf"))
                        .useDeployFolder(false),
                configureConsole().ignoreLocalConsole().ignoreRemoteShell(),
                keepRuntimeFolder(),
                logLevel(LogLevel.WARN),
                editConfigurationFilePut("etc/org.ops4j.pax.url.mvn.cfg", "org.ops4j.pax.url.mvn.defaultRepositories",
                        repo + "@id=reactor@snapshots, file:${karaf.home}/${karaf.default.repository}@id=system.repository@snapshots"),
                systemProperty("itest.redis.port").value(Integer.toString(port)),
                systemProperty("itest.version").value(System.getProperty("itest.version")));
    }

    /** Runs one command in a Karaf shell session and returns what it printed and returned. */
    private String run(String command) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Session session = sessionFactory.create(new ByteArrayInputStream(new byte[0]), out, out);
        try {
            // as the admin user a person logged in as: Karaf hides secured commands (feature:install) otherwise
            Subject admin = new Subject();
            admin.getPrincipals().add(new UserPrincipal("karaf"));
            admin.getPrincipals().add(new RolePrincipal("admin"));
            Object result = Subject.doAs(admin, (PrivilegedExceptionAction<Object>) () -> session.execute(command));
            if (result != null) {
                out.println(result);
            }
        } catch (Exception e) {
            out.println("error: " + e.getMessage());
        } finally {
            session.close();
        }
        out.flush();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private String poll(String command, Predicate<String> until) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        String got = "";
        while (System.currentTimeMillis() < deadline) {
            got = run(command);
            if (until.test(got)) {
                return got;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("'" + command + "' never printed what was expected; last output:\n" + got);
    }

    @Test
    public void featuresInstallAndTheCommandsRunInKarafsShell() throws Exception {
        String version = System.getProperty("itest.version");
        String port = System.getProperty("itest.redis.port");
        // Karaf registers its commands while it starts: wait for them
        poll("feature:list -i", out -> !out.contains("Command not found"));
        String added = run("feature:repo-add mvn:org.sessionstore/distribution/" + version + "/xml/features");
        assertTrue(added, !added.contains("error"));
        String installed = poll("feature:install session-store session-store-redis",
                out -> !out.contains("Command not found"));
        assertTrue(installed, !installed.contains("error"));

        String types = poll("sessionstore:types", out -> out.contains("memory") && out.contains("redis"));
        assertTrue(types, types.matches("(?s).*\\* memory +org\\.sessionstore\\.memory.*"));
        assertTrue(types, types.matches("(?s).*  redis +org\\.sessionstore\\.redis.*"));

        String use = run("sessionstore:use redis addr=127.0.0.1:" + port + " ttl=1h");
        assertTrue(use, use.contains("active store: redis"));
        run("sessionstore:add k1 karaf 5m");
        String get = run("sessionstore:get k1");
        assertTrue(get, get.matches("(?s).*username +karaf.*"));
        // issue 18: Karaf's help runs a command with --help; it must show the usage and touch nothing
        String help = run("help sessionstore:delete") + run("help sessionstore:use") + run("help sessionstore:get")
                + run("help sessionstore:revoke") + run("sessionstore:delete --help") + run("sessionstore:add --help")
                + run("sessionstore:count --help");
        for (String command : new String[] {"delete ID", "add [--access-token", "count:"}) {
            assertTrue(help, help.contains("usage: sessionstore:" + command));
        }
        assertFalse(help, help.contains("Cannot coerce") || help.contains("no session '--help'"));
        get = run("sessionstore:get k1");
        assertTrue("help deleted nothing: " + get, get.matches("(?s).*username +karaf.*"));
        String info = run("sessionstore:info");
        assertFalse(info, info.contains("refused"));
        assertTrue(info, info.matches("(?s)type +redis.*state +ACTIVE.*"));
        assertTrue(info, info.matches("(?s).*redis +one server at 127\\.0\\.0\\.1:" + port + ".*"));

        // the jdbc backend with its driver, as a feature: listed once the driver's DataSourceFactory is up
        String jdbc = poll("feature:install session-store-jdbc", out -> !out.contains("Command not found"));
        assertTrue(jdbc, !jdbc.contains("error"));
        types = poll("sessionstore:types", out -> out.contains("jdbc"));
        assertTrue(types, types.matches("(?s).*  jdbc +org\\.sessionstore\\.jdbc.*"));
        String keys = run("sessionstore:types -v");
        assertTrue(keys, keys.matches("(?s).*table_prefix +sessionstore_ .*"));
        assertTrue(keys, keys.matches("(?s).*cluster_nodes +\\(none\\) .*"));

        // the Felix Health Check, as a feature
        String hc = poll("feature:install session-store-healthcheck", out -> !out.contains("Command not found"));
        assertTrue(hc, !hc.contains("rror"));
        String services = poll("service:list org.apache.felix.hc.api.HealthCheck", out -> out.contains("sessionstore"));
        assertTrue(services, services.matches("(?s).*hc\\.tags = \\[?sessionstore\\]?.*"));
        String health = run("sessionstore:health");
        assertTrue(health, health.matches("(?s).*OK redis ACTIVE, probe [0-9.]+ ms.*"));
    }
}
