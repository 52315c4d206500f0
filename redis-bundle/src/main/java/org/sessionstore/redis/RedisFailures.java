package org.sessionstore.redis;

import java.util.Set;

import org.sessionstore.api.Redaction;
import org.sessionstore.api.StoreException;
import org.sessionstore.api.StoreFullException;
import org.sessionstore.api.StoreUnavailableException;
import org.sessionstore.api.config.Durations;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * What a failure of Redis means, in one line for people and in the API's exceptions: a login
 * refused, out of memory (in words that fit the server's eviction policy, which it reads on each
 * new connection and warns about once per policy), a write that too few replicas confirmed, a
 * server that cannot serve yet, a value of another type, or a connection that failed (TLS,
 * timeouts, refusals named without Java class names).
 */
final class RedisFailures {

    private static final System.Logger LOG = System.getLogger("org.sessionstore.redis");
    private static final System.Logger.Level WARNING = System.Logger.Level.WARNING;
    private static final System.Logger.Level INFO = System.Logger.Level.INFO;

    /** The policies under which states can never push sessions out: see the README, "maxmemory-policy". */
    static final Set<String> GOOD_POLICIES = Set.of("volatile-ttl", "noeviction");

    private final RedisConfig config;
    /** The server's maxmemory-policy as read on the last new connection, for the refusal message; null if unknown. */
    private volatile String evictionPolicy;
    private final java.util.concurrent.atomic.AtomicBoolean policyChecked = new java.util.concurrent.atomic.AtomicBoolean();

    RedisFailures(RedisConfig config) {
        this.config = config;
    }

