package org.sessionstore.itests;

import static org.junit.Assert.assertEquals;
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

    private static final int WEB_PORT = freePort();
    private static final String WEB_PASSWORD = "Karaf-Console-Pw-7";

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Configuration
    public Option[] config() {
        int port = DriverRedis.start();
        DriverSsh ssh = DriverSsh.create();
        String repo = new File(System.getProperty("itest.reactor.repo")).toURI().toString();
        return options(
                karafDistributionConfiguration()
                        .frameworkUrl(maven().groupId("org.apache.karaf").artifactId("apache-karaf")
                                .version(System.getProperty("itest.karaf.version")).type("tar.gz"))
                        .unpackDirectory(new File("target/karaf"))
                        .useDeployFolder(false),
                // Karaf's SSH server on a free loopback port, with a key of the test's own (issue 18: exec mode)
                configureConsole().ignoreLocalConsole(),
                editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", Integer.toString(ssh.port())),
                editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshHost", "127.0.0.1"),
                editConfigurationFilePut("etc/keys.properties", "karaf", ssh.publicKey() + ",_g_:admingroup"),
                systemProperty("itest.ssh.port").value(Integer.toString(ssh.port())),
                systemProperty("itest.ssh.key").value(ssh.privateKey()),
                // Karaf's Web Console (Pax Web) on a free loopback port, its admin user with a password of the test's
                editConfigurationFilePut("etc/org.ops4j.pax.web.cfg", "org.osgi.service.http.port", Integer.toString(WEB_PORT)),
                editConfigurationFilePut("etc/org.ops4j.pax.web.cfg", "org.ops4j.pax.web.listening.addresses", "127.0.0.1"),
                editConfigurationFilePut("etc/users.properties", "webadmin", WEB_PASSWORD + ",admin"),
                systemProperty("itest.web.port").value(Integer.toString(WEB_PORT)),
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
            out.println("error: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                out.println("  cause: " + c);
            }
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
        // issue 18: Karaf's help ran a command with --help as its argument; the commands are Karaf actions
        // now, whose help Karaf builds from their annotations without running them
        // ('help X' in a session with no terminal prints Karaf's empty COMMANDS header, for Karaf's own
        // commands too, such as 'help bundle:list'; at a terminal it shows what 'X --help' shows)
        String touched = run("help sessionstore:delete") + run("help sessionstore:use") + run("help sessionstore:get")
                + run("help sessionstore:revoke");
        assertFalse(touched, touched.contains("no session") || touched.contains("deleted") || touched.contains("revoked"));
        String help = run("sessionstore:delete --help") + run("sessionstore:use --help") + run("sessionstore:get --help")
                + run("sessionstore:revoke --help") + run("sessionstore:add --help") + run("sessionstore:count --help");
        for (String syntax : new String[] {"sessionstore:delete id", "sessionstore:use [options] type [settings]",
                "sessionstore:get id", "sessionstore:revoke [options] [sub]", "sessionstore:add [options] id username [ttl]",
                "sessionstore:count"}) {
            assertTrue(help, help.contains(syntax));
        }
        assertTrue(help, help.contains("--migrate") && help.contains("--access-token"));
        assertFalse(help, help.contains("Cannot coerce") || help.contains("no session '--help'")
                || help.contains("deleted session"));
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

        // issue 18: completion of types and of the keys of the type given before them
        assertEquals(java.util.List.of("redis"), complete("sessionstore:use re"));
        assertTrue(complete("sessionstore:use ").containsAll(java.util.List.of("jdbc", "memory", "redis")));
        java.util.List<String> completed = complete("sessionstore:use --migrate redis addr=x ti");
        assertEquals(completed.toString(), java.util.List.of("timeout="), completed);
        completed = complete("sessionstore:use jdbc ");
        assertTrue(completed.toString(), completed.contains("table_prefix=") && completed.contains("swap_timeout=") && !completed.contains("addr="));
        // the subjects of the active store (redis: SCAN), for sessions and revoke
        run("sessionstore:add k2 karla 5m");
        assertEquals(java.util.List.of("karaf", "karla"), complete("sessionstore:sessions kar"));
        assertEquals(java.util.List.of("karla"), complete("sessionstore:revoke --except k1 karl"));

        // issue 18: over SSH (exec mode, as a script or a liveness probe runs it) results print, and
        // CRITICAL health exits 1
        Exec count = ssh("sessionstore:count");
        assertEquals(count.toString(), 0, count.status);
        assertEquals(count.toString(), "2", count.out.strip());
        Exec ok = ssh("sessionstore:health");
        assertEquals(ok.toString(), 0, ok.status);
        assertTrue(ok.toString(), ok.out.matches("OK redis ACTIVE, probe [0-9.]+ ms\\s*"));
        Exec types2 = ssh("sessionstore:types");
        assertTrue(types2.toString(), types2.status == 0 && types2.out.contains("* redis"));
        Exec bad = ssh("sessionstore:get");
        assertEquals(bad.toString(), 1, bad.status);
        // issue 20: the Sessions page in Karaf's own Web Console (javax, Pax Web): it renders, behind Karaf's login
        String web = poll("feature:install session-store-webconsole", out -> !out.contains("Command not found"));
        assertTrue(web, !web.contains("rror"));
        String page = awaitPage("/system/console/sessions?subject=karla", "webadmin", WEB_PASSWORD);
        assertTrue(page, page.contains("id=\"ss-store\"") && page.contains("redis") && page.contains("org.sessionstore.redis"));
        assertTrue(page, page.contains("karla: 1 session") && page.contains(">k2<") && page.contains("name=\"csrf\""));
        assertEquals(401, webGet("/system/console/sessions", "webadmin", "wrong").status);

        // the server stops answering for longer than the store's timeout (2s): the probe fails
        try (java.net.Socket redis = new java.net.Socket("127.0.0.1", Integer.parseInt(port))) {
            redis.getOutputStream().write("CLIENT PAUSE 5000 ALL\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] reply = new byte[5];
            assertEquals(5, redis.getInputStream().readNBytes(reply, 0, 5));
            assertEquals("+OK\r\n", new String(reply, StandardCharsets.US_ASCII));
        }
        Exec critical = ssh("sessionstore:health");
        assertEquals(critical.toString(), 1, critical.status);
        assertTrue(critical.toString(), (critical.out + critical.err).contains("CRITICAL redis"));
    }

    /** What the command line's completion offers at its end, through Karaf's own completer of the command. */
    private java.util.List<String> complete(String line) throws Exception {
        Session session = sessionFactory.create(new ByteArrayInputStream(new byte[0]), System.out, System.err);
        try {
            // the line as Karaf's parser gives it to a command's completer: its words, the cursor in the last
            String[] words = (line.endsWith(" ") ? line + "\u0000" : line).split(" ");
            words[words.length - 1] = words[words.length - 1].replace("\u0000", "");
            org.apache.karaf.shell.support.parsing.CommandLineImpl cl = new org.apache.karaf.shell.support.parsing
                    .CommandLineImpl(words, words.length - 1, words[words.length - 1].length(), line.length(), line);
            String name = line.split(" ")[0];
            org.apache.karaf.shell.api.console.Command command = session.getRegistry().getCommand("sessionstore",
                    name.substring(name.indexOf(':') + 1));
            java.util.List<org.apache.karaf.shell.api.console.Candidate> found = new java.util.ArrayList<>();
            command.getCompleter(true).completeCandidates(session, cl, found);
            return found.stream().map(org.apache.karaf.shell.api.console.Candidate::value).sorted().toList();
        } finally {
            session.close();
        }
    }

    private record Web(int status, String body) {
    }

    /** GET on Karaf's HTTP port with Basic authentication. */
    private static Web webGet(String path, String user, String password) throws Exception {
        java.net.HttpURLConnection c = (java.net.HttpURLConnection) new java.net.URL("http://127.0.0.1:"
                + System.getProperty("itest.web.port") + path).openConnection();
        c.setConnectTimeout(5_000);
        c.setReadTimeout(30_000);
        c.setRequestProperty("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        int status = c.getResponseCode();
        java.io.InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();
        return new Web(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }

    /** The page once Pax Web and the console are up (they start after the feature is installed). */
    private static String awaitPage(String path, String user, String password) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        String last = "";
        while (System.currentTimeMillis() < deadline) {
            try {
                Web w = webGet(path, user, password);
                if (w.status == 200 && w.body.contains("ss-store")) {
                    return w.body;
                }
                last = w.status + " " + w.body;
            } catch (java.io.IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no Sessions page in Karaf in 120 s; last answer: " + last);
    }

    /** An ssh exec's exit status and output. */
    private record Exec(int status, String out, String err) {
        @Override
        public String toString() {
            return "exit " + status + "\nout: " + out + "\nerr: " + err;
        }
    }

    /** Runs COMMAND with the ssh client as a user would, in exec mode (no terminal). */
    private Exec ssh(String command) throws Exception {
        Process p = new ProcessBuilder("ssh", "-T", "-i", System.getProperty("itest.ssh.key"), "-p",
                System.getProperty("itest.ssh.port"), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "karaf@127.0.0.1", command).redirectInput(
                        ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        java.util.concurrent.CompletableFuture<String> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new Exec(p.exitValue(), out, err.get());
    }
}
