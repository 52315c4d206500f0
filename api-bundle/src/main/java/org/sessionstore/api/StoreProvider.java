package org.sessionstore.api;

/**
 * One available store type and the bundle that provides it.
 *
 * @param type the {@value StoreFactory#STORE_TYPE}
 * @param bundleSymbolicName the providing bundle
 * @param bundleVersion its version
 * @param bundleId its id in the framework
 * @param candidates how many factories offer this type (one is used)
 */
public record StoreProvider(String type, String bundleSymbolicName, String bundleVersion, long bundleId,
        int candidates) {
}