    /**
     * Reads the server's eviction policy once ({@code INFO memory}) and warns when, with a
     * {@code maxmemory} set, it is one under which sessions in use can be evicted before states:
     * {@code volatile-ttl} evicts the keys closest to their end first (states, then sessions about
     * to end), {@code noeviction} refuses writes instead; an {@code allkeys-*} policy can evict an
     * index, and {@code volatile-lru}/{@code -lfu}/{@code -random} evict sessions in use.
     */
    void checkEvictionPolicy(Jedis j) {
        String info;
        try {
            info = j.info("memory");
        } catch (JedisDataException refused) {
            if (policyChecked.compareAndSet(false, true)) {
                LOG.log(INFO, "redis at {0}: the eviction policy cannot be checked (INFO is not allowed for this user;"
                        + " add +info to its ACL to have it checked)", config.addr());
            }
            return;
        } catch (RuntimeException e) {
            return; // the connection's own failure: the next new connection reads it
        }
        String policy = null;
        long maxmemory = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("maxmemory_policy:")) {
                policy = line.substring("maxmemory_policy:".length()).trim();
            } else if (line.startsWith("maxmemory:")) {
                try {
                    maxmemory = Long.parseLong(line.substring("maxmemory:".length()).trim());
                } catch (NumberFormatException ignored) {
                    // left at 0
                }
            }
        }
        String before = evictionPolicy;
        evictionPolicy = policy;
        // read on every new connection (after a restart, a failover), warned about once per policy
        if (policy != null && maxmemory > 0 && !GOOD_POLICIES.contains(policy) && !policy.equals(before)) {
            LOG.log(WARNING, "redis at {0} runs maxmemory-policy {1} with maxmemory {2} bytes: when memory runs out, "
                    + (policy.startsWith("allkeys") ? "it may evict the store's indexes (counting and cleaning then miss"
                            + " entries)" : "it may evict sessions in use before states")
                    + "; use volatile-ttl (states and sessions closest to their end go first) or noeviction (new"
                    + " entries are refused instead)", config.addr(), Redaction.printable(policy), Long.toString(maxmemory));
        }
    }

    /** Why Redis refused a write for want of memory, in words that fit its policy. */
    private String outOfMemory() {
        String p = evictionPolicy;
        if (p == null) {
            return "maxmemory reached and nothing could be evicted";
        }
        if (p.equals("noeviction")) {
            return "maxmemory reached, and its policy noeviction evicts nothing";
        }
        if (p.startsWith("volatile")) {
            return "maxmemory reached, and its policy " + Redaction.printable(p) + " evicts only keys with a TTL, of"
                    + " which none is left: what fills it are keys without one";
        }
        return "maxmemory reached, and its policy " + Redaction.printable(p) + " found nothing it could evict";
    }

    StoreException translate(String what, JedisException e) {
        if (e instanceof JedisAccessControlException) {
            return new StoreUnavailableException("redis at " + config.addr() + " refused the login for " + what
                    + "; check the redis store keys 'username' and 'password'");
        }
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (m.startsWith("OOM")) {
            return new StoreFullException("redis at " + config.addr() + " is out of memory (" + outOfMemory() + "), so "
                    + what + " was refused and nothing was written; raise maxmemory, or remove data");
        }
        if (e instanceof Replicas.NotReplicated) {
            return new StoreUnavailableException("redis at " + config.addr() + ": " + what + " reached the primary, but "
                    + m.substring("NOTREPLICATED ".length()) + ", so it is reported as failed: a failover now could lose"
                    + " it; check the replicas (INFO replication), or lower min_replicas_ack", e); // its message: counts only
        }
        if (m.startsWith("LOADING") || m.startsWith("BUSY") || m.startsWith("MASTERDOWN") || m.startsWith("TRYAGAIN")
                || m.startsWith("READONLY") || m.startsWith("CLUSTERDOWN") || e instanceof JedisRedirectionException) {
            // the server is up but cannot serve yet (loading its data, failing over, moving slots): it will recover
            return unavailable(what, e);
        }
        if (m.startsWith("WRONGTYPE")) {
            return new WrongType("redis at " + config.addr() + " refused " + what + ": " + Redaction.printable(m));
        }
        if (e instanceof JedisDataException) {
            return new StoreException("redis at " + config.addr() + " refused " + what + ": " + Redaction.printable(m));
        }
        return unavailable(what, e);
    }

    /** A key holds a value of another type than this store writes there: a read treats it as an unreadable record. */
    static final class WrongType extends StoreException {
        private static final long serialVersionUID = 1L;

        WrongType(String message) {
            super(message);
        }
    }

    private StoreUnavailableException unavailable(String what, JedisException e) {
        String why = reason(e);
        if (config.tls() && (why.equals("no answer within the timeout") || why.contains("Broken pipe")
                || why.contains("Connection reset"))) {
            why += " (with tls=true: is the server speaking TLS on this port, and does it accept this client's"
                    + " certificate?)";
        }
        return new StoreUnavailableException("redis at " + config.addr() + " is unavailable for " + what + " (timeout "
                + Durations.format(config.timeout()) + "): " + why, e);
    }

    /** Why a connection failed, in words, without Java class names. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof java.security.cert.CertificateException && (m.contains("No subject alternative")
                    || m.contains("No name matching"))) {
                return "TLS refused: the server's certificate is not issued for this host name or address (" + m
                        + "); use the name the certificate holds in addr";
            }
            if (t instanceof java.security.cert.CertificateExpiredException || m.contains("validity check failed")
                    || m.contains("NotAfter")) {
                return "TLS refused: the server's certificate has expired (or is not valid yet)";
            }
            if (m.contains("PKIX path") || m.contains("unable to find valid certification path")) {
                return "TLS refused: the server's certificate is not signed by a CA this store trusts; give the CA in"
                        + " tls_ca_file";
            }
            if (m.contains("certificate_required") || m.contains("bad_certificate")) {
                return "TLS refused by the server: it requires a client certificate (tls_cert_file, tls_key_file) it"
                        + " trusts";
            }
            if (m.contains("Unsupported or unrecognized SSL message") || m.contains("plaintext connection")) {
                return "TLS failed: the server at this address does not speak TLS";
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException) {
                return "no answer within the timeout";
            }
            if (t instanceof java.net.ConnectException) {
                return "connection refused";
            }
            if (t instanceof java.net.UnknownHostException) {
                return "unknown host";
            }
        }
        String m = String.valueOf(e.getMessage()).replaceAll("(?:[a-z][a-z0-9_]*\\.)+[A-Z]\\w*(?:Exception|Error): ?", "")
                .replaceAll("\\.$", "");
        return Redaction.printable(m.isBlank() ? e.getClass().getSimpleName() : m);
    }
}
