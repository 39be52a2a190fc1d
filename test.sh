#!/usr/bin/env bash
# Builds SpanWatch and runs every test of every module (mvn verify) with a JDK 25 or newer.
# Tests that need root, network namespaces or libpcap skip themselves with a printed reason.
# Extra arguments go to Maven, e.g. ./test.sh -pl sensor -Dtest=LiveCaptureIT
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd)
# shellcheck source=.ci/find-jdk.sh
source "$ROOT/.ci/find-jdk.sh"
spanwatch_find_jdk || exit 1
export JAVA_HOME=$SPANWATCH_JAVA_HOME

if ! command -v mvn >/dev/null 2>&1; then
    echo "test.sh: Maven (mvn) is not installed (Debian: apt-get install maven)" >&2
    exit 1
fi

cd "$ROOT"
echo "test.sh: mvn -B -ntp verify with JAVA_HOME=$JAVA_HOME" >&2
exec mvn -B -ntp verify "$@"
