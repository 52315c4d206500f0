#!/usr/bin/env bash
# Redis figures in one run against one local redis-server started for it:
# redis-benchmark -c 16 -d 512 (SET, GET), raw Jedis sending the store's commands, and the store.
# Needs redis-server and redis-benchmark on the PATH (Debian: apt-get install redis-server).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -DskipTests install
java -cp benchmarks/target/benchmarks.jar org.sessionstore.redis.RedisReport "${1:-5}"
