package org.sessionstore.redis;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The redis backend's keys as a config editor (the Felix Web Console) shows them. Values set
 * under PID {@code sessionstore.redis} are the defaults of every redis store; the keys under PID
 * {@code sessionstore} (or the YAML's {@code config:}) win over them.
 */
@ObjectClassDefinition(id = "sessionstore.redis", name = "Session Store: redis backend",
        description = "Defaults for the redis store's keys; the active store's own configuration (PID sessionstore) wins.")
@interface RedisStoreConfiguration {

    // no default here: a config editor would save it, and addr may not be set beside sentinels or cluster_nodes
    @AttributeDefinition(name = "addr", required = false, description = "host:port of one Redis server, such as"
            + " 127.0.0.1:6379 or [::1]:6379 (127.0.0.1:6379 when none of addr, sentinels, cluster_nodes is set)")
    String addr();

    @AttributeDefinition(name = "sentinels", required = false, description = "host:port list of Redis Sentinels, comma"
            + " separated; the store uses the primary they name for master_name and follows its failovers")
    String sentinels();

    @AttributeDefinition(name = "master_name", required = false,
            description = "the name the sentinels monitor the primary by (with sentinels)")
    String master__name();

    @AttributeDefinition(name = "sentinel_username", required = false,
            description = "ACL user for the sentinels (with sentinel_password)")
    String sentinel__username();

    @AttributeDefinition(name = "sentinel_password", type = AttributeType.PASSWORD, required = false,
            description = "AUTH password of the sentinels; never shown")
    String sentinel__password();

    @AttributeDefinition(name = "cluster_nodes", required = false, description = "host:port list of Redis Cluster nodes"
            + " to start from, comma separated; the store learns the rest of the cluster from them")
    String cluster__nodes();

    @AttributeDefinition(name = "min_replicas_ack", description = "when above 0, an add, a delete, a state write or a"
            + " state consumption returns only once WAIT confirms that many replicas have it (else it fails)")
    int min__replicas__ack() default 0;

    @AttributeDefinition(name = "password", type = AttributeType.PASSWORD, required = false,
            description = "AUTH password; never shown")
    String password();

    @AttributeDefinition(name = "username", required = false, description = "Redis ACL user, with password")
    String username();

    @AttributeDefinition(name = "db", description = "database number")
    int db() default 0;

    @AttributeDefinition(name = "session_prefix", description = "prefix of session keys; the key named exactly this indexes them")
    String session__prefix() default RedisConfig.DEFAULT_SESSION_PREFIX;

    @AttributeDefinition(name = "state_prefix", description = "prefix of state keys; the key named exactly this indexes them")
    String state__prefix() default RedisConfig.DEFAULT_STATE_PREFIX;

    @AttributeDefinition(name = "ttl", description = "the longest a session key lives, such as 24h")
    String ttl() default RedisConfig.DEFAULT_TTL;

    @AttributeDefinition(name = "state_ttl", description = "how long a state can be validated, such as 10m")
    String state__ttl() default RedisConfig.DEFAULT_STATE_TTL;

    @AttributeDefinition(name = "max_states", description = "the most pending states kept (in a cluster, each of the"
            + " 128 buckets keeps its share); over it, the oldest go for new ones, so states never grow without bound")
    long max__states() default RedisConfig.DEFAULT_MAX_STATES;

    @AttributeDefinition(name = "max_states_per_client", description = "the most pending states of one client (the"
            + " caller names it, its address say); over it, that client's oldest go (0: no limit)")
    long max__states__per__client() default RedisConfig.DEFAULT_MAX_STATES_PER_CLIENT;

    @AttributeDefinition(name = "timeout", description = "connect timeout and the timeout of each command, such as 2s")
    String timeout() default RedisConfig.DEFAULT_TIMEOUT;

    @AttributeDefinition(name = "pool_size", description = "connections at most")
    int pool__size() default RedisConfig.DEFAULT_POOL_SIZE;

    @AttributeDefinition(name = "tls", description = "TLS to Redis; the server's chain and host name are verified")
    boolean tls() default false;

    @AttributeDefinition(name = "tls_ca_file", required = false,
            description = "PEM file of the CAs that sign the server's certificate (default: the JVM's)")
    String tls__ca__file();

    @AttributeDefinition(name = "tls_cert_file", required = false,
            description = "PEM client certificate, for tls-auth-clients yes (with tls_key_file)")
    String tls__cert__file();

    @AttributeDefinition(name = "tls_key_file", required = false,
            description = "PEM PKCS#8 key of the client certificate (openssl pkcs8 -topk8 -nocrypt)")
    String tls__key__file();

    @AttributeDefinition(name = "tls_verify_hostname",
            description = "check that the server's certificate names the host in addr; false is logged as a warning")
    boolean tls__verify__hostname() default true;

    @AttributeDefinition(name = "max_sessions_per_subject", required = false, description = "the most live sessions of one"
            + " subject (0: no limit), enforced in one script with the add; what a new one does over it, on_subject_limit says")
    long max__sessions__per__subject() default 0;

    @AttributeDefinition(name = "on_subject_limit", required = false, description = "a new session of a subject at its"
            + " limit: evict_oldest (the subject's session that ends first goes) or refuse (the add fails)",
            options = {@org.osgi.service.metatype.annotations.Option(value = "evict_oldest"),
                @org.osgi.service.metatype.annotations.Option(value = "refuse")})
    String on__subject__limit() default "evict_oldest";

    @AttributeDefinition(name = "idle_timeout", required = false, description = "end a session no read touched for this"
            + " long, such as 30m (0: off); expiresAt stays the absolute end")
    String idle__timeout() default "0";

    @AttributeDefinition(name = "touch_after", required = false, description = "a read writes the new idle deadline at"
            + " most this often, on any number of nodes (default a tenth of idle_timeout, at least 1s)")
    String touch__after() default "";
}
