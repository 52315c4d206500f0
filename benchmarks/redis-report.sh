#!/usr/bin/env bash
# The redis store beside its peers, in one run, each system on its own private redis-server:
# redis-benchmark -c 16 -d 512 (SET, GET), raw pooled Jedis sending the store's commands, the store,
# Spring Session Data Redis 3.5 (RedisSessionRepository on one shared Lettuce connection, and
# RedisIndexedSessionRepository); 16 threads, ~512-byte sessions, server reads and CPU per op,
# and one thread's get latency. About 2 minutes.
# Needs redis-server and redis-benchmark on the PATH (Debian: apt-get install redis-server redis-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -DskipTests install
java -cp benchmarks/target/benchmarks.jar org.sessionstore.redis.RedisReport
