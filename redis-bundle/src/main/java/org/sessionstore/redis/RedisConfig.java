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
 * ({@code username}, {@code state_ttl}, {@code timeout}, {@code pool_size}, {@code tls}; for
 * Sentinel {@code sentinels}, {@code master_name}, {@code sentinel_username},
 * {@code sentinel_password}; for Redis Cluster {@code cluster_nodes}; {@code min_replicas_ack}).
 * {@link #toString()} shows the passwords as {@code ***}.
 */
record RedisConfig(String host, int port, String username, String password, int db, String sessionPrefix,
        String statePrefix, Duration ttl, Duration stateTtl, Duration timeout, int poolSize, boolean tls, Tls tlsFiles,
        List<Address> sentinels, String masterName, String sentinelUsername, String sentinelPassword,
        List<Address> clusterNodes, int minReplicasAck, long maxStates, long maxStatesPerClient,
        org.sessionstore.api.config.SubjectLimit subjectLimit, org.sessionstore.api.config.IdleTimeout idle) {

    /** Where the store finds Redis. */
    enum Mode {
        /** One server at {@code addr} (or a primary with replicas the store does not use). */
        STANDALONE,
        /** The primary the {@code sentinels} name for {@code master_name}, followed through failovers. */
        SENTINEL,
        /** A Redis Cluster reached through {@code cluster_nodes}. */
        CLUSTER
    }

    /** A host and a port. */
    record Address(String host, int port) {
        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

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

    static final int MAX_REPLICAS_ACK = 16;
    static final long DEFAULT_MAX_STATES = 100_000;
    static final long DEFAULT_MAX_STATES_PER_CLIENT = 1_000;

    static final List<String> KEYS = List.of("addr", "password", "username", "db", "session_prefix", "state_prefix",
            "ttl", "state_ttl", "timeout", "pool_size", "tls", "tls_ca_file", "tls_cert_file", "tls_key_file",
            "tls_verify_hostname", "sentinels", "master_name", "sentinel_username", "sentinel_password", "cluster_nodes",
            "min_replicas_ack", "max_states", "max_states_per_client", "max_sessions_per_subject", "on_subject_limit",
            "idle_timeout", "touch_after");

    /** A host name, an IPv4 address, or an IPv6 address in brackets, then a port: nothing else. */
    private static final Pattern ADDR = Pattern.compile(
            "(?:\\[([0-9A-Fa-f:.]+)\\]|([A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)):(\\d{1,5})");

    static RedisConfig from(Map<String, ?> config) {
        StoreConfig c = StoreConfig.of("redis", config, KEYS);
        String addrValue = c.string("addr", null);
        List<Address> sentinels = addresses(c, "sentinels");
        List<Address> clusterNodes = addresses(c, "cluster_nodes");
        String masterName = emptyToNull(c.string("master_name", null));
        if (!sentinels.isEmpty() && !clusterNodes.isEmpty()) {
            throw new StoreConfigException("cluster_nodes", "redis store keys 'sentinels' and 'cluster_nodes' are both set;"
                    + " choose one: sentinels (with master_name) for a Sentinel-managed primary, cluster_nodes for a Redis"
                    + " Cluster");
        }
        if (addrValue != null && (!sentinels.isEmpty() || !clusterNodes.isEmpty())) {
            String other = sentinels.isEmpty() ? "cluster_nodes" : "sentinels";
            throw new StoreConfigException("addr", "redis store keys 'addr' and '" + other + "' are both set; choose one:"
                    + " addr for one server, " + other + (other.equals("sentinels") ? " (with master_name)" : "")
                    + " to find the servers through them");
        }
        if (!clusterNodes.isEmpty() && masterName != null) {
            throw new StoreConfigException("master_name", "redis store key 'master_name' is for Sentinel (with"
                    + " sentinels); a Redis Cluster needs only cluster_nodes");
        }
        if (sentinels.isEmpty() != (masterName == null)) {
            throw new StoreConfigException(masterName == null ? "master_name" : "sentinels", "redis store keys 'sentinels'"
                    + " and 'master_name' go together: the sentinels' host:port list and the name they monitor the primary"
                    + " by (sentinel monitor NAME …)");
        }
        for (String k : List.of("sentinel_username", "sentinel_password")) {
            if (sentinels.isEmpty() && !c.string(k, "").isEmpty()) {
                throw new StoreConfigException(k, "redis store key '" + k + "' is set but 'sentinels' is not");
            }
        }
        Address address = parseAddress("addr", addrValue == null ? DEFAULT_ADDR : addrValue);
        String host = address.host();
        int port = address.port();
        int db = (int) c.number("db", 0, 0, 65_535);
        if (!clusterNodes.isEmpty() && db != 0) {
            throw new StoreConfigException("db", "redis store key 'db' must be 0 with cluster_nodes: a Redis Cluster has"
                    + " only database 0");
        }
        String sessionPrefix = c.string("session_prefix", DEFAULT_SESSION_PREFIX);
        String statePrefix = c.string("state_prefix", DEFAULT_STATE_PREFIX);
        if (!clusterNodes.isEmpty()) {
            for (String k : List.of("session_prefix", "state_prefix")) {
                String v = k.equals("session_prefix") ? sessionPrefix : statePrefix;
                if (v.contains("{") || v.contains("}")) {
                    throw new StoreConfigException(k, "redis store key '" + k + "' must not hold '{' or '}' with"
                            + " cluster_nodes: the store puts its own hash tags after the prefix, and a tag in the"
                            + " prefix would put every key in one slot");
                }
            }
        }
        if (sessionPrefix.startsWith(statePrefix) || statePrefix.startsWith(sessionPrefix)) {
            throw new StoreConfigException("state_prefix", "redis store keys 'session_prefix' ('"
                    + Redaction.printable(sessionPrefix) + "') and 'state_prefix' ('" + Redaction.printable(statePrefix)
                    + "') must differ and neither may start with the other");
        }
        return new RedisConfig(host, port, emptyToNull(c.string("username", null)), emptyToNull(c.string("password", null)),
                db, sessionPrefix, statePrefix,
                c.duration("ttl", Durations.parse(DEFAULT_TTL), Duration.ofSeconds(1), Duration.ofDays(3650)),
                c.duration("state_ttl", Durations.parse(DEFAULT_STATE_TTL), Duration.ofSeconds(1), Duration.ofDays(1)),
                c.duration("timeout", Durations.parse(DEFAULT_TIMEOUT), Duration.ofMillis(10), Duration.ofMinutes(5)),
                (int) c.number("pool_size", DEFAULT_POOL_SIZE, 1, 1_024), c.bool("tls", false), tls(c),
                sentinels, masterName, emptyToNull(c.string("sentinel_username", null)),
                emptyToNull(c.string("sentinel_password", null)), clusterNodes,
                (int) c.number("min_replicas_ack", 0, 0, MAX_REPLICAS_ACK),
                c.number("max_states", DEFAULT_MAX_STATES, 1, 100_000_000),
                c.number("max_states_per_client", DEFAULT_MAX_STATES_PER_CLIENT, 0, 100_000_000),
                org.sessionstore.api.config.SubjectLimit.from(c), org.sessionstore.api.config.IdleTimeout.from(c));
    }

    /** Where the store finds Redis. */
    Mode mode() {
        return !clusterNodes.isEmpty() ? Mode.CLUSTER : !sentinels.isEmpty() ? Mode.SENTINEL : Mode.STANDALONE;
    }

    /** The standalone server's address. */
    Address address() {
        return new Address(host, port);
    }

    private static Address parseAddress(String key, String value) {
        Matcher m = ADDR.matcher(value.trim());
        int port = m.matches() ? Integer.parseInt(m.group(3)) : -1;
        if (port < 1 || port > 65535) {
            // the value is not repeated: a URL given here may hold a password
            throw new StoreConfigException(key, "bad value for redis store key '" + key + "': it must be host:port"
                    + (key.equals("addr") ? "" : " items separated by commas") + " only, such as 127.0.0.1:6379,"
                    + " redis.example.com:6379 or [::1]:6379 (a URL, or a user name or password in it, is refused: give"
                    + " them as the keys username and password, and tls=true for TLS)");
        }
        return new Address(m.group(1) != null ? m.group(1) : m.group(2), port);
    }

    /** A comma-separated host:port list (empty if the key is not set); no address twice. */
    private static List<Address> addresses(StoreConfig c, String key) {
        String value = c.string(key, "");
        if (value.isBlank()) {
            return List.of();
        }
        List<Address> out = new java.util.ArrayList<>();
        for (String item : value.split(",")) {
            if (item.isBlank()) {
                continue;
            }
            Address a = parseAddress(key, item);
            if (!out.contains(a)) {
                out.add(a);
            }
        }
        if (out.isEmpty()) {
            throw new StoreConfigException(key, "redis store key '" + key + "' names no host:port");
        }
        return List.copyOf(out);
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

    /** Where Redis is, in words, for messages: the address, the sentinels' master, or the cluster. */
    String addr() {
        return switch (mode()) {
            case STANDALONE -> address().toString();
            case SENTINEL -> "master '" + Redaction.printable(masterName) + "' of sentinels " + join(sentinels);
            case CLUSTER -> "cluster " + join(clusterNodes);
        };
    }

    private static String join(List<Address> list) {
        return String.join(",", list.stream().map(Address::toString).toList());
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
        String where = switch (mode()) {
            case STANDALONE -> "addr=" + address();
            case SENTINEL -> "sentinels=" + join(sentinels) + ", master_name=" + Redaction.printable(masterName)
                    + ", sentinel_username=" + sentinelUsername + ", sentinel_password="
                    + (sentinelPassword == null ? null : "***");
            case CLUSTER -> "cluster_nodes=" + join(clusterNodes);
        };
        return "RedisConfig[" + where + ", min_replicas_ack=" + minReplicasAck + ", username=" + username
                + ", password=" + (password == null ? null : "***")
                + ", db=" + db + ", session_prefix=" + sessionPrefix + ", state_prefix=" + statePrefix + ", ttl="
                + Durations.format(ttl) + ", state_ttl=" + Durations.format(stateTtl) + ", timeout="
                + Durations.format(timeout) + ", pool_size=" + poolSize + ", max_states=" + maxStates
                + ", max_states_per_client=" + maxStatesPerClient + ", max_sessions_per_subject=" + subjectLimit.max()
                + (subjectLimit.limits() ? ", on_subject_limit=" + (subjectLimit.evictOldest() ? "evict_oldest" : "refuse") : "")
                + ", idle_timeout=" + Durations.format(idle.idle()) + ", tls=" + tls
                + (tls ? ", tls_verify_hostname=" + tlsFiles.verifyHostname() : "") + "]";
    }
}
