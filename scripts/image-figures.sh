#!/usr/bin/env bash
# Figures for the README's image section: build time cold and warm, image size and the size of
# the layers above the base image, and container start to healthy. Prints a Markdown table.
#
#   scripts/image-figures.sh            # needs docker with BuildKit; takes a few minutes
#
# Cold: empty BuildKit cache (`docker builder prune --all`, which empties the cache of every
# build on this engine) and --no-cache; the base images are already local, so the figure is
# dependency download + compile + export, not image pulls. Warm: the same build after a change
# to one source file, in a scratch copy of the repository (the working tree is not touched).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

tag="image-figures:$$"
runtime_base="$(sed -nE 's/^ARG RUNTIME_IMAGE=(.+)$/\1/p' Dockerfile)"
starts="${FIGURES_STARTS:-3}"
scratch="$(mktemp -d)"
container=""

cleanup() {
  [ -n "$container" ] && docker rm --force "$container" >/dev/null 2>&1
  docker image rm "$tag" >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
seconds() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }
megabytes() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }

timed_build() {  # CONTEXT EXTRA_ARGS... -> milliseconds
  local context="$1" start
  shift
  start="$(now_ms)"
  docker build --quiet --tag "$tag" "$@" "$context" >/dev/null
  echo $(($(now_ms) - start))
}

# The build context in a scratch folder, so the warm build can change a source file safely.
tar --exclude=node_modules --exclude=.git --exclude=dist -cf - . | tar -xf - -C "$scratch"

echo "cold build (empty build cache)..." >&2
docker builder prune --all --force >/dev/null
cold_ms="$(timed_build "$scratch" --no-cache)"

echo "warm build (one source file changed)..." >&2
echo "// image-figures: source-only change $(date +%s%N)" >>"$scratch/service/src/main.ts"
warm_ms="$(timed_build "$scratch")"

image_bytes="$(docker image inspect --format '{{.Size}}' "$tag")"
# The Dockerfile builds amd64 and arm64: say which one these figures are for.
platform="$(docker image inspect --format '{{.Os}}/{{.Architecture}}' "$tag")"
base_bytes="$(docker image inspect --format '{{.Size}}' "$runtime_base")"
base_layers="$(docker history --quiet "$runtime_base" | wc -l)"
own_layers="$(docker history --format '{{.Size}}\t{{.CreatedBy}}' --no-trunc "$tag" |
  head -n "$(($(docker history --quiet "$tag" | wc -l) - base_layers))" |
  awk -F'\t' '$1 != "0B" { sub(/^\/bin\/sh -c #\(nop\) +/, "", $2); printf "%s  %s\n", $1, substr($2, 1, 90) }')"

echo "container start to healthy (${starts} runs)..." >&2
ready_total=0
healthy_total=0
for _ in $(seq 1 "$starts"); do
  start="$(now_ms)"
  container="$(docker run --detach --read-only --publish 127.0.0.1::8080 "$tag")"
  port="$(docker port "$container" 8080/tcp | head -n 1)"
  until curl --silent --fail --max-time 1 "http://$port/health" >/dev/null; do sleep 0.05; done
  ready_total=$((ready_total + $(now_ms) - start))
  until [ "$(docker inspect --format '{{.State.Health.Status}}' "$container")" = healthy ]; do sleep 0.2; done
  healthy_total=$((healthy_total + $(now_ms) - start))
  docker rm --force "$container" >/dev/null
  container=""
done

cat <<EOF
| Figure | Value |
| --- | --- |
| Platform (this machine's) | $platform |
| Build, cold (no cache) | $(seconds "$cold_ms") |
| Build, warm (one source file changed) | $(seconds "$warm_ms") |
| Runtime image | $(megabytes "$image_bytes") |
| Layers above \`$runtime_base\` | $(megabytes $((image_bytes - base_bytes))) |
| \`docker run\` to first \`/health\` 200 (mean of $starts) | $(seconds $((ready_total / starts))) |
| \`docker run\` to \`healthy\` (HEALTHCHECK --interval=10s; mean of $starts) | $(seconds $((healthy_total / starts))) |

Layers above the base image:
\`\`\`
$own_layers
\`\`\`
EOF
