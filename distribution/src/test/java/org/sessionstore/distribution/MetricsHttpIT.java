package org.sessionstore.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sessionstore.testkit.redis.RedisServer;

/**
 * {@code /metrics} of the real jar, read with a real HTTP client: off until a port is given; while
 * load runs through the console, scrapes answer, and afterwards the counters have grown by exactly
 * the calls made; a Redis outage shows as failures (and in the health verdict); with a token
 * configured (by reference, as a secret) a scrape without it is refused.
 */
class MetricsHttpIT {

    @TempDir
    Path home;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(int port, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Scrapes until the server answers 200 (Jetty starts with the other bundles). */
    private String awaitMetrics(int port, String auth) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                HttpResponse<String> r = get(port, auth);
                if (r.statusCode() == 200) {
                    return r.body();
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("no /metrics on port " + port + " in 60 s");
            }
            Thread.sleep(200);
        }
    }

    static long value(String text, String sample) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(text);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void countersGrowByExactlyTheCallsMadeWhileScrapesRunAndAnOutageShows() throws Exception {
        int port = RunningJar.freePort();
        // the Web Console too, to see the outage on the Sessions page
        Path secrets = Files.createDirectories(home.resolve("etc/secrets"));
        Files.writeString(secrets.resolve("webconsole_password"), "Pw-Metrics-IT-5");
        try (RedisServer redis = new RedisServer();
                RunningJar jar = new RunningJar(home, "-Dorg.osgi.service.http.port=" + port)) {
            jar.poll("sessionstore:count", out -> out.contains("0"), 60_000);
            String before = awaitMetrics(port, null);
            String add = "sessionstore_calls_total{store_type=\"memory\",op=\"add\"}";
            String getCalls = "sessionstore_calls_total{store_type=\"memory\",op=\"get\"}";
            String hits = "sessionstore_get_results_total{store_type=\"memory\",result=\"hit\"}";
            String misses = "sessionstore_get_results_total{store_type=\"memory\",result=\"miss\"}";
            // scrape without pause while the load runs: every scrape answers, no counter ever goes down
            AtomicBoolean loading = new AtomicBoolean(true);
            List<String> problems = new CopyOnWriteArrayList<>();
            int[] scrapes = {0};
            Thread scraper = new Thread(() -> {
                long last = 0;
                while (loading.get()) {
                    try {
                        HttpResponse<String> r = get(port, null);
                        long n = value(r.body(), add);
                        if (r.statusCode() != 200 || n < last) {
                            problems.add(r.statusCode() + " " + n + " after " + last);
                        }
                        last = n;
                        scrapes[0]++;
                    } catch (Exception e) {
                        problems.add(e.toString());
                    }
                }
            });
            scraper.start();
            int adds = 150;
            for (int i = 0; i < adds; i++) {
                jar.send("sessionstore:add load-" + i + " user-" + i + " 1h");
            }
            for (int i = 0; i < 100; i++) {
                jar.send("sessionstore:get load-" + i);
            }
            for (int i = 0; i < 40; i++) {
                jar.send("sessionstore:get missing-" + i);
            }
            jar.send("sessionstore:get missing-last");
            jar.awaitOut(out -> out.contains("no session 'missing-last'"), 60_000);
            loading.set(false);
            scraper.join();
            assertEquals(List.of(), problems, "every scrape during the load answered 200, counters never went down");
            assertTrue(scrapes[0] > 3, "scrapes ran during the load: " + scrapes[0]);
            String after = get(port, null).body();
            assertEquals(adds, value(after, add) - value(before, add));
            assertEquals(141, value(after, getCalls) - value(before, getCalls));
            assertEquals(100, value(after, hits) - value(before, hits));
            assertEquals(41, value(after, misses) - value(before, misses));
            assertFalse(after.contains("load-") || after.contains("user-"), "never a session id or a subject");
            assertEquals("text/plain; version=0.0.4; charset=utf-8", get(port, null).headers().firstValue("Content-Type")
                    .orElse(""));

            // an outage of the backend: failures by kind, and CRITICAL health
            Path redisJar = Path.of(System.getProperty("redis.bundle"));
            Path tmp = home.resolve("redis.tmp");
            Files.copy(redisJar, tmp);
            Files.move(tmp, home.resolve("deploy/redis-bundle.jar"), StandardCopyOption.ATOMIC_MOVE);
            jar.poll("sessionstore:types", out -> out.contains("redis"), 30_000);
            jar.send("sessionstore:use redis addr=" + redis.addr() + " timeout=500ms");
            jar.poll("sessionstore:info", out -> out.matches("(?s)type +redis.*state +ACTIVE.*"), 30_000);
            redis.close();
            jar.send("sessionstore:get gone-1");
            jar.send("sessionstore:get gone-2");
            jar.send("sessionstore:health");
            long until = System.currentTimeMillis() + 30_000;
            while (!jar.err().contains("CRITICAL redis") && System.currentTimeMillis() < until) {
                Thread.sleep(50);
            }
            assertTrue(jar.err().contains("CRITICAL redis"), jar.err());
            String down = get(port, null).body();
            assertTrue(value(down, "sessionstore_call_failures_total{store_type=\"redis\",op=\"get\",kind=\"unavailable\"}") >= 2,
                    down);
            assertEquals(adds, value(down, add) - value(before, add), "the memory store's figures stay");
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/system/console/sessions")).header("Authorization", RunningJar.basic("admin", "Pw-Metrics-IT-5"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().matches("(?s).*<td id=\"ss-health\" class=\"ss-CRITICAL\">CRITICAL redis.*"), page.body());
        }
    }

    @Test
    void httpIsOffUntilAPortIsGivenAndATokenGuardsIt() throws Exception {
        try (RunningJar jar = new RunningJar(home)) {
            jar.poll("sessionstore:count", out -> out.contains("0"), 60_000);
            Thread.sleep(2_000); // every bundle started
            assertThrows(java.io.IOException.class, () -> new Socket("127.0.0.1", 8080).close(),
                    "nothing listens on Felix HTTP's default port when no port is given");
            jar.script();
        }
        int port = RunningJar.freePort();
        Path etc = home.resolve("etc");
        Files.createDirectories(etc.resolve("secrets"));
        Files.writeString(etc.resolve("org.apache.felix.http.cfg"), "org.osgi.service.http.port = " + port + "\n");
        Files.writeString(etc.resolve("secrets/metrics_token"), "T0ken-For-Metrics-77");
        Files.writeString(etc.resolve("org.sessionstore.http.cfg"), "metrics_token = $[secret:metrics_token]\n");
        try (RunningJar jar = new RunningJar(home)) {
            jar.poll("sessionstore:count", out -> out.contains("0"), 60_000);
            String body = awaitMetrics(port, "Bearer T0ken-For-Metrics-77");
            assertTrue(body.contains("# TYPE sessionstore_calls_total counter"), body);
            // the servlet may answer before FileInstall hands ConfigAdmin the token (loopback only, as with none)
            HttpResponse<String> none = get(port, null);
            for (long until = System.currentTimeMillis() + 30_000; none.statusCode() != 401
                    && System.currentTimeMillis() < until; none = get(port, null)) {
                Thread.sleep(100);
            }
            assertEquals(401, none.statusCode(), "loopback too needs the token once one is set");
            assertEquals(401, get(port, "Bearer wrong").statusCode());
            assertFalse(none.body().contains("T0ken") || none.body().contains("sessionstore_calls_total"), none.body());
            jar.script();
            assertFalse(jar.out().contains("T0ken") || jar.err().contains("T0ken"), "the token is never printed");
        }
        // the secret's file is gone: the placeholder is not a token anyone may send (review); /metrics answers nobody
        Files.delete(etc.resolve("secrets/metrics_token"));
        try (RunningJar jar = new RunningJar(home)) {
            jar.poll("sessionstore:count", out -> out.contains("0"), 60_000);
            HttpResponse<String> r = null;
            for (long until = System.currentTimeMillis() + 60_000; System.currentTimeMillis() < until; Thread.sleep(200)) {
                try {
                    r = get(port, "Bearer $[secret:metrics_token]");
                    if (r.statusCode() == 503) {
                        break;
                    }
                } catch (java.io.IOException notYet) {
                    // not listening yet
                }
            }
            assertEquals(503, r.statusCode(), String.valueOf(r.body()));
            assertEquals(503, get(port, null).statusCode());
            assertTrue(r.body().contains("did not resolve"), r.body());
            jar.script();
        }
    }
}
