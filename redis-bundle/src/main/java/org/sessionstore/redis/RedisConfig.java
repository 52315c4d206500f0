package org.sessionstore.redis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.sessionstore.api.Redaction;

import org.sessionstore.api.StoreConfigException;
import org.sessionstore.api.config.Durations;
import org.sessionstore.api.config.StoreConfig;

/**
 * The redis store's keys: those of the Go original ({@code addr}, {@code password}, {@code db},
 * {@code session_prefix}, {@code state_prefix}, {@code ttl}) and what production needs
 * ({@code username}, {@code state_ttl}, {@code timeout}, {@code pool_size}, {@code tls}).
 * {@link #toString()} shows the password as {@code ***}.
 */
record RedisConfig(String host, int port, String username, String password, int db, String sessionPrefix,
        String statePrefix, Duration ttl, Duration stateTtl, Duration timeout, int poolSize, boolean tls, Tls tlsFiles) {

    /**
     * What TLS trusts and presents: {@code tls_ca_file} (PEM CAs; null for the JVM's),
     * {@code tls_cert_file} and {@code tls_key_file} (PEM client certificate and PKCS#8 key, for
     * Redis's {@code tls-auth-clients yes}), {@code tls_verify_hostname}.
     */
    record Tls(Path caFile, Path certFile, Path keyFile, boolean verifyHostname) {
    }

    // the defaults, also shown by the Metatype of RedisStoreConfiguration
    static final String DEFAULT_ADDR = "127.0.0.1:6379";
    static final String DEFAULT_SESSION_PREFIX = "session:";
    static final String DEFAULT_STATE_PREFIX = "state:";
    static final String DEFAULT_TTL = "24h";
    static final String DEFAULT_STATE_TTL = "10m";
    static final String DEFAULT_TIMEOUT = "2s";
    static final int DEFAULT_POOL_SIZE = 16;

    static final List<String> KEYS = List.of("addr", "password", "username", "db", "session_prefix", "state_prefix",
            "ttl", "state_ttl", "timeout", "pool_size", "tls", "tls_ca_file", "tls_cert_file", "tls_key_file",
            "tls_verify_hostname");

    /** A host name, an IPv4 address, or an IPv6 address in brackets, then a port: nothing else. */
    private static final Pattern ADDR = Pattern.compile(
            "(?:\\[([0-9A-Fa-f:.]+)\\]|([A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)):(\\d{1,5})");

    static RedisConfig from(Map<String, ?> config) {
        StoreConfig c = StoreConfig.of("redis", config, KEYS);
        String addr = c.string("addr", DEFAULT_ADDR);
        Matcher m = ADDR.matcher(addr);
        int port = m.matches() ? Integer.parseInt(m.group(3)) : -1;
        if (port < 1 || port > 65535) {
            // the value is not repeated: a URL given here may hold a password
            throw new StoreConfigException("addr", "bad value for redis store key 'addr': it must be host:port only, such as"
                    + " 127.0.0.1:6379, redis.example.com:6379 or [::1]:6379 (a URL, or a user name or password in it, is"
                    + " refused: give them as the keys username and password, and tls=true for TLS)");
        }
        String host = m.group(1) != null ? m.group(1) : m.group(2);
        String sessionPrefix = c.string("session_prefix", DEFAULT_SESSION_PREFIX);
        String statePrefix = c.string("state_prefix", DEFAULT_STATE_PREFIX);
        if (sessionPrefix.startsWith(statePrefix) || statePrefix.startsWith(sessionPrefix)) {
            throw new StoreConfigException("state_prefix", "redis store keys 'session_prefix' ('"
                    + Redaction.printable(sessionPrefix) + "') and 'state_prefix' ('" + Redaction.printable(statePrefix)
                    + "') must differ and neither may start with the other");
        }
        return new RedisConfig(host, port, emptyToNull(c.string("username", null)), emptyToNull(c.string("password", null)),
                (int) c.number("db", 0, 0, 65_535), sessionPrefix, statePrefix,
                c.duration("ttl", Durations.parse(DEFAULT_TTL), Duration.ofSeconds(1), Duration.ofDays(3650)),
                c.duration("state_ttl", Durations.parse(DEFAULT_STATE_TTL), Duration.ofSeconds(1), Duration.ofDays(1)),
                c.duration("timeout", Durations.parse(DEFAULT_TIMEOUT), Duration.ofMillis(10), Duration.ofMinutes(5)),
                (int) c.number("pool_size", DEFAULT_POOL_SIZE, 1, 1_024), c.bool("tls", false), tls(c));
    }

    private static Tls tls(StoreConfig c) {
        boolean on = c.bool("tls", false);
        Path ca = file(c, "tls_ca_file");
        Path cert = file(c, "tls_cert_file");
        Path key = file(c, "tls_key_file");
        boolean verify = c.bool("tls_verify_hostname", true);
        if (!on) {
            for (String k : List.of("tls_ca_file", "tls_cert_file", "tls_key_file", "tls_verify_hostname")) {
                if (!c.string(k, "").isEmpty()) {
                    throw new StoreConfigException(k, "redis store key '" + k + "' is set but TLS is off; set tls=true");
                }
            }
        }
        if ((cert == null) != (key == null)) {
            throw new StoreConfigException(cert == null ? "tls_cert_file" : "tls_key_file", "redis store keys "
                    + "'tls_cert_file' and 'tls_key_file' go together: a client certificate and its private key");
        }
        return new Tls(ca, cert, key, verify);
    }

    /** A file named by a key, which must be a readable regular file; null if the key is not set. */
    private static Path file(StoreConfig c, String key) {
        String name = c.string(key, null);
        if (name == null) {
            return null;
        }
        Path p = Path.of(name).toAbsolutePath().normalize();
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new StoreConfigException(key, "redis store key '" + key + "' names " + Redaction.printable(p.toString())
                    + ", which is not a readable file");
        }
        return p;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    String addr() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The key that indexes sessions by expiry: exactly the prefix, which no session key can be (ids are never empty). */
    String sessionIndexKey() {
        return sessionPrefix;
    }

    /** The key that indexes states by creation time: exactly the state prefix. */
    String stateIndexKey() {
        return statePrefix;
    }

    @Override
    public String toString() {
        return "RedisConfig[addr=" + addr() + ", username=" + username + ", password=" + (password == null ? null : "***")
                + ", db=" + db + ", session_prefix=" + sessionPrefix + ", state_prefix=" + statePrefix + ", ttl="
                + Durations.format(ttl) + ", state_ttl=" + Durations.format(stateTtl) + ", timeout="
                + Durations.format(timeout) + ", pool_size=" + poolSize + ", tls=" + tls
                + (tls ? ", tls_verify_hostname=" + tlsFiles.verifyHostname() : "") + "]";
    }
}
