package org.example.filestore;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The keys of the {@code file} backend, published as Metatype under PID
 * {@code sessionstore.file}: {@code sessionstore:types -v} lists them, a config editor shows them,
 * and values set under that PID are the defaults the registry merges under the active
 * configuration (PID {@code sessionstore}).
 */
@ObjectClassDefinition(id = "sessionstore.file", name = "Session Store: file backend (example)",
        description = "Defaults for the file store's keys; the active store's own configuration (PID sessionstore) wins.")
@interface FileStoreConfiguration {

    @AttributeDefinition(name = "dir", description = "directory of the session and state files")
    String dir() default FileStoreFactory.DEFAULT_DIR;

    @AttributeDefinition(name = "state_ttl", description = "how long a state can be validated, such as 10m")
    String state__ttl() default FileStoreFactory.DEFAULT_STATE_TTL;
}
