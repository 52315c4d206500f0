/**
 * Tokens encrypted at rest, the same way for every backend: {@link org.sessionstore.api.crypto.TokenKeys}
 * (the {@code encryption_key} and {@code encryption_keys_old} settings),
 * {@link org.sessionstore.api.crypto.TokenCipher} (AES-256-GCM, a key id in every ciphertext) and
 * {@link org.sessionstore.api.crypto.EncryptedStore}, which the registry puts in front of whatever
 * backend it builds.
 */
@Export
@Version("1.3.0")
package org.sessionstore.api.crypto;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
