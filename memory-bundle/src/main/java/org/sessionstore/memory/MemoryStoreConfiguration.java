package org.sessionstore.memory;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The memory backend's keys as a config editor shows them. Values set under PID
 * {@code sessionstore.memory} are the defaults of every memory store; the keys under PID
 * {@code sessionstore} win over them.
 */
@ObjectClassDefinition(id = "sessionstore.memory", name = "Session Store: memory backend",
        description = "Defaults for the memory store's keys; the active store's own configuration (PID sessionstore) wins.")
@interface MemoryStoreConfiguration {

    @AttributeDefinition(name = "max_sessions", description = "the most sessions held; a full store refuses new ones"
            + " (0: fit to the heap, one per 8 KiB of -Xmx, at most 1000000)")
    long max__sessions() default 0;

    @AttributeDefinition(name = "max_states", description = "the most pending states held; when full, the oldest goes"
            + " for a new one (0: fit to the heap, one per 32 KiB of -Xmx, at most 100000)")
    long max__states() default 0;

    @AttributeDefinition(name = "max_states_per_client", description = "the most pending states of one client (the"
            + " caller names it, its address say); over it, that client's oldest goes (0: no limit)")
    long max__states__per__client() default MemoryConfig.DEFAULT_MAX_STATES_PER_CLIENT;

    @AttributeDefinition(name = "state_ttl", description = "how long a state can be validated, such as 10m")
    String state__ttl() default MemoryConfig.DEFAULT_STATE_TTL_TEXT;

    @AttributeDefinition(name = "max_sessions_per_subject", description = "the most live sessions of one subject"
            + " (0: no limit); what a new one does over it, on_subject_limit says")
    long max__sessions__per__subject() default 0;

    @AttributeDefinition(name = "on_subject_limit", description = "a new session of a subject at its limit: evict_oldest"
            + " (the subject's session that ends first goes) or refuse (the add fails)",
            options = {@org.osgi.service.metatype.annotations.Option(value = "evict_oldest"),
                @org.osgi.service.metatype.annotations.Option(value = "refuse")})
    String on__subject__limit() default "evict_oldest";

    @AttributeDefinition(name = "idle_timeout", description = "end a session no read touched for this long, such as 30m"
            + " (0: off); expiresAt stays the absolute end")
    String idle__timeout() default "0";

    @AttributeDefinition(name = "touch_after", description = "a read writes the new idle deadline at most this often"
            + " (default a tenth of idle_timeout, at least 1s; below idle_timeout)")
    String touch__after() default "";
}
