package org.sessionstore.redis;

import java.time.Instant;

import org.sessionstore.api.StateEntry;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** A state as one JSON string value, so GETDEL takes all of it in one step. */
final class StateJson {

    private StateJson() {
    }

    static String write(StateEntry e) {
        JsonObject o = new JsonObject();
        o.addProperty("created_at", e.createdAt().toEpochMilli());
        o.addProperty("user_agent", e.userAgent());
        o.addProperty("request_url", e.requestUrl());
        o.addProperty("upstream_url", e.upstreamUrl());
        o.addProperty("code_verifier", e.codeVerifier());
        return o.toString();
    }

    static StateEntry read(String state, String json) {
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        return new StateEntry(state, Instant.ofEpochMilli(o.get("created_at").getAsLong()), text(o, "user_agent"),
                text(o, "request_url"), text(o, "upstream_url"), text(o, "code_verifier"));
    }

    private static String text(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }
}
