#!/bin/bash
# Launcher (./harness.sh: the name ./harness is the Java module's directory).
# Builds the harness jar when it is missing or older than its sources, then
# runs it. Never exits 126/127 (git bisect run would count that as "bad"):
# when the harness cannot start, it exits 128.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JAR=$ROOT/harness/target/harness.jar

cannot_start() { echo "harness: cannot start: $*" >&2; exit 128; }
command -v java >/dev/null 2>&1 || cannot_start "java not found (apt-get install -y openjdk-17-jdk-headless)"

if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT/harness/src/main" "$ROOT/modules-c" "$ROOT/harness/pom.xml" "$ROOT/pom.xml" \
      -newer "$JAR" -type f -print -quit 2>/dev/null)" ]; then
  command -v mvn >/dev/null 2>&1 || cannot_start "the jar is missing or stale and mvn is not installed (apt-get install -y maven)"
  echo "harness: building $JAR ..." >&2
  (cd "$ROOT" && mvn -q -B -DskipTests package 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2; exit "${PIPESTATUS[0]}") \
    || cannot_start "the build failed (see above)"
fi
export HARNESS_REPORTS="${HARNESS_REPORTS:-$ROOT/reports}"
# Run a copy named by its content, never the jar a build rewrites: a nightly worker or a server started from
# here keeps running (its classes load lazily from its own file) while someone rebuilds; old copies are pruned
# (a copy in use stays readable after its removal, as any open file).
RUN_DIR=$ROOT/harness/target/run
RUN_JAR=$RUN_DIR/harness-$(sha256sum "$JAR" | cut -c1-16).jar
if [ ! -f "$RUN_JAR" ]; then
  mkdir -p "$RUN_DIR" && cp "$JAR" "$RUN_JAR.$$" && mv -f "$RUN_JAR.$$" "$RUN_JAR" || cannot_start "cannot copy $JAR to $RUN_DIR"
  ls -1t "$RUN_DIR"/harness-*.jar 2>/dev/null | tail -n +6 | xargs -r rm -f
fi
exec java ${HARNESS_JAVA_OPTS:-} -jar "$RUN_JAR" "$@"
