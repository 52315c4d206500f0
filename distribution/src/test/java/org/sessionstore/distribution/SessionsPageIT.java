package org.sessionstore.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Sessions page of the real jar in a real browser: Debian's headless Chromium driven by Selenium
 * through chromedriver. The console's password is a secret file; {@code admin}/{@code admin} and no
 * password are refused. Sessions seeded through the shell are found by subject; revoking one and
 * then all is checked with the shell's {@code get} each time; a subject holding HTML is shown as
 * text; a POST without the page's CSRF token is refused and changes nothing. A screenshot of the page
 * is kept with the test reports ({@code target/failsafe-reports/sessions-page.png}).
 */
class SessionsPageIT {

    private static final String PASSWORD = "Pw-for-the-Console-31";
    private static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("chromedriver.binary", "/usr/bin/chromedriver"));

    @TempDir
    Path home;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> page(int port, String auth, String query) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/system/console/sessions" + query))
                .timeout(Duration.ofSeconds(20));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void awaitPage(int port) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                if (page(port, RunningJar.basic("admin", PASSWORD), "").statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("no Sessions page on port " + port + " in 60 s");
            }
            Thread.sleep(250);
        }
    }

    private static WebDriver chromium() {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new AssertionError("the browser test needs Debian's Chromium and its driver (" + CHROMIUM + ", " + CHROMEDRIVER
                    + "): apt-get install -y chromium chromium-driver (.ci/run does it)");
        }
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        // no network beyond loopback here: Chromium's background services would only fail
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1400");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }

    @Test
    void aBrowserLogsInFindsASubjectAndRevokesOneThenAllAndTheStoreAgrees() throws Exception {
        Path secrets = Files.createDirectories(home.resolve("etc/secrets"));
        Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(secrets.resolve("webconsole_password"), PASSWORD + "\n");
        Files.setPosixFilePermissions(secrets.resolve("webconsole_password"), PosixFilePermissions.fromString("rw-------"));
        // a password-type setting, for the console's configuration page (Metatype)
        Files.writeString(secrets.resolve("metrics_token"), "Metrics-Token-In-Console-9");
        Files.writeString(home.resolve("etc/org.sessionstore.http.cfg"), "metrics_token = $[secret:metrics_token]\n");
        int port = RunningJar.freePort();
        try (RunningJar jar = new RunningJar(home, "-Dorg.osgi.service.http.port=" + port)) {
            awaitPage(port);
            assertEquals(401, page(port, null, "").statusCode(), "no password, no page");
            assertEquals(401, page(port, RunningJar.basic("admin", "admin"), "").statusCode(), "never admin/admin");
            assertEquals(401, page(port, RunningJar.basic("admin", "$[secret:webconsole_password]"), "").statusCode());
            for (String id : List.of("a1", "a2", "a3")) {
                jar.send("sessionstore:add " + id + " alice 1h");
            }
            jar.send("sessionstore:add b1 bob 1h");
            jar.send("sessionstore:add x1 '<img src=x onerror=document.title=\"pwned\">' 1h");
            jar.poll("sessionstore:get x1", out -> out.contains("id") && out.contains("x1"), 20_000);

            WebDriver browser = chromium();
            try {
                String base = "http://admin:" + PASSWORD + "@127.0.0.1:" + port + "/system/console/sessions";
                browser.get(base);
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
                wait.until(d -> !d.findElements(By.id("ss-store")).isEmpty());
                assertTrue(browser.findElement(By.id("ss-store")).getText().contains("memory"));
                assertTrue(browser.findElement(By.id("ss-health")).getText().startsWith("OK"));
                assertTrue(browser.findElement(By.id("ss-backends")).getText().contains("org.sessionstore.memory"));

                // search, as a user types it
                WebElement box = browser.findElement(By.id("ss-subject"));
                box.clear();
                box.sendKeys("alice");
                browser.findElement(By.id("ss-find")).click();
                wait.until(d -> !d.findElements(By.id("ss-sessions")).isEmpty());
                assertEquals("alice: 3 sessions", browser.findElement(By.id("ss-found")).getText());
                assertEquals(List.of("a1", "a2", "a3"), ids(browser).stream().sorted().toList());
                assertFalse(browser.getPageSource().contains("onerror"), "another subject's sessions are not shown");

                // the chart: the registry's first 10 s step (the shell's calls are in it)
                browser.navigate().refresh();
                new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> {
                    d.navigate().refresh();
                    return !d.findElements(By.id("ss-chart-calls")).isEmpty();
                });
                Path shot = Path.of("target", "failsafe-reports", "sessions-page.png");
                Files.createDirectories(shot.getParent());
                Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

                // revoke one: a2 goes, a1 and a3 stay (checked through the shell)
                revokeButtonOf(browser, "a2").click();
                wait.until(d -> !d.findElements(By.id("ss-done")).isEmpty());
                assertEquals("revoke: 1 session removed", browser.findElement(By.id("ss-done")).getText());
                assertEquals(List.of("a1", "a3"), ids(browser).stream().sorted().toList());
                jar.poll("sessionstore:get a2", out -> out.contains("no session 'a2'"), 10_000);
                jar.poll("sessionstore:get a1", out -> out.contains("a1") && out.contains("alice") && !out.contains("no session"),
                        10_000);

                // revoke all of alice's: bob's stays
                browser.findElement(By.cssSelector("form.ss-revoke-all input[type=submit]")).click();
                wait.until(d -> d.findElement(By.id("ss-done")).getText().startsWith("revoke all"));
                assertEquals("revoke all: 2 sessions removed", browser.findElement(By.id("ss-done")).getText());
                assertEquals("alice: 0 sessions", browser.findElement(By.id("ss-found")).getText());
                jar.poll("sessionstore:get a1", out -> out.contains("no session 'a1'"), 10_000);
                jar.poll("sessionstore:get a3", out -> out.contains("no session 'a3'"), 10_000);
                jar.poll("sessionstore:get b1", out -> out.contains("bob") && !out.contains("no session"), 10_000);

                // a subject holding HTML is shown as text, never run
                box = browser.findElement(By.id("ss-subject"));
                box.clear();
                box.sendKeys("<img src=x onerror=document.title=\"pwned\">");
                browser.findElement(By.id("ss-find")).click();
                wait.until(d -> !d.findElements(By.id("ss-sessions")).isEmpty());
                assertEquals(List.of("x1"), ids(browser));
                assertTrue(browser.findElement(By.id("ss-found")).getText().startsWith("<img src=x onerror="));
                assertFalse(browser.getTitle().contains("pwned"), "the stored name ran as HTML: " + browser.getTitle());
                assertTrue(browser.findElements(By.cssSelector("#sessionstore img")).isEmpty(), "no element made of a value");
            } finally {
                browser.quit();
            }

            // a POST without the page's token (a cross-site form) is refused and removes nothing
            HttpRequest forged = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/system/console/sessions"))
                    .header("Authorization", RunningJar.basic("admin", PASSWORD))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("action=revoke-all&subject=bob")).build();
            assertEquals(403, http.send(forged, HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpRequest wrong = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/system/console/sessions"))
                    .header("Authorization", RunningJar.basic("admin", PASSWORD))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("action=revoke&id=b1&subject=bob&csrf=guessed")).build();
            assertEquals(403, http.send(wrong, HttpResponse.BodyHandlers.ofString()).statusCode());
            jar.poll("sessionstore:get b1", out -> out.contains("bob") && !out.contains("no session"), 10_000);
            // the console's own configuration page shows a password field masked: its type is PASSWORD (12), its value hidden
            HttpResponse<String> config = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/system/console/configMgr/org.sessionstore.http.json")).header("Authorization", RunningJar.basic("admin", PASSWORD))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, config.statusCode());
            assertTrue(config.body().matches("(?s).*\"metrics_token\":\\{[^}]*\"type\":12.*"), config.body());
            assertFalse(config.body().contains("Metrics-Token-In-Console-9"), "the token's value on the configuration page");
            // the rest of the console: a cross-site POST (another Origin, or the browser's Sec-Fetch-Site) is refused
            // before the console sees it; no page of it can be framed
            HttpResponse<String> stop = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/system/console/bundles/1")).header("Authorization", RunningJar.basic("admin", PASSWORD))
                    .header("Origin", "http://evil.example").header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("action=stop")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, stop.statusCode());
            HttpResponse<String> site = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/system/console/sessions")).header("Authorization", RunningJar.basic("admin", PASSWORD))
                    .header("Sec-Fetch-Site", "cross-site").header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("action=revoke-all&subject=bob")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, site.statusCode());
            HttpResponse<String> shown = page(port, RunningJar.basic("admin", PASSWORD), "");
            assertEquals("DENY", shown.headers().firstValue("X-Frame-Options").orElse(""));
            assertEquals("no-referrer", shown.headers().firstValue("Referrer-Policy").orElse(""));

            // a secret given in clear to 'use' is masked in the console's Configurations status too
            String key = Base64.getEncoder().encodeToString(new byte[32]).replace("AAAA", "QkJC");
            jar.send("sessionstore:use memory encryption_key=" + key);
            jar.poll("sessionstore:info", out -> out.contains("encryption"), 20_000);
            HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/system/console/status-Configurations.txt")).header("Authorization", RunningJar.basic("admin", PASSWORD)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, status.statusCode());
            assertTrue(status.body().contains("encryption_key"), status.body());
            assertFalse(status.body().contains(key), "the encryption key in clear on the Configurations status");
            assertFalse(jar.out().contains(PASSWORD) || jar.err().contains(PASSWORD), "the password is never printed");
        }
    }

    /**
     * The console's own configuration, edited by an operator: a password that is missing, empty, or a
     * placeholder nothing resolved locks the console (401 to every password, the guessable ones
     * included), with one log line; it never opens with admin/admin or the placeholder's text.
     */
    @Test
    void theConsoleLocksWhenItsPasswordIsNotTheSecret() throws Exception {
        Path secrets = Files.createDirectories(home.resolve("etc/secrets"));
        Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(secrets.resolve("webconsole_password"), PASSWORD);
        Path cfg = home.resolve("etc/org.apache.felix.webconsole.internal.servlet.OsgiManager.cfg");
        Files.writeString(cfg, "username = admin\npassword = $[secret:console_password]\n");
        int port = RunningJar.freePort();
        try (RunningJar jar = new RunningJar(home, "-Dorg.osgi.service.http.port=" + port)) {
            awaitLocked(jar, 1, "placeholder that did not resolve");
            awaitAnswer(port);
            List<String> tried = List.of("$[secret:console_password]", "admin", PASSWORD, "");
            for (int i = 0; i < tried.size(); i++) {
                assertEquals(401, page(port, RunningJar.basic("admin", tried.get(i)), "").statusCode(), "password #" + i);
            }
            Files.writeString(cfg, "username = ops\n");
            awaitLocked(jar, 2, "is not set");
            assertEquals(401, page(port, RunningJar.basic("ops", "admin"), "").statusCode());
            Files.writeString(cfg, "username = admin\npassword =\n");
            awaitLocked(jar, 3, "is empty");
            assertEquals(401, page(port, RunningJar.basic("admin", ""), "").statusCode());
            assertEquals(401, page(port, RunningJar.basic("admin", "admin"), "").statusCode());
            // back to the secret: it opens with it alone
            Files.writeString(cfg, "username = admin\npassword = $[secret:webconsole_password]\n");
            long until = System.currentTimeMillis() + 20_000;
            while (page(port, RunningJar.basic("admin", PASSWORD), "").statusCode() != 200 && System.currentTimeMillis() < until) {
                Thread.sleep(200);
            }
            assertEquals(200, page(port, RunningJar.basic("admin", PASSWORD), "").statusCode());
            assertEquals(401, page(port, RunningJar.basic("admin", "admin"), "").statusCode());
        }
    }

    private static void awaitLocked(RunningJar jar, int times, String why) throws Exception {
        long until = System.currentTimeMillis() + 30_000;
        while (jar.err().split("the Web Console is locked", -1).length - 1 < times) {
            if (System.currentTimeMillis() > until) {
                throw new AssertionError("no lock line #" + times + "; stderr:\n" + jar.err());
            }
            Thread.sleep(100);
        }
        assertTrue(jar.err().contains(why), jar.err());
        Thread.sleep(500); // the console takes the configuration after the plugin
    }

    private void awaitAnswer(int port) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                page(port, null, "");
                return;
            } catch (java.io.IOException notYet) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("no HTTP on port " + port);
                }
                Thread.sleep(250);
            }
        }
    }

    private static List<String> ids(WebDriver browser) {
        return browser.findElements(By.cssSelector("#ss-sessions td.ss-id")).stream().map(WebElement::getText).toList();
    }

    private static WebElement revokeButtonOf(WebDriver browser, String id) {
        for (WebElement row : browser.findElements(By.cssSelector("#ss-sessions tbody tr"))) {
            if (row.findElement(By.cssSelector("td.ss-id")).getText().equals(id)) {
                return row.findElement(By.cssSelector("form.ss-revoke input[type=submit]"));
            }
        }
        throw new AssertionError("no row for session " + id);
    }
}
