package org.sessionstore.jdbc;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The jdbc backend's keys as a config editor and {@code sessionstore:types -v} show them. Values
 * set under PID {@code sessionstore.jdbc} are the defaults of every jdbc store; the keys under PID
 * {@code sessionstore} win over them.
 */
@ObjectClassDefinition(id = "sessionstore.jdbc", name = "Session Store: jdbc (PostgreSQL) backend",
        description = "Defaults for the jdbc store's keys; the active store's own configuration (PID sessionstore) wins.")
@interface JdbcStoreConfiguration {

    @AttributeDefinition(name = "url", description = "PostgreSQL JDBC URL, such as jdbc:postgresql://db:5432/sessions"
            + " (no password in it)")
    String url() default JdbcConfig.DEFAULT_URL;

    @AttributeDefinition(name = "user", required = false, description = "database user")
    String user();

    @AttributeDefinition(name = "password", type = AttributeType.PASSWORD, required = false,
            description = "database password; never shown")
    String password();

    @AttributeDefinition(name = "table_prefix", description = "prefix of the store's tables (lower-case letters,"
            + " digits, underscores)")
    String table__prefix() default JdbcConfig.DEFAULT_TABLE_PREFIX;

    @AttributeDefinition(name = "pool_size", description = "connections at most")
    int pool__size() default JdbcConfig.DEFAULT_POOL_SIZE;

    @AttributeDefinition(name = "timeout", description = "the longest a call waits for a connection, and each"
            + " statement's statement_timeout, such as 2s")
    String timeout() default JdbcConfig.DEFAULT_TIMEOUT;

    @AttributeDefinition(name = "ttl", description = "the longest a session row counts, whatever its expiresAt, such as 24h")
    String ttl() default JdbcConfig.DEFAULT_TTL;

    @AttributeDefinition(name = "state_ttl", description = "how long a state can be validated, such as 10m")
    String state__ttl() default JdbcConfig.DEFAULT_STATE_TTL;

    @AttributeDefinition(name = "max_states_per_client", description = "the most pending states of one client (the"
            + " caller names it, its address say); over it, that client's oldest go (0: no limit)")
    long max__states__per__client() default JdbcConfig.DEFAULT_MAX_STATES_PER_CLIENT;

    @AttributeDefinition(name = "max_sessions_per_subject", required = false, description = "the most live sessions of one"
            + " subject (0: no limit), enforced in one transaction under an advisory lock of the subject")
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
            + " most this often (default a tenth of idle_timeout, at least 1s)")
    String touch__after() default "";
}
