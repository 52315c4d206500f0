/**
 * Helpers for backends reading their configuration: Go-style durations ({@code 24h},
 * {@code 2h30m}, {@code 90s}, {@code 500ms}) and typed keys that fail with a
 * {@link org.sessionstore.api.StoreConfigException} naming the key.
 */
@Export
@Version("1.2.0")
package org.sessionstore.api.config;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
