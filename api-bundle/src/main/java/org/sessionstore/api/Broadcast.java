package org.sessionstore.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A channel between the processes ("nodes") that share one store: Redis pub/sub, PostgreSQL
 * {@code LISTEN/NOTIFY}. The registry's near cache tells every other node through it that a
 * session changed, so that none serves its old copy. Delivery is at most once and may be lost while
 * the channel is down; a subscriber is told so ({@link Listener#down}) and must then trust nothing
 * it learnt before the next {@link Listener#up}.
 *
 * <p>A shared store offers one through {@link SessionStore#broadcast()}; an in-process store has
 * none. Implementations are thread-safe.
 *
 * @since 1.6
 */
@ConsumerType
public interface Broadcast {

    /**
     * Sends a message to every subscriber of this store's channel, on every node (this one too).
     *
     * @param message at most {@value #MAX_MESSAGE} characters
     * @throws StoreUnavailableException when the server cannot be reached within the store's timeout
     */
    void publish(String message);

    /** The longest message {@link #publish} takes. */
    int MAX_MESSAGE = 4096;

    /**
     * Starts listening on a thread of the implementation's own, which reconnects by itself.
     *
     * @param listener told of each message and of the channel going down and up
     * @return stops listening (and frees the connection)
     */
    AutoCloseable subscribe(Listener listener);

    /** What a subscriber is told; called on the channel's own thread, never concurrently. */
    interface Listener {

        /** A message published by some node after {@link #up()}. */
        void received(String message);

        /** The subscription is in place: messages published from now on arrive. */
        void up();

        /**
         * The subscription is lost (connection killed, server failed over, no answer to a ping), or
         * a try to make it again failed (told again at each try, with its reason): messages
         * published meanwhile are lost until the next {@link #up()}.
         *
         * @param why one line, never a secret
         */
        void down(String why);
    }
}
