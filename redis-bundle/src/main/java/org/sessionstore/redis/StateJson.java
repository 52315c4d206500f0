package org.sessionstore.redis;

import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;

import org.sessionstore.api.StateEntry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * A state as one JSON string value, so GETDEL takes all of it in one step:
 * {@code {"v":1,"created_at":…,"user_agent":…,"request_url":…,"upstream_url":…,"code_verifier":…}}.
 * {@code v} is the format version: a record without it was written before versions were kept
 * (the same fields); one with a newer version than {@value #VERSION} was written by a newer store
 * and is refused as unreadable rather than misread. Jackson's streaming API writes and reads it.
 */
final class StateJson {

    /** The format version this store writes. */
    static final int VERSION = 1;
    /**
     * Buffers recycled through a pool this class owns, not Jackson's default, a ThreadLocal of each
     * calling thread: the callers' threads outlive this bundle, and after an update each of them held
     * the old revision's buffers, and through them its class loader (softly: an hour's soak with 20
     * updates kept every old revision's classes in the heap until memory ran short).
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .recyclerPool(com.fasterxml.jackson.core.util.JsonRecyclerPools.newConcurrentDequePool()).build();

    private StateJson() {
    }

    static String write(StateEntry e) {
        return write(e, null);
    }

    /** With the client that added it ({@code max_states_per_client}), so its entry in the client's set can go with it. */
    static String write(StateEntry e, String client) {
        StringWriter out = new StringWriter(160);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("v", VERSION);
            g.writeNumberField("created_at", e.createdAt().toEpochMilli());
            g.writeStringField("user_agent", e.userAgent());
            g.writeStringField("request_url", e.requestUrl());
            g.writeStringField("upstream_url", e.upstreamUrl());
            g.writeStringField("code_verifier", e.codeVerifier());
            if (client != null) {
                g.writeStringField("client", client);
            }
            g.writeEndObject();
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        return out.toString();
    }

    /** The client a state record names, or null (none, or a record that cannot be read). */
    static String client(String json) {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("client") && t == JsonToken.VALUE_STRING) {
                    return p.getText();
                }
                p.skipChildren();
            }
        } catch (IOException | RuntimeException e) {
            // none then
        }
        return null;
    }

    /**
     * @throws UnreadableRecord if the value is not a state record this store can read
     */
    static StateEntry read(String state, String json) {
        long version = 1;
        Long created = null;
        String userAgent = null;
        String requestUrl = null;
        String upstreamUrl = null;
        String codeVerifier = null;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new UnreadableRecord("it is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "v" -> version = number(p, t, "v");
                    case "created_at" -> created = number(p, t, "created_at");
                    case "user_agent" -> userAgent = text(p, t);
                    case "request_url" -> requestUrl = text(p, t);
                    case "upstream_url" -> upstreamUrl = text(p, t);
                    case "code_verifier" -> codeVerifier = text(p, t);
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new UnreadableRecord("it is not valid JSON");
        }
        if (version > VERSION) {
            throw new UnreadableRecord("it was written in format " + version + " by a newer store; this one reads "
                    + VERSION);
        }
        if (created == null || userAgent == null) {
            throw new UnreadableRecord("it lacks " + (created == null ? "created_at" : "user_agent"));
        }
        try {
            return new StateEntry(state, Instant.ofEpochMilli(created), userAgent, requestUrl, upstreamUrl, codeVerifier);
        } catch (IllegalArgumentException e) {
            throw new UnreadableRecord("its state is not a valid state");
        }
    }

    private static long number(JsonParser p, JsonToken t, String field) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new UnreadableRecord("its " + field + " is not a whole number");
        }
        return p.getLongValue();
    }

    private static String text(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            p.skipChildren();
            throw new UnreadableRecord("a field holds " + t + " where text belongs");
        }
        return p.getText();
    }
}
