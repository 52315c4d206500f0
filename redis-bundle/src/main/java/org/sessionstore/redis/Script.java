package org.sessionstore.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A Lua script run server-side in one step, by its SHA-1 (sent in full once per server, when
 * the server answers NOSCRIPT). Every script names the keys it touches in KEYS except the
 * per-id keys of the cleaning scripts, which it builds from the prefix it is given: on one
 * server the prefix, in a cluster the bucket's prefix, whose hash tag puts every key it builds in
 * the slot of the index it cleans.
 *
 * <p>Each script declares itself with a shebang (Redis 7): a script that adds data is checked
 * against {@code maxmemory} before it runs, so under a {@code noeviction} policy it is refused
 * whole with OOM instead of deleting first and writing anyway; scripts that only remove data
 * ({@code flags=allow-oom}) still run, as they are how memory is freed.
 */
final class Script {

    /**
     * Replaces a session: its hash, its expiry, its index entry, and on one server its entries in
     * its subject's and its sid's sorted sets (by expiry, pruned of what ended, expiring with the
     * last of them). A hash of this format (its {@code v} is the one written now) is updated in
     * place: the fields the session no longer has are removed, the others set. Anything else under
     * the key (no hash yet, another format, a value of another type) is deleted first, so nothing
     * foreign survives.
     *
     * <p>With a per-subject limit (ARGV[5] above 0; one server, where the subject's set lies in the
     * session's slot) the subject's other live sessions are counted first, from its set, each
     * checked against its hash (an entry of a session deleted since is dropped): at the limit the
     * script returns -1 and writes nothing (refuse), or removes the ones that end first (evict). It
     * returns 1 + how many it evicted: never 0, which the batcher reads as "nothing changed, no
     * replica to wait for" (min_replicas_ack). KEYS: the session, the index, then the subject's set if ARGV[4] holds
     * {@code s}, then the sid's set if it holds {@code d}; {@code i} in the flags marks the index score
     * as an idle end ({@link #IDLE_MARK}). ARGV: id, pttl, index score, flags, limit,
     * {@code e} (evict) or {@code r} (refuse), subject, the score of the subject's and sid's entries
     * (the session's absolute end: with {@code idle_timeout} the session's own key and index score
     * hold its idle deadline, which reads move, while those sets keep it under them until its end), n,
     * the n absent field names, then field, value, … with {@code v} and its value first.
     */
    static final Script ADD_SESSION = new Script("""
            #!lua
            local id, pttl, exp = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
            local k = 3
            local subj, sidk
            if string.find(ARGV[4], 's', 1, true) then subj = KEYS[k]; k = k + 1 end
            if string.find(ARGV[4], 'd', 1, true) then sidk = KEYS[k] end
            local limit, n, cap = tonumber(ARGV[5]), tonumber(ARGV[9]), tonumber(ARGV[8])
            local evicted = 0
            if subj and limit > 0 then
              redis.call('ZREMRANGEBYSCORE', subj, '-inf', '(' .. (exp - pttl))
              local live = {}
              for _, m in ipairs(redis.call('ZRANGE', subj, 0, -1)) do
                if m ~= id then
                  local ok, s = pcall(redis.call, 'HGET', KEYS[2] .. m, 'sub')
                  if ok and s == ARGV[7] then live[#live + 1] = m else redis.call('ZREM', subj, m) end
                end
              end
              local over = #live + 1 - limit
              if over > 0 then
                if ARGV[6] == 'r' then return -1 end
                for i = 1, over do
                  redis.call('UNLINK', KEYS[2] .. live[i])
                  redis.call('ZREM', KEYS[2], live[i])
                  redis.call('ZREM', subj, live[i])
                end
                evicted = over
              end
            end
            local ok, v = pcall(redis.call, 'HGET', KEYS[1], 'v')
            if ok and v == ARGV[11 + n] then
              if n > 0 then redis.call('HDEL', KEYS[1], unpack(ARGV, 10, 9 + n)) end
            else
              redis.call('DEL', KEYS[1])
            end
            redis.call('HSET', KEYS[1], unpack(ARGV, 10 + n))
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            local score = ARGV[3]
            if string.find(ARGV[4], 'i', 1, true) then score = string.format('%d.5', exp - 1) end
            redis.call('ZADD', KEYS[2], score, id)
            local now = exp - pttl
            for _, set in ipairs({subj or false, sidk or false}) do
              if set then
                redis.call('ZADD', set, cap, id)
                redis.call('ZREMRANGEBYSCORE', set, '-inf', '(' .. now)
                if redis.call('PTTL', set) < cap - now then redis.call('PEXPIRE', set, cap - now) end
              end
            end
            return 1 + evicted
            """);

