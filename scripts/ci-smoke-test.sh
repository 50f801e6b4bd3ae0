#!/bin/sh
# Smoke test of the live service after a deploy:
#   GET  <url>/health        -> 200, body "OK I'm healthy"
#   GET  <url>/metrics       -> 403 (metrics are for the in-task collector, never public)
#   GET  http://<host>/health -> redirect (301/302/307/308) to https://
# Usage: ci-smoke-test.sh <https-url> [<http-url>]; the http URL defaults to <https-url> with
# http://. A failure exits non-zero and prints how to roll back.
# Runs in curlimages/curl (Alpine: busybox ash, which has pipefail; POSIX sh had none).
# shellcheck disable=SC3040
set -euo pipefail

url=${1:?usage: ci-smoke-test.sh <https-url> [<http-url>]}
url=${url%/}
http_url=${2:-http://${url#https://}}
http_url=${http_url%/}
failures=0

retries=${SMOKE_RETRIES:-3}

# Bounded: a few tries while a fresh deployment settles behind the CDN, then a clear verdict.
fetch() { curl --silent --show-error --max-time 10 --retry "$retries" --retry-delay 5 "$@"; }

check() {
  if [ "$2" = "$3" ]; then
    echo "ok    $1"
  else
    echo "FAIL  $1: expected $3, got $2"
    failures=$((failures + 1))
  fi
}

body=$(fetch --output - --write-out '\n%{http_code}' "$url/health" || true)
check "GET $url/health status" "$(printf '%s' "$body" | tail -n 1)" 200
check "GET $url/health body" "$(printf '%s' "$body" | sed '$d')" "OK I'm healthy"

check "GET $url/metrics is not public" \
  "$(fetch --output /dev/null --write-out '%{http_code}' "$url/metrics" || true)" 403

redirect=$(fetch --output /dev/null --write-out '%{http_code} %{redirect_url}' "$http_url/health" || true)
case "$redirect" in
  30[1278]\ https://*) check "GET $http_url/health redirects to https://" yes yes ;;
  *) check "GET $http_url/health redirects to https://" "$redirect" "301 https://..." ;;
esac

if [ "$failures" -gt 0 ]; then
  cat <<ROLLBACK

Smoke test FAILED ($failures check(s)) against $url: the new version is live but not healthy.
Roll back, then fix forward:
  1. GitLab: Operate > Environments > production > Rollback environment on the last good
     deployment. That re-runs its deploy job, which deploys that pipeline's image digest
     (or \$DOCKERHUB_REPO:<its commit SHA> once its artifacts have expired).
  2. Or revert the merge on the default branch (git revert -m 1 <merge-sha>, push or merge it):
     the new pipeline tests, publishes and deploys the previous code.
ROLLBACK
  exit 1
fi
echo "Smoke test passed against $url"
