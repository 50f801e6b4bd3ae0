#!/bin/sh
# The service image for linux/amd64 and linux/arm64 (one index), with BuildKit through buildx.
# RUNTIME_IMAGE (.gitlab-ci.yml) names the runtime base by its index digest; build and publish refuse
# anything else.
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

# The runtime base must be pinned by the digest of its multi-platform index: a tag moves between
# two builds of one commit, and one platform's manifest would put that platform's runtime into
# every image of the index.
runtime_image=${RUNTIME_IMAGE:-}
check_runtime_image() {
  if ! printf '%s\n' "$runtime_image" | grep -Eq '^[^@[:space:]]+@sha256:[0-9a-f]{64}$'; then
    echo "ci-image: RUNTIME_IMAGE must be <image>@sha256:<digest of its multi-platform index>, got '$runtime_image'" >&2
    exit 1
  fi
  # Read whole, then matched: grep -q would stop reading early, and pipefail report docker's SIGPIPE.
  described=$(docker buildx imagetools inspect "$runtime_image")
  if ! printf '%s\n' "$described" | grep -Eq '^MediaType: +application/(vnd\.oci\.image\.index\.v1|vnd\.docker\.distribution\.manifest\.list\.v2)\+json'; then
    echo "ci-image: RUNTIME_IMAGE $runtime_image is not a multi-platform index: pin the digest 'docker buildx imagetools inspect <image>:<tag>' prints as Digest:" >&2
    exit 1
  fi
}

# The Dockerfile turns these into the OCI labels and into the service's build info.
set -- --build-arg "RUNTIME_IMAGE=$runtime_image" --build-arg "REVISION=$CI_COMMIT_SHA" --build-arg "SOURCE=${CI_PROJECT_URL:-unknown}"
if [ -n "$version" ]; then
  set -- "$@" --build-arg "VERSION=$version"
fi

case "$mode" in
  build)
    wait_for_docker
    check_runtime_image
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
    check_runtime_image
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
    # A tag pushed right after a merge can arrive before the default branch's pipeline has
    # published the commit: wait for it (RELEASE_WAIT_TRIES x RELEASE_WAIT_S, within the job's
    # timeout), then fail with what to do.
    tries=0
    # (awk reads to the end: an early exit could fail the pipe with SIGPIPE under pipefail.)
    until digest=$(docker buildx imagetools inspect "$sha_tag" 2>/dev/null | awk '/^Digest:/ && d == "" { d = $2 } END { print d }') && [ -n "$digest" ]; do
      tries=$((tries + 1))
      if [ "$tries" -ge "${RELEASE_WAIT_TRIES:-40}" ]; then
        echo "ci-image: $sha_tag does not exist after $tries tries: retry this job once the default branch's pipeline for $CI_COMMIT_SHA has published it (tag only commits of the default branch)" >&2
        exit 1
      fi
      echo "ci-image: $sha_tag not published yet (try $tries); waiting for the default branch's pipeline"
      sleep "${RELEASE_WAIT_S:-15}"
    done
    docker buildx imagetools create --tag "$repo:$version" "$repo@$digest"
    record "$digest" "tagged :$version"
    docker logout
    ;;
  *)
    echo "usage: ci-image.sh build|publish|release" >&2
    exit 2
    ;;
esac