    /**
     * A read of a session under {@code idle_timeout}: moves its idle deadline (the hash's
     * {@code deadline}, its expiry, its index score) to ARGV[2] if that is at least ARGV[4] ms
     * ({@code touch_after}, or 1 when ARGV[2] is the session's end) later than the one it holds, so racing reads on any number of nodes write
     * once per {@code touch_after}; a session gone meanwhile (deleted, revoked) is not brought back.
     * A session added again meanwhile (its {@code cap}, the end it was added with, differs from
     * ARGV[5]) is left as that add wrote it. A deadline before the cap is scored as an idle end ({@link #IDLE_MARK}). ARGV: id, new deadline (epoch ms, at most the cap), its
     * pttl, touch_after (ms), the cap read. Returns 1 if it wrote.
     */
    static final Script TOUCH_SESSION = new Script("""
            #!lua
            local ok, f = pcall(redis.call, 'HMGET', KEYS[1], 'deadline', 'cap')
            if not ok or not f[1] or f[2] ~= ARGV[5] then return 0 end
            if tonumber(ARGV[2]) - tonumber(f[1]) < tonumber(ARGV[4]) then return 0 end
            redis.call('HSET', KEYS[1], 'deadline', ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            local score = ARGV[2]
            if tonumber(ARGV[2]) < tonumber(ARGV[5]) then score = string.format('%d.5', tonumber(ARGV[2]) - 1) end
            redis.call('ZADD', KEYS[2], 'XX', score, ARGV[1])
            return 1
            """);

    /**
     * The per-subject limit in a Redis Cluster, in the subject's slot (its sessions lie in others):
     * the subject's set, pruned of what ended, counts its sessions; at the limit it returns -1 and
     * adds nothing (refuse), or takes out the ones that end first and returns their ids (the store
     * then removes those sessions where they lie); then the id joins the set. The store has written
     * the session before, and checks after, that its id is still in the set (a racing add may have
     * evicted it meanwhile: then it removes it). ARGV: id, expiry (epoch ms), now, pttl, limit,
     * {@code e} or {@code r}.
     */
    static final Script LIMIT_SUBJECT = new Script("""
            #!lua
            local id, exp, now, pttl, limit = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
            local others = {}
            for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
              if m ~= id then others[#others + 1] = m end
            end
            local out = {}
            local over = #others + 1 - limit
            if over > 0 then
              if ARGV[6] == 'r' then return -1 end
              for i = 1, over do
                redis.call('ZREM', KEYS[1], others[i])
                out[#out + 1] = others[i]
              end
            end
            redis.call('ZADD', KEYS[1], exp, id)
            if redis.call('PTTL', KEYS[1]) < pttl then redis.call('PEXPIRE', KEYS[1], pttl) end
            return out
            """);

    /**
     * Notes a session under its subject or its sid (Redis Cluster, where that key lies in another
     * slot than the session's; on one server {@link #ADD_SESSION} does it in the same step): a
     * sorted set of session ids by expiry, pruned of what expired, expiring with the last of them
     * (a relative expiry, as for the sessions: the store's clock, which gives the scores, need not
     * agree with the server's). ARGV: id, expiry (epoch ms), now, pttl.
     */
    static final Script ADD_SUBJECT = new Script("""
            #!lua
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
            if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
            return 1
            """);

