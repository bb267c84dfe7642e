#!/usr/bin/env bash
# Runs the TiKV Java client project's own integration tests against `tinykv playground`.
#
#   compat-tests/client-java-suite/run.sh <client-java checkout or source dir> [work dir]
#
# Copies the chosen test classes out of the client's source tree (their code, never committed
# here) into a work folder, rewrites their imports to the shaded packages of the released jar,
# builds them against org.tikv:tikv-client-java:3.3.5, then for each of the two clusters the
# client project's CI uses (RawKV and transactional) starts a playground, runs that cluster's
# classes, stops the playground, and prints a pass/fail line per class and per failing test.
# Exit code 0 when every chosen test passed. See README.md beside this script.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then usage; exit 2; fi

src="$1"
if [ -d "$src/src/test/java/org/tikv" ]; then tests="$src/src/test/java"
elif [ -d "$src/org/tikv" ]; then tests="$src"
else echo "run.sh: $src holds neither src/test/java/org/tikv nor org/tikv (want a client-java checkout)" >&2; exit 2; fi
resources="$(dirname "$tests")/resources"

work="${2:-$(mktemp -d /tmp/client-java-suite.XXXXXX)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"

pd_port="${SUITE_PD_PORT:-2379}"
base_port="${SUITE_BASE_PORT:-20160}"
stores="${SUITE_STORES:-3}"
# SUITE_ARGLINE (used below): extra JVM options for the test JVMs, e.g. the client's own settings as system properties
# (SUITE_ARGLINE='-Dtikv.grpc.timeout_in_ms=1000'); empty by default: the client's defaults.
# Tests left out on purpose: the SST importer (ingest) is out of scope.
# Surefire's -Dtest syntax: Class, Class#method, !Class#method.
default_raw="org.tikv.raw.RawKVClientTest,org.tikv.raw.CASTest,org.tikv.raw.SmartRawKVClientTest,org.tikv.raw.MetricsTest,org.tikv.raw.WarmupTest,org.tikv.common.TiSessionTest,org.tikv.common.ApiVersionTest,org.tikv.common.PDClientIntegrationTest,org.tikv.common.importer.RegionSplitTest"
raw_classes="${SUITE_RAW_CLASSES:-$default_raw}"
raw_excluded="${SUITE_RAW_EXCLUDED:-!org.tikv.raw.RawKVClientTest#ingestTest}"
default_txn="org.tikv.txn.BatchGetTest,org.tikv.txn.ReplicaReadTest,org.tikv.txn.TwoPhaseCommitterTest"
txn_classes="${SUITE_TXN_CLASSES:-$default_txn}"
# Support classes the tests extend or call.
helpers="org.tikv.BaseRawKVTest org.tikv.BaseTxnKVTest org.tikv.util.TestUtils org.tikv.common.StoreConfig org.tikv.txn.TXNTest"

# 1. The sources: copied, their imports pointed at the jar's shaded packages.
rm -rf "$work/src"
mkdir -p "$work/src/test/java" "$work/src/test/resources"
cp "$here/pom.xml" "$work/pom.xml"
# Every default class is built (some use another's members), whichever ones run.
for class in $(printf '%s\n' $helpers ${default_raw//,/ } ${default_txn//,/ } ${raw_classes//,/ } ${txn_classes//,/ } \
    | sed 's/#.*//' | sort -u); do
  rel="${class//.//}.java"
  [ -f "$tests/$rel" ] || { echo "run.sh: $tests/$rel not found" >&2; exit 2; }
  mkdir -p "$work/src/test/java/$(dirname "$rel")"
  sed -E 's/(^|[^.[:alnum:]_])(com\.google\.(protobuf|common|gson)|io\.grpc)([^[:alnum:]_])/\1org.tikv.shade.\2\4/g' \
    "$tests/$rel" > "$work/src/test/java/$rel"
done
[ -f "$resources/log4j.properties" ] && cp "$resources/log4j.properties" "$work/src/test/resources/"

. "$root/bin/jdk.sh"
mvn_offline="-o"
build() { (cd "$work" && mvn -B -ntp -q -Dstyle.color=never $mvn_offline "$@"); }
echo "== building the client's tests against tikv-client-java 3.3.5 in $work"
if ! build test-compile >"$work/build.out" 2>&1; then
  # The first run on a machine may need surefire's JUnit 4 provider and hamcrest from Maven Central.
  echo "   offline build failed; retrying with Maven Central"
  mvn_offline=""
  build test-compile >"$work/build.out" 2>&1 || { cat "$work/build.out" >&2; exit 1; }
fi

# 2. A playground per cluster kind, one at a time (the machine may be small).
playground_pid=""
stop_playground() {
  if [ -n "$playground_pid" ] && kill -0 "$playground_pid" 2>/dev/null; then
    kill -TERM "$playground_pid" 2>/dev/null || true
    wait "$playground_pid" 2>/dev/null || true
  fi
  playground_pid=""
}
trap stop_playground EXIT INT TERM

start_playground() { # name, extra options...
  local name="$1"; shift
  local dir="$work/playground-$name" log="$work/playground-$name.out"
  rm -rf "$dir"
  local opts=(--data-dir "$dir" --pd-port "$pd_port" --base-port "$base_port" --stores "$stores" "$@")
  echo "== starting: bin/tinykv playground ${opts[*]}"
  : >"$log"
  "$root/bin/tinykv" playground "${opts[@]}" >"$log" 2>&1 &
  playground_pid=$!
  # The playground gives up by itself after its --start-timeout-seconds; wait for either.
  until grep -q "tinykv playground is up" "$log"; do
    if ! kill -0 "$playground_pid" 2>/dev/null; then
      echo "run.sh: the playground exited before it was up; its output:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 1
  done
  grep "tinykv playground is up" "$log"
}

run_classes() { # env var for the PD address, test selector
  local var="$1" selector="$2"
  echo "== running $selector"
  env "$var=127.0.0.1:$pd_port" bash -c 'cd "$1" && shift && mvn -B -ntp -q -Dstyle.color=never "$@"' _ "$work" \
    $mvn_offline surefire:test -Dtest="$selector" -Dsurefire.failIfNoSpecifiedTests=false \
    ${SUITE_ARGLINE:+"-DargLine=$SUITE_ARGLINE"} \
    >"$work/surefire-$var.out" 2>&1 || true
}

rm -rf "$work/target/surefire-reports"
# RawKV TTL on unless SUITE_ENABLE_TTL=off: the client's TTL tests need it, and one test
# (ApiVersionTest.testAccessV1Cluster) needs it off, so a run with it off covers that one.
ttl_opt=()
if [ "${SUITE_ENABLE_TTL:-on}" != off ]; then ttl_opt=(--enable-ttl); fi
start_playground raw --client-key-mode RAW "${ttl_opt[@]}"
run_classes RAWKV_PD_ADDRESSES "$raw_classes${raw_excluded:+,$raw_excluded}"
stop_playground
start_playground txn --client-key-mode TXN
run_classes TXNKV_PD_ADDRESSES "$txn_classes"
stop_playground

# 3. The results, from surefire's reports.
"$here/summarize.sh" "$work/target/surefire-reports" ${raw_classes//,/ } ${txn_classes//,/ }
