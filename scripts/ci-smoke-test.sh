#!/bin/sh
# Smoke test of the live service after a deploy, retried until a deadline because a fresh
# deployment answers 503s, refuses connections or fails DNS while the CDN settles.
#   GET  <url>/health           -> 200, body exactly "OK I'm healthy"
#   GET  <url><metrics spelling> -> never the metrics (literal, percent-encoded, dot segments,
#                                  other case): a 2xx or an exposition body fails at once
#   GET  <http-url>/health      -> 301/302/307/308 to https://
# Usage: ci-smoke-test.sh <https-url>
#   SMOKE_TIMEOUT_S   give up after this many seconds, the most the test takes even when the target
#                     never answers (default 300: a new CloudFront distribution can take minutes
#                     to answer everywhere)
#   SMOKE_INTERVAL_S  pause between attempts (default 10)
#   SMOKE_HTTP_URL    the plain-HTTP side (default: <https-url> with http://)
#   SMOKE_TARGET      aws (default) or fly: which way of rolling back a failure prints
#   FLY_APP           with SMOKE_TARGET=fly: the app named in that advice
# One attempt writes each body to a fresh file, so a failed attempt's body never prefixes the
# next one (curl --retry --output - does that), and any failure is retried, not only those
# curl --retry knows. Runs in curlimages/curl (busybox ash), in the node image (bash), and by hand
# on Debian or Ubuntu (dash, which has no pipefail: set where the shell has it).
# shellcheck disable=SC3040
set -eu
if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi
set -f

url=${1:?usage: ci-smoke-test.sh <https-url>}
url=${url%/}
http_url=${SMOKE_HTTP_URL:-http://${url#https://}}
http_url=${http_url%/}
timeout_s=${SMOKE_TIMEOUT_S:-300}
interval_s=${SMOKE_INTERVAL_S:-10}
case "$timeout_s$interval_s" in
  *[!0-9]*) echo "ci-smoke-test: SMOKE_TIMEOUT_S and SMOKE_INTERVAL_S must be whole seconds" >&2; exit 2 ;;
esac
target=${SMOKE_TARGET:-aws}
case "$target" in
  aws | fly) ;;
  *) echo "ci-smoke-test: SMOKE_TARGET must be aws or fly, got '$target'" >&2; exit 2 ;;
esac

# Spellings a path rule for /metrics would not match but a lenient router might serve.
METRICS_PATHS='/metrics /metrics/ /Metrics /METRICS /%6detrics /%6Detrics /metric%73 /%2fmetrics /./metrics /x/../metrics //metrics /metrics?x=1 /metrics%3Fx=1'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
deadline=$(($(date +%s) + timeout_s))
attempt=0

# One request: sets $status (000: no HTTP answer at all), $redirect and $body (a fresh file).
# --path-as-is sends dot segments unresolved, as an attacker would. A request never runs past the
# deadline (at most 10 s each); once it has passed, none is sent and $expired is set.
request_number=0
expired=''
request() {
  request_number=$((request_number + 1))
  body="$work/body.$attempt.$request_number"
  : > "$body"
  status=000 redirect=''
  remaining=$((deadline - $(date +%s)))
  if [ "$remaining" -lt 1 ]; then
    expired=yes
    return
  fi
  [ "$remaining" -le 10 ] || remaining=10
  curl --silent --path-as-is --max-time "$remaining" --output "$body" \
    --write-out '%{http_code} %{redirect_url}' "$1" > "$work/meta" 2>/dev/null || true
  read -r status redirect < "$work/meta" || true
  status=${status:-000}
}

leaked=''
problems=''
problem() { problems="$problems
  - $1"; }

check_once() {
  problems=''
  request "$url/health"
  if [ -n "$expired" ]; then
    problem "the deadline passed before GET $url/health"
    return 1
  elif [ "$status" != 200 ]; then
    problem "GET $url/health: expected 200, got $status"
  elif [ "$(cat "$body")" != "OK I'm healthy" ]; then
    problem "GET $url/health: expected body \"OK I'm healthy\", got \"$(head -c 200 "$body")\""
  fi

  # shellcheck disable=SC2086 # one word per spelling; set -f keeps ? from globbing
  for path in $METRICS_PATHS; do
    request "$url$path"
    if [ -n "$expired" ]; then
      problem "the deadline passed before GET $url$path"
      return 1
    elif [ "$status" = 000 ]; then
      problem "GET $url$path: no answer"
    elif grep -Eq '^# (HELP|TYPE) ' "$body" || [ "${status#2}" != "$status" ]; then
      leaked="GET $url$path answered $status with $(head -c 120 "$body" | tr '\n' ' ')"
      return 1
    fi
  done

  request "$http_url/health"
  if [ -n "$expired" ]; then
    problem "the deadline passed before GET $http_url/health"
    return 1
  fi
  case "$status $redirect" in
    30[1278]\ https://*) ;;
    *) problem "GET $http_url/health: expected a redirect to https://, got $status $redirect" ;;
  esac
  [ -z "$problems" ]
}

rollback_help() {
  if [ "$target" = fly ]; then
    # Fly.io has no rollback command: a rollback is a deploy of an earlier image (Fly's Rollback Guide).
    cat <<ROLLBACK

Smoke test FAILED against $url: the new version may be live but is not healthy.
Roll back on Fly.io, then fix forward (docs/deploy-fly.md):
  1. flyctl releases --app ${FLY_APP:-<app>} --image    lists the images deployed before; take the last good one.
  2. flyctl deploy --config fly.toml --app ${FLY_APP:-<app>} --image <repo>@sha256:<digest of that image>
  Or revert the merge on the default branch (git revert -m 1 <merge-sha>, merge it): the new pipeline
  deploys the previous code to every target.
ROLLBACK
    return
  fi
  cat <<ROLLBACK

Smoke test FAILED against $url: the new version may be live but is not healthy.
Roll back, then fix forward (docs/ci-cd.md, "Rolling back"):
  1. Run a pipeline on the default branch (Build > Pipelines > New pipeline) with the input
     rollback_image=<repo>@sha256:<digest of the last good image> (an earlier deploy job's log
     names it as DEPLOYED_IMAGE). Its \`rollback\` job deploys that image with the current
     infrastructure program, confirms the rollout and smoke-tests it.
  2. Or revert the merge on the default branch (git revert -m 1 <merge-sha>, merge it): the new
     pipeline tests, publishes and deploys the previous code.
  GitLab's "Rollback environment" re-runs an old deploy job, which applies that commit's whole
  Pulumi program (undoing infrastructure added since) and runs no smoke test: avoid it.
ROLLBACK
}

while :; do
  attempt=$((attempt + 1))
  if check_once; then
    echo "Smoke test passed against $url (attempt $attempt)"
    exit 0
  fi
  if [ -n "$leaked" ]; then
    echo "FAIL  the metrics are public: $leaked"
    rollback_help
    exit 1
  fi
  now=$(date +%s)
  if [ -n "$expired" ] || [ $((now + interval_s)) -ge "$deadline" ]; then
    echo "FAIL  after $attempt attempt(s) in ${timeout_s}s:$problems"
    rollback_help
    exit 1
  fi
  echo "attempt $attempt not healthy yet, retrying in ${interval_s}s:$problems"
  [ "$interval_s" -eq 0 ] || sleep "$interval_s"
done