    /**
     * Removes a session and its index entry if its field ARGV[2] ({@code sub} or {@code sid}) is
     * ARGV[3]; 1 if it did. ARGV: id, field, value.
     */
    static final Script REVOKE_SESSION = new Script("""
            #!lua flags=allow-oom
            local ok, val = pcall(redis.call, 'HGET', KEYS[1], ARGV[2])
            if ok and val == ARGV[3] then
              redis.call('UNLINK', KEYS[1])
              redis.call('ZREM', KEYS[2], ARGV[1])
              return 1
            end
            return 0
            """);

    /** Removes a session and its index entry; 1 if it was live at ARGV[2]. ARGV: id, now. */
    static final Script REMOVE_SESSION = new Script("""
            #!lua flags=allow-oom
            local exp = redis.call('HGET', KEYS[1], 'expires_at')
            redis.call('DEL', KEYS[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            if exp and tonumber(exp) > tonumber(ARGV[2]) then return 1 end
            return 0
            """);

    /**
     * Removes up to ARGV[3] sessions whose index score is at or before ARGV[1]; returns how many,
     * and how many of them ended idle (their score is marked: see {@link #IDLE_MARK}). ARGV: now,
     * prefix, batch.
     */
    static final Script CLEAN_SESSIONS = new Script("""
            #!lua flags=allow-oom
            local found = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
            local ids, idle = {}, 0
            for i = 1, #found, 2 do
              ids[#ids + 1] = found[i]
              redis.call('DEL', ARGV[2] .. found[i])
              if tonumber(found[i + 1]) % 1 ~= 0 then idle = idle + 1 end
            end
            if #ids > 0 then redis.call('ZREM', KEYS[1], unpack(ids)) end
            return {#ids, idle}
            """);

    /**
     * How an index entry says its session ends idle: with {@code idle_timeout} a session whose idle
     * deadline D lies before its end is scored D - 0.5 (ADD_SESSION with flag {@code i},
     * TOUCH_SESSION), one that ends at its end is scored by it, a whole number. Every reader
     * compares the score with a whole millisecond, so D - 0.5 sorts exactly as D does; cleaning
     * counts the marked ones as ended idle (Redis expires the key itself, so nothing else is left
     * to tell an idle end from the end). The mark is written with {@code string.format('%d.5')}
     * (Lua's own number-to-text conversion keeps 14 digits) and read as "not a whole number".
     * Entries written before the mark existed are whole: their idle ends count as ttl until a read
     * moves their deadline.
     */
    static final String IDLE_MARK = ".5";

    /**
     * Stores a state for ARGV[3] ms and indexes it by creation; the index drops entries past their
     * lifetime, keeps at most ARGV[5] states (the oldest go, keys and all, and their entries in
     * their clients' sets with them) and expires with its youngest state, so neither states, the
     * index nor the clients' sets grow without bound. With KEYS[3] (one server: the client's own
     * sorted set) the client keeps at most ARGV[6] states the same way. ARGV: state, value, pttl,
     * createdAt, max states (of this index), max per client, the index's key prefix, the prefix of
     * the clients' sets (one server; empty in a cluster, where they lie in other slots: the script
     * returns client, state, … of the states it pushed out, for the store to remove there).
     */
    static final Script ADD_STATE = new Script("""
            #!lua
            local st, pttl, now = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
            local out = {}
            redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
            redis.call('ZADD', KEYS[2], now, st)
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - pttl))
            local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
            if over > 0 then
              local old = redis.call('ZPOPMIN', KEYS[2], over)
              for i = 1, #old, 2 do
                local raw = redis.call('GET', ARGV[7] .. old[i])
                if raw then
                  local ok, rec = pcall(cjson.decode, raw)
                  if ok and type(rec) == 'table' and type(rec.client) == 'string' then
                    if ARGV[8] ~= '' then
                      redis.call('ZREM', ARGV[8] .. rec.client, old[i])
                    else
                      out[#out + 1] = rec.client
                      out[#out + 1] = old[i]
                    end
                  end
                end
                redis.call('DEL', ARGV[7] .. old[i])
              end
            end
            if redis.call('PTTL', KEYS[2]) < pttl then redis.call('PEXPIRE', KEYS[2], pttl) end
            if KEYS[3] then
              redis.call('ZADD', KEYS[3], now, st)
              redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (now - pttl))
              local mine = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[6])
              if mine > 0 then
                local old = redis.call('ZPOPMIN', KEYS[3], mine)
                for i = 1, #old, 2 do
                  redis.call('DEL', ARGV[7] .. old[i])
                  redis.call('ZREM', KEYS[2], old[i])
                end
              end
              if redis.call('PTTL', KEYS[3]) < pttl then redis.call('PEXPIRE', KEYS[3], pttl) end
            end
            return out
            """);

