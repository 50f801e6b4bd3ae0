#!/bin/sh
# The service image for linux/amd64 and linux/arm64 (one index), with BuildKit through buildx.
#   ci-image.sh build     merge requests: build every platform, load the amd64 image and scan it
#                         with Trivy. No credentials, no push; works without DOCKERHUB_REPO (forks).
#   ci-image.sh publish   default-branch pushes: push :$CI_COMMIT_SHA and :latest as one index and
#                         record its digest in image.env (dotenv: IMAGE_REF=<repo>@sha256:..., IMAGE_DIGEST)
#   ci-image.sh release   vX.Y.Z tags: no rebuild. Point :X.Y.Z at the index the default branch
#                         published for this commit (:$CI_COMMIT_SHA), so a release is the tested bytes.
# arm64 steps run under QEMU (binfmt): one amd64 runner builds both, and the Dockerfile's
# per-platform work is small (npm ci of pure-JavaScript packages; the runtime stage only copies).
# Runs in docker:<version>-cli (Alpine: busybox ash, which has pipefail; POSIX sh had none).
# shellcheck disable=SC3040
set -euo pipefail

mode=${1:-}
: "${CI_COMMIT_SHA:?}"
platforms=${IMAGE_PLATFORMS:-linux/amd64,linux/arm64}
repo=${DOCKERHUB_REPO:-local/restify-observable-service}
sha_tag="$repo:$CI_COMMIT_SHA"
version=${CI_COMMIT_TAG:+${CI_COMMIT_TAG#v}}

# The dind service may still be starting: wait a bounded time, then say what is wrong.
wait_for_docker() {
  tries=0
  until docker info >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge "${DOCKER_WAIT_TRIES:-30}" ]; then
      echo "ci-image: no Docker engine at ${DOCKER_HOST:-the default socket} after $tries tries:" >&2
      docker info >&2 || true
      exit 1
    fi
    sleep 2
  done
}

# A BuildKit builder that can build several platforms and pulls base images through the mirror
# (Docker Hub limits anonymous pulls per address; the runner's own mirror does not cover this).
setup_builder() {
  docker run --privileged --rm "${BINFMT_IMAGE:?}" --install arm64
  config=$(mktemp)
  if [ -n "${DOCKER_REGISTRY_MIRROR:-}" ]; then
    mirror=${DOCKER_REGISTRY_MIRROR#https://}
    printf '[registry."docker.io"]\n  mirrors = ["%s"]\n' "${mirror%/}" > "$config"
  fi
  docker buildx create --name "ci-$CI_COMMIT_SHA" --driver docker-container \
    --driver-opt "image=${BUILDKIT_IMAGE:?}" --buildkitd-config "$config" --use --bootstrap
}

login() {
  : "${DOCKERHUB_USERNAME:?set DOCKERHUB_USERNAME (protected, environment docker-hub)}"
  : "${DOCKERHUB_TOKEN:?set DOCKERHUB_TOKEN (masked, protected, environment docker-hub)}"
  printf '%s' "$DOCKERHUB_TOKEN" | docker login --username "$DOCKERHUB_USERNAME" --password-stdin
}

record() {
  printf 'IMAGE_REF=%s@%s\nIMAGE_DIGEST=%s\n' "$repo" "$1" "$1" > image.env
  echo "ci-image: $2 -> $repo@$1"
}

# The Dockerfile turns these into the OCI labels and into the service's build info.
set -- --build-arg "REVISION=$CI_COMMIT_SHA" --build-arg "SOURCE=${CI_PROJECT_URL:-unknown}"
if [ -n "$version" ]; then
  set -- "$@" --build-arg "VERSION=$version"
fi

case "$mode" in
  build)
    wait_for_docker
    setup_builder
    # Every platform builds (no output); then the amd64 image is loaded for the scan.
    docker buildx build --pull --platform "$platforms" "$@" .
    docker buildx build --platform linux/amd64 --load --tag "$sha_tag" "$@" .
    # Fails on fixable findings at or above the threshold; the daemon's socket lets Trivy read
    # the image just loaded.
    docker run --rm -v /var/run/docker.sock:/var/run/docker.sock "${TRIVY_IMAGE:?}" image \
      --exit-code 1 --ignore-unfixed --no-progress --severity "${TRIVY_SEVERITY:-HIGH,CRITICAL}" "$sha_tag"
    ;;
  publish)
    : "${DOCKERHUB_REPO:?set DOCKERHUB_REPO (namespace/name on Docker Hub) in the project CI/CD variables}"
    if [ "${CI_COMMIT_BRANCH:-}" != "${CI_DEFAULT_BRANCH:-}" ] || [ "${CI_PIPELINE_SOURCE:-}" != push ]; then
      echo "ci-image: publish runs for pushes to the default branch only" >&2
      exit 1
    fi
    wait_for_docker
    login
    setup_builder
    metadata=$(mktemp)
    # Reuse layers of the last default-branch image (inline cache) when it exists.
    docker buildx build --pull --push --platform "$platforms" --metadata-file "$metadata" \
      --cache-from "type=registry,ref=$repo:latest" --cache-to type=inline \
      "$@" --tag "$sha_tag" --tag "$repo:latest" .
    digest=$(grep -o '"containerimage.digest": *"sha256:[0-9a-f]*"' "$metadata" | grep -o 'sha256:[0-9a-f]*' | head -n 1)
    if [ -z "$digest" ]; then
      echo "ci-image: buildx recorded no image digest in its metadata file" >&2
      exit 1
    fi
    record "$digest" "pushed $sha_tag and :latest ($platforms)"
    docker logout
    ;;
  release)
    : "${DOCKERHUB_REPO:?set DOCKERHUB_REPO (namespace/name on Docker Hub) in the project CI/CD variables}"
    if [ -z "$version" ]; then
      echo "ci-image: release runs for vX.Y.Z tags only" >&2
      exit 1
    fi
    wait_for_docker
    login
    if ! digest=$(docker buildx imagetools inspect "$sha_tag" | awk '/^Digest:/ { print $2; exit }') || [ -z "$digest" ]; then
      echo "ci-image: $sha_tag does not exist: tag a commit whose default-branch pipeline published it" >&2
      exit 1
    fi
    docker buildx imagetools create --tag "$repo:$version" "$repo@$digest"
    record "$digest" "tagged :$version"
    docker logout
    ;;
  *)
    echo "usage: ci-image.sh build|publish|release" >&2
    exit 2
    ;;
esac
