#!/usr/bin/env bash
# End to end with a real identity provider: Keycloak (its distribution from Maven Central) logs a
# user out, and its back-channel logout ends that user's session in the store.
#
#   mvn -q -DskipTests install                  # the distribution jar
#   examples/keycloak/backchannel-e2e.sh         # about a minute; prints PASS or FAIL and exits 0 or 1
#
# What it does: starts Keycloak (start-dev, 127.0.0.1, a free port) and the distribution jar with
# HTTP on and etc/org.sessionstore.backchannel.cfg pointing at Keycloak's realm (issuer, audience =
# the client id, jwks = the realm's certs URL); makes a realm with a client whose back-channel
# logout URL is the jar's endpoint, and a user; logs the user in twice (password grant: two
# Keycloak sessions, two sids), stores one proxy session per sid through the jar's shell
# (sessionstore:add --sid), logs the first Keycloak session out, and checks through the shell that
# its session is gone and the other one is kept.
# Needs: curl, python3, Java 21 or later for Keycloak (KC_JAVA_HOME, else the first JDK 21+ under
# /usr/lib/jvm), Java 17+ for the jar. KEYCLOAK_VERSION (default 26.4.0) must resolve from Maven Central.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION="${KEYCLOAK_VERSION:-26.4.0}"
JAR="$PWD/distribution/target/session-store.jar"
[ -f "$JAR" ] || { echo "no $JAR: run 'mvn -q -DskipTests install' first" >&2; exit 1; }
if [ -z "${KC_JAVA_HOME:-}" ]; then
  for j in /usr/lib/jvm/*; do
    [ -x "$j/bin/java" ] || continue
    v=$("$j/bin/java" -version 2>&1 | sed -nE 's/.*version "([0-9]+).*/\1/p' | head -1 || true)
    if [ "${v:-0}" -ge 21 ]; then KC_JAVA_HOME="$j"; break; fi
  done
