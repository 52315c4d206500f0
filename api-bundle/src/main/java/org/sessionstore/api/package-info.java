/**
 * The Session Store API: the records a store keeps ({@link org.sessionstore.api.Session},
 * {@link org.sessionstore.api.StateEntry}), the store contract every backend implements
 * ({@link org.sessionstore.api.SessionStore}), the service a backend bundle publishes
 * ({@link org.sessionstore.api.StoreFactory}), and the registry that builds the configured
 * store ({@link org.sessionstore.api.StoreRegistry}).
 */
@Export
@Version("1.6.0")
package org.sessionstore.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
