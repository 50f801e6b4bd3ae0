#!/usr/bin/env bash
# Runs Pulumi for the infra-pulumi stack with short-lived credentials only.
#   ci-pulumi.sh preview   merge requests: `pulumi preview --diff`, also saved to pulumi-preview.txt
#   ci-pulumi.sh up        default branch: `pulumi up --yes`, then DEPLOY_URL into deploy.env
# Credentials: the job's GitLab ID tokens.
#   AWS_ID_TOKEN    -> AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN: the AWS SDK inside the Pulumi
#                      AWS provider calls sts:AssumeRoleWithWebIdentity itself.
#   PULUMI_ID_TOKEN -> `pulumi login --oidc-token`: exchanged for a short-lived Pulumi Cloud token.
#                      With PULUMI_BACKEND_URL set (e.g. s3://bucket), that self-managed backend
#                      is used instead, reached with the AWS role.
# The image: IMAGE_REF (the pushed digest from image:publish, or the merge request's tag for a
# preview); a re-run whose artifacts expired falls back to $DOCKERHUB_REPO:$CI_COMMIT_SHA.
set -euo pipefail

action=${1:-}
case "$action" in
  preview | up) ;;
  *) echo "usage: ci-pulumi.sh preview|up" >&2; exit 2 ;;
esac

: "${PULUMI_VERSION:?}" "${PULUMI_STACK:?}" "${CI_PROJECT_DIR:?}"
: "${AWS_ROLE_ARN:?set DEPLOY_ROLE_ARN / PREVIEW_ROLE_ARN from the bootstrap stack outputs}"
: "${AWS_ID_TOKEN:?the job needs id_tokens: AWS_ID_TOKEN}"

image=${IMAGE_REF:-}
if [ -z "$image" ]; then
  : "${DOCKERHUB_REPO:?set DOCKERHUB_REPO}" "${CI_COMMIT_SHA:?}"
  image="$DOCKERHUB_REPO:$CI_COMMIT_SHA"
  echo "ci-pulumi: no IMAGE_REF from image:publish, using $image"
fi

install_pulumi() {
  if command -v pulumi >/dev/null 2>&1 && [ "$(pulumi version)" = "v$PULUMI_VERSION" ]; then
    return
  fi
  if ! command -v curl >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates curl >/dev/null
  fi
  local dir="$HOME/.pulumi-$PULUMI_VERSION"
  mkdir -p "$dir"
  curl -fsSL "https://get.pulumi.com/releases/sdk/pulumi-v$PULUMI_VERSION-linux-x64.tar.gz" |
    tar -xz -C "$dir" --strip-components=1
  export PATH="$dir:$PATH"
  pulumi version
}

install_pulumi

secrets_dir=$(mktemp -d)
trap 'rm -rf "$secrets_dir"' EXIT
printf '%s' "$AWS_ID_TOKEN" > "$secrets_dir/aws-web-identity-token"
export AWS_WEB_IDENTITY_TOKEN_FILE="$secrets_dir/aws-web-identity-token"
export AWS_ROLE_ARN
# CloudTrail shows which pipeline and job acted.
export AWS_ROLE_SESSION_NAME="gitlab-${CI_PIPELINE_ID:-0}-${CI_JOB_ID:-0}"
export PULUMI_SKIP_UPDATE_CHECK=true

if [ -n "${PULUMI_BACKEND_URL:-}" ]; then
  pulumi login "$PULUMI_BACKEND_URL"
else
  : "${PULUMI_ORG:?set PULUMI_ORG (the Pulumi Cloud organization)}"
  : "${PULUMI_ID_TOKEN:?the job needs id_tokens: PULUMI_ID_TOKEN}"
  login_args=(--oidc-token "$PULUMI_ID_TOKEN" --oidc-org "$PULUMI_ORG")
  # A read-only team token for previews, when Pulumi Cloud policy grants one.
  if [ -n "${PULUMI_OIDC_TEAM:-}" ]; then
    login_args+=(--oidc-team "$PULUMI_OIDC_TEAM")
  fi
  pulumi login "${login_args[@]}"
fi

cd "$CI_PROJECT_DIR/infra-pulumi"
# The first deploy creates the stack; AWS_REGION (a CI/CD variable) sets its region, unless the
# committed Pulumi.<stack>.yaml already does.
pulumi stack select --create "$PULUMI_STACK"
if [ -n "${AWS_REGION:-}" ]; then
  pulumi config set aws:region "$AWS_REGION"
fi
pulumi config set image "$image"
echo "ci-pulumi: $action of stack $PULUMI_STACK with image $image"

case "$action" in
  preview)
    pulumi preview --diff --non-interactive 2>&1 | tee "$CI_PROJECT_DIR/pulumi-preview.txt"
    ;;
  up)
    pulumi up --yes --diff --non-interactive
    url=$(pulumi stack output url)
    printf 'DEPLOY_URL=%s\nDEPLOYED_IMAGE=%s\n' "$url" "$image" > "$CI_PROJECT_DIR/deploy.env"
    echo "ci-pulumi: $url now serves $image"
    ;;
esac