fi
[ -n "${KC_JAVA_HOME:-}" ] || { echo "Keycloak $VERSION needs Java 21 or later: set KC_JAVA_HOME" >&2; exit 1; }
ZIP="$HOME/.m2/repository/org/keycloak/keycloak-quarkus-dist/$VERSION/keycloak-quarkus-dist-$VERSION.zip"
[ -f "$ZIP" ] || mvn -q -B dependency:get -Dartifact="org.keycloak:keycloak-quarkus-dist:$VERSION:zip" -Dtransitive=false
WORK=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
KC_PORT=$(free_port); HTTP_PORT=$(free_port)
KC="http://127.0.0.1:$KC_PORT"
cleanup() {
  [ -n "${KC_PID:-}" ] && kill "$KC_PID" 2>/dev/null || true
  [ -n "${JAR_PID:-}" ] && kill "$JAR_PID" 2>/dev/null || true
  exec 3>&- 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

echo "== Keycloak $VERSION on 127.0.0.1:$KC_PORT (Java: $KC_JAVA_HOME)"
(cd "$WORK" && unzip -q "$ZIP")
KC_HOME="$WORK/keycloak-$VERSION"
JAVA_HOME="$KC_JAVA_HOME" KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin-e2e-pw \
  "$KC_HOME/bin/kc.sh" start-dev --http-host=127.0.0.1 --http-port="$KC_PORT" --hostname-strict=false \
  > "$WORK/keycloak.log" 2>&1 &
KC_PID=$!
for _ in $(seq 1 180); do curl -sf "$KC/realms/master" >/dev/null 2>&1 && break; sleep 1; done
curl -sf "$KC/realms/master" >/dev/null || { echo "FAIL: Keycloak did not start; its log:"; tail -30 "$WORK/keycloak.log"; exit 1; }

ADMIN=$(curl -sf -d grant_type=password -d client_id=admin-cli -d username=admin -d password=admin-e2e-pw \
  "$KC/realms/master/protocol/openid-connect/token" | json "['access_token']")
api() { curl -sf -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' "$@"; }
api -X POST "$KC/admin/realms" -d '{"realm":"ss","enabled":true}'
api -X POST "$KC/admin/realms/ss/clients" -d "{\"clientId\":\"proxy\",\"publicClient\":true,\"directAccessGrantsEnabled\":true,
  \"standardFlowEnabled\":false,\"frontchannelLogout\":false,\"attributes\":{
  \"backchannel.logout.url\":\"http://127.0.0.1:$HTTP_PORT/sessionstore/backchannel-logout\",
  \"backchannel.logout.session.required\":\"true\",\"backchannel.logout.revoke.offline.tokens\":\"false\"}}"
api -X POST "$KC/admin/realms/ss/users" -d '{"username":"alice","enabled":true,"email":"alice@example.com",
  "emailVerified":true,"firstName":"Alice","lastName":"E2e","credentials":[{"type":"password","value":"alice-pw","temporary":false}]}'

echo "== the store on 127.0.0.1:$HTTP_PORT, back-channel logout from Keycloak's realm ss"
mkdir -p "$WORK/store/etc"
cat > "$WORK/store/etc/org.sessionstore.backchannel.cfg" <<CFG
issuer = $KC/realms/ss
audience = proxy
jwks = $KC/realms/ss/protocol/openid-connect/certs
CFG
mkfifo "$WORK/in"
(cd "$WORK/store" && exec java -Dorg.osgi.service.http.port="$HTTP_PORT" -jar "$JAR" < "$WORK/in" > "$WORK/out.log" 2> "$WORK/err.log") &
JAR_PID=$!
exec 3> "$WORK/in"
say() { echo "$1" >&3; }
ask() { # a command, then waits for what it printed
  local before; before=$(wc -c < "$WORK/out.log"); say "$1"
  for _ in $(seq 1 100); do sleep 0.1; [ "$(wc -c < "$WORK/out.log")" -gt "$before" ] && break; done
  sleep 0.3; tail -c +"$((before + 1))" "$WORK/out.log"
}
for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/metrics" && break; sleep 1; done

login() { curl -sf -d grant_type=password -d client_id=proxy -d username=alice -d password=alice-pw -d scope=openid \
  "$KC/realms/ss/protocol/openid-connect/token"; }
claim() { python3 -c "import base64,json,sys; p=sys.argv[1].split('.')[1]; p+='='*(-len(p)%4); print(json.loads(base64.urlsafe_b64decode(p))[sys.argv[2]])" "$1" "$2"; }
T1=$(login); T2=$(login)
ID1=$(echo "$T1" | json "['id_token']"); ID2=$(echo "$T2" | json "['id_token']")
SID1=$(claim "$ID1" sid); SID2=$(claim "$ID2" sid); SUB=$(claim "$ID1" sub)
echo "alice is $SUB, logged in twice: sid $SID1 and sid $SID2"
ask "sessionstore:add --sid $SID1 s1 $SUB 1h"
ask "sessionstore:add --sid $SID2 s2 $SUB 1h"

echo "== Keycloak logs the first session out (it posts a logout_token to the store)"
curl -sf -o /dev/null -w 'logout: HTTP %{http_code}\n' -d client_id=proxy -d "refresh_token=$(echo "$T1" | json "['refresh_token']")" \
  "$KC/realms/ss/protocol/openid-connect/logout"
s1=""; for _ in $(seq 1 50); do s1=$(ask "sessionstore:get s1"); case "$s1" in *"no session 's1'"*) break;; esac; done
s2=$(ask "sessionstore:get s2")
echo "$s1" | head -1; echo "$s2" | head -2
if echo "$s1" | grep -q "no session 's1'" && echo "$s2" | grep -q "$SID2"; then
  echo "PASS: Keycloak's back-channel logout ended sid $SID1's session; sid $SID2's is kept"
  grep -i "backchannel\|logout" "$WORK/err.log" || true
  exit 0
fi
echo "FAIL; the store's log:"; cat "$WORK/err.log"; echo "Keycloak's log (last lines):"; tail -20 "$WORK/keycloak.log"
exit 1
