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

    @AttributeDefinition(name = "max_sessions", description = "the most sessions held; a full store refuses new ones")
    long max__sessions() default MemoryConfig.DEFAULT_MAX_SESSIONS;

    @AttributeDefinition(name = "max_states", description = "the most pending states held")
    long max__states() default MemoryConfig.DEFAULT_MAX_STATES;

    @AttributeDefinition(name = "state_ttl", description = "how long a state can be validated, such as 10m")
    String state__ttl() default MemoryConfig.DEFAULT_STATE_TTL_TEXT;
}
