#!/bin/sh
# Builds the service image and, in `publish` mode, pushes it to Docker Hub and records the
# pushed digest in image.env (a dotenv report: IMAGE_REF=<repo>@sha256:..., IMAGE_DIGEST).
#   ci-image.sh build     merge requests: prove the image builds; no credentials, no push
#   ci-image.sh publish   default branch and release tags: push :$CI_COMMIT_SHA plus :latest
#                         (default branch) or :<semver> (tag vX.Y.Z -> X.Y.Z)
# Runs in docker:<version>-cli (Alpine: busybox ash, which has pipefail; POSIX sh had none).
# shellcheck disable=SC3040
set -euo pipefail

mode=${1:-}
: "${DOCKERHUB_REPO:?set DOCKERHUB_REPO (namespace/name on Docker Hub) in the project CI/CD variables}"
: "${CI_COMMIT_SHA:?}"

sha_tag="$DOCKERHUB_REPO:$CI_COMMIT_SHA"
version=${CI_COMMIT_TAG:+${CI_COMMIT_TAG#v}}

# The Dockerfile turns these into the OCI labels (where the image came from) and into the
# service's build info (app_build_info).
set -- \
  --build-arg "REVISION=$CI_COMMIT_SHA" \
  --build-arg "SOURCE=${CI_PROJECT_URL:-unknown}" \
  --tag "$sha_tag"
if [ -n "$version" ]; then
  set -- "$@" --build-arg "VERSION=$version"
fi

case "$mode" in
  build)
    docker build --pull "$@" .
    ;;
  publish)
    : "${DOCKERHUB_USERNAME:?set DOCKERHUB_USERNAME (masked, protected)}"
    : "${DOCKERHUB_TOKEN:?set DOCKERHUB_TOKEN (masked, protected; a Docker Hub access token)}"
    printf '%s' "$DOCKERHUB_TOKEN" | docker login --username "$DOCKERHUB_USERNAME" --password-stdin
    if [ -n "$version" ]; then
      extra_tag="$DOCKERHUB_REPO:$version"
    elif [ "${CI_COMMIT_BRANCH:-}" = "${CI_DEFAULT_BRANCH:-}" ]; then
      extra_tag="$DOCKERHUB_REPO:latest"
    else
      echo "ci-image: publish runs on the default branch or a vX.Y.Z tag only" >&2
      exit 1
    fi
    # Reuse layers of the last default-branch image (inline cache) when it exists.
    docker build --pull \
      --cache-from "$DOCKERHUB_REPO:latest" --build-arg BUILDKIT_INLINE_CACHE=1 \
      "$@" --tag "$extra_tag" .
    docker push "$sha_tag"
    docker push "$extra_tag"
    image_ref=$(docker inspect --format '{{index .RepoDigests 0}}' "$sha_tag")
    printf 'IMAGE_REF=%s\nIMAGE_DIGEST=%s\n' "$image_ref" "${image_ref#*@}" > image.env
    echo "ci-image: pushed $sha_tag and $extra_tag as $image_ref"
    docker logout
    ;;
  *)
    echo "usage: ci-image.sh build|publish" >&2
    exit 2
    ;;
esac
