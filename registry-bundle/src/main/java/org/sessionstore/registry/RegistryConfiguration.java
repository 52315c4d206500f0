package org.sessionstore.registry;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * What a config editor shows for PID {@code sessionstore}. Besides these keys, the configuration
 * holds the keys of the chosen backend (for redis: {@code addr}, {@code password}, {@code ttl}, …);
 * the registry passes those, and only those, to the backend.
 */
@ObjectClassDefinition(name = "Session Store", description = "The active session store: its type and the backend's own keys.")
@interface RegistryConfiguration {

    @AttributeDefinition(name = "Type", description = "The store.type of the backend to use, such as memory or redis.")
    String type() default "memory";

    @AttributeDefinition(name = "Swap timeout", description = "How long a call waits for a backend of the "
            + "configured type while none is available (during an upgrade), such as 10s or 500ms.")
    String swap__timeout() default "10s";

    @AttributeDefinition(name = "Clean interval", description = "How often the registry removes expired sessions"
            + " and states past the backend's state_ttl from the active store, such as 1m; 0 turns it off.")
    String clean__interval() default "1m";

    // Secrets, typed PASSWORD so that a config editor (the Felix Web Console's Configuration page and
    // its Configurations status) shows them masked; give them by reference, $[secret:NAME].
    @AttributeDefinition(name = "Encryption key", type = AttributeType.PASSWORD, required = false, description = "The key"
            + " tokens are encrypted with at rest: 32 bytes in base64 (openssl rand -base64 32); give it by reference,"
            + " $[secret:encryption_key].")
    String encryption__key();

    @AttributeDefinition(name = "Old encryption keys", type = AttributeType.PASSWORD, required = false, description = "Keys"
            + " tokens were encrypted with before, still read (comma-separated).")
    String encryption__keys__old();

    @AttributeDefinition(name = "Backend password", type = AttributeType.PASSWORD, required = false, description = "The"
            + " backend's password (redis, jdbc), when it takes one; give it by reference, $[secret:NAME].")
    String password();
}
