/**
 * The registry: tracks the backends' {@code StoreFactory} services, builds the configured store
 * and publishes it as one stable {@code SessionStore} service; a newcomer reads
 * {@link org.sessionstore.registry.SessionStoreRegistry} (the wiring), then
 * {@link org.sessionstore.registry.ConfigDoor} (how configuration enters) and
 * {@link org.sessionstore.registry.Swapper} (how a backend is put behind the front).
 *
 * <p><b>Words</b> (code, docs and messages use one word per thing): <i>swap</i> = the registry
 * replaces the backend behind the front; <i>migrate</i> = copy the live entries of one store into
 * another ({@link Migrator}); <i>handover</i> = in-process entries carried across a restart of
 * the registry bundle or an upgrade of the backend's bundle ({@link KeptEntries}). The API's older
 * names mean the same: {@code StoreRegistry.switchTo} swaps, {@code TransferableStore} is a store
 * that can be migrated from, {@code handOffOnUpgrade} asks for a handover.
 *
 * <p><b>Threads and locks</b>, all of them:
 * <ul>
 * <li>the registry thread ({@code sessionstore-registry}) runs every task; it holds no lock while
 * it calls out (a factory's {@code create} runs on a build thread of its own within swap_timeout,
 * {@link BackendBuild}; a migration runs here, while calls wait);</li>
 * <li>{@link FactoryIndex}'s lock guards its map, held for no call out;</li>
 * <li>{@link StoreFront}'s monitor guards which backend serves (calls wait on it); its
 * {@code downLock} orders the UNAVAILABLE/AVAILABLE events and is held while it hands the event to
 * {@link Events}, which only offers it to a lock-free ring;</li>
 * <li>{@link EventSubscribers}' monitor guards which Event Admin posts and which topics are heard
 * (taken when Event Admin or a handler comes or goes, never on a call);</li>
 * <li>{@link Events}' monitor guards the start and end of its publisher thread (taken on a call only
 * when an event finds no publisher running, for no call out);</li>
 * <li>{@link Housekeeper}'s monitor guards its schedule (never held while it cleans);</li>
 * <li>{@link ConfigDoor}'s monitor guards whether the start configuration was handled (held while it
 * reads the YAML file at start, at most 64 KiB, and starts the YAML watcher; never while it waits for
 * the registry thread);</li>
 * <li>the YAML watcher's monitor ({@code yaml.YamlWatcher}) guards its poller's start and close (and
 * is taken inside ConfigDoor's at start);</li>
 * <li>{@link BackendBuild}'s map of builds past their deadline and the event ring are lock-free;
 * ConfigAdmin's and the framework's own locks (the service trackers of
 * {@link ConfigAdminStorage}) are theirs.</li>
 * </ul>
 * Locks nest in two places only: the front's downLock over the ring's offer, and ConfigDoor's
 * monitor over the YAML watcher's.
 */
package org.sessionstore.registry;