    /**
     * Notes a state under its client (Redis Cluster, where the client's key lies in another slot
     * than the state's; on one server {@link #ADD_STATE} does it in the same step): the client's
     * sorted set of states by creation, pruned of what expired, at most ARGV[4] long, expiring with
     * its youngest. Returns the states it pushed out (the store then removes them where they lie).
     * ARGV: state, createdAt, pttl, max per client.
     */
    static final Script ADD_CLIENT_STATE = new Script("""
            #!lua
            local now, pttl = tonumber(ARGV[2]), tonumber(ARGV[3])
            redis.call('ZADD', KEYS[1], now, ARGV[1])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - pttl))
            local out = {}
            local mine = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
            if mine > 0 then
              local old = redis.call('ZPOPMIN', KEYS[1], mine)
              for i = 1, #old, 2 do out[#out + 1] = old[i] end
            end
            if redis.call('PTTL', KEYS[1]) < pttl then redis.call('PEXPIRE', KEYS[1], pttl) end
            return out
            """);

    /** Consumes a state in one step: GETDEL, and its index entry. ARGV: state. */
    static final Script CONSUME_STATE = new Script("""
            #!lua flags=allow-oom
            local v = redis.call('GETDEL', KEYS[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            return v
            """);

    /** Removes up to ARGV[3] states created at or before ARGV[1]. ARGV: cutoff, prefix, batch. */
    static final Script CLEAN_STATES = new Script("""
            #!lua flags=allow-oom
            local s = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
            for _, st in ipairs(s) do redis.call('DEL', ARGV[2] .. st) end
            if #s > 0 then redis.call('ZREM', KEYS[1], unpack(s)) end
            return #s
            """);

    /**
     * Drops index entries whose key is gone (evicted, or deleted outside the store): checks up to
     * ARGV[3] index entries from rank ARGV[1] on. ARGV: rank, prefix, batch. Returns {checked, removed}.
     */
    static final Script RECONCILE = new Script("""
            #!lua flags=allow-oom
            local from = tonumber(ARGV[1])
            local ids = redis.call('ZRANGE', KEYS[1], from, from + tonumber(ARGV[3]) - 1)
            local gone = {}
            for _, id in ipairs(ids) do
              if redis.call('EXISTS', ARGV[2] .. id) == 0 then gone[#gone + 1] = id end
            end
            if #gone > 0 then redis.call('ZREM', KEYS[1], unpack(gone)) end
            return {#ids, #gone}
            """);

    private final String text;
    private final String sha;

    /** A script's reply of strings (or bulk bytes) as strings; empty if it is not a list. */
    static List<String> strings(Object reply) {
        List<String> out = new java.util.ArrayList<>();
        if (reply instanceof List<?> list) {
            for (Object o : list) {
                out.add(o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o));
            }
        }
        return out;
    }

    private Script(String text) {
        this.text = text;
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    /** The script's SHA-1, to send it by. */
    String sha() {
        return sha;
    }

    /** The script's text, to load it. */
    String text() {
        return text;
    }

    /** Every script the store sends batched, to load on each new batching connection. */
    static final List<Script> BATCHED = List.of(ADD_SESSION, ADD_STATE, ADD_SUBJECT, ADD_CLIENT_STATE, LIMIT_SUBJECT,
            TOUCH_SESSION);

    Object run(Jedis jedis, List<String> keys, List<String> args) {
        try {
            return jedis.evalsha(sha, keys, args);
        } catch (JedisNoScriptException e) {
            return jedis.eval(text, keys, args);
        }
    }
}
