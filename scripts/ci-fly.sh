#!/bin/sh
# Deploys the digest image:publish pushed (IMAGE_REF) to Fly.io with the repository's fly.toml,
# then smoke-tests https://<app>.fly.dev with the same checks as the AWS deploy.
#   FLY_API_TOKEN     a deploy token for the app (`fly tokens create deploy --expiry ...`) without its
#                     "FlyV1 " prefix, scoped to the environment fly, protected and masked (docs/ci-cd.md)
#   FLY_APP           the app name; in CI, setting it turns deploy:fly on. Default: the `app` in fly.toml
#   FLYCTL_VERSION    pinned in .gitlab-ci.yml; the download is checked against the release's checksums
#   FLY_URL           optional: where the app answers, default https://<app>.fly.dev
# Runs in curlimages/curl (busybox ash, which has pipefail); flyctl is a static binary.
# shellcheck disable=SC3040
set -euo pipefail

: "${FLY_API_TOKEN:?FLY_API_TOKEN is not set for this job: add it scoped to the environment fly, protected and masked (docs/ci-cd.md)}"
# GitLab masks no value with a space in it, and flyctl reads the token without its scheme
# (fly-go tokens.Parse strips "FlyV1 "): refuse a token the job log could show.
case "$FLY_API_TOKEN" in
  *[[:space:]]*) echo "ci-fly: FLY_API_TOKEN contains a space, so GitLab cannot mask it: store it without the 'FlyV1 ' prefix (docs/ci-cd.md)" >&2; exit 1 ;;
esac
: "${FLYCTL_VERSION:?}" "${CI_PROJECT_DIR:?}"
here=$(cd "$(dirname "$0")" && pwd)
image=${IMAGE_REF:-}
case "$image" in
  *@sha256:*) ;;
  *) echo "ci-fly: IMAGE_REF must be the digest image:publish pushed (<repo>@sha256:...), got '$image'" >&2; exit 1 ;;
esac

# app = "name" as committed here, or app = 'name' as `fly launch` writes the file back (TOML literal string).
app=${FLY_APP:-$(sed -n "s/^app[[:space:]]*=[[:space:]]*[\"']\([^\"']*\)[\"'].*/\1/p" "$CI_PROJECT_DIR/fly.toml" | head -n 1)}
if [ -z "$app" ]; then
  echo "ci-fly: no app name: set FLY_APP or \`app\` in fly.toml" >&2
  exit 1
fi

if ! command -v flyctl >/dev/null 2>&1; then
  case "$(uname -m)" in
    aarch64 | arm64) arch=arm64 ;;
    *) arch=x86_64 ;;
  esac
  release="https://github.com/superfly/flyctl/releases/download/v$FLYCTL_VERSION"
  "$here/ci-download-verified.sh" "$release/flyctl_${FLYCTL_VERSION}_Linux_$arch.tar.gz" "$release/checksums.txt" "$HOME/.flyctl"
  PATH="$HOME/.flyctl:$PATH"
  export PATH
fi
flyctl version

# fly.toml sets the blue-green strategy, the checks that gate each Machine and the metrics port.
flyctl deploy --config "$CI_PROJECT_DIR/fly.toml" --app "$app" --image "$image"
url=${FLY_URL:-https://$app.fly.dev}
printf 'FLY_URL=%s\n' "$url" > "$CI_PROJECT_DIR/fly.env"
# A failure then advises rolling back on Fly.io, not with the AWS rollback job.
SMOKE_TARGET=fly FLY_APP=$app "$here/ci-smoke-test.sh" "$url"
