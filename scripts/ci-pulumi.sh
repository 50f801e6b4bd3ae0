#!/usr/bin/env bash
# Runs Pulumi for the infra-pulumi stack with short-lived credentials only.
#   ci-pulumi.sh preview    merge requests: `pulumi preview --diff`, also saved to pulumi-preview.txt
#   ci-pulumi.sh up         default branch: deploy IMAGE_REF (the digest image:publish pushed)
#   ci-pulumi.sh rollback   rollback pipeline: deploy ROLLBACK_IMAGE (the rollback_image input, an older
#                           digest) with this program
# up and rollback then confirm the ECS rollout (scripts/ci-rollout-check.mts) and write DEPLOY_URL
# and DEPLOYED_IMAGE to deploy.env. docs/ci-cd.md describes the variables.
#
# Credentials: the job's GitLab ID tokens, handed over in files, never in argv or the environment.
#   AWS_ID_TOKEN    -> AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (the AWS SDKs assume the role)
#   PULUMI_ID_TOKEN -> `pulumi login --oidc-token file://...` (a short-lived Pulumi Cloud token).
#                      Previews ask for PULUMI_OIDC_TEAM's token (read-only; Enterprise and
#                      Business Critical editions); `up` never does, it needs the organization's.
#   PULUMI_BACKEND_URL (s3://...) instead: self-managed state reached with the AWS role, secrets
#                      encrypted by PULUMI_SECRETS_PROVIDER (awskms://...), both from the bootstrap.
set -euo pipefail

action=${1:-}
case "$action" in
  preview | up | rollback) ;;
  *) echo "usage: ci-pulumi.sh preview|up|rollback" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${PULUMI_VERSION:?}" "${PULUMI_STACK:?}" "${CI_PROJECT_DIR:?}"
: "${AWS_ROLE_ARN:?set DEPLOY_ROLE_ARN / PREVIEW_ROLE_ARN from the bootstrap stack outputs}"
: "${AWS_ID_TOKEN:?the job needs id_tokens: AWS_ID_TOKEN}"

# Exit code of a preview that had no read-only token to use: the job allows it (allow_failure).
PREVIEW_SKIPPED=3

# A stray static key pair would win over the web identity in every AWS SDK's credential chain,
# and a stray PULUMI_ACCESS_TOKEN over the exchanged token.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE PULUMI_ACCESS_TOKEN

secrets_dir=$(mktemp -d)
# `pulumi login` stores the exchanged access token in $PULUMI_HOME/credentials.json, which CI puts
# in the project directory (for the plugin cache): remove it however the script ends, so no later
# step, artifact or retried job finds it there.
pulumi_credentials="${PULUMI_HOME:-$HOME/.pulumi}/credentials.json"
trap 'rm -rf "$secrets_dir"; rm -f "$pulumi_credentials"' EXIT
umask 077
printf '%s' "$AWS_ID_TOKEN" > "$secrets_dir/aws-web-identity-token"
unset AWS_ID_TOKEN
export AWS_WEB_IDENTITY_TOKEN_FILE="$secrets_dir/aws-web-identity-token"
export AWS_ROLE_ARN
# CloudTrail shows which pipeline and job acted.
export AWS_ROLE_SESSION_NAME="gitlab-${CI_PIPELINE_ID:-0}-${CI_JOB_ID:-0}"
export PULUMI_SKIP_UPDATE_CHECK=true
umask 022

# The image a deploy names: only a digest of DOCKERHUB_REPO, whoever set the variable.
digest_of_repo() {
  [[ "$1" =~ ^${DOCKERHUB_REPO:?set DOCKERHUB_REPO}@sha256:[0-9a-f]{64}$ ]]
}

install_pulumi() {
  if command -v pulumi >/dev/null 2>&1 && [ "$(pulumi version)" = "v$PULUMI_VERSION" ]; then
    return
  fi
  local dir="$HOME/.pulumi-cli-$PULUMI_VERSION" arch
  if ! [ -x "$dir/pulumi" ]; then
    case "$(uname -m)" in
      aarch64 | arm64) arch=arm64 ;;
      *) arch=x64 ;;
    esac
    local release="https://github.com/pulumi/pulumi/releases/download/v$PULUMI_VERSION"
    "$here/ci-download-verified.sh" "$release/pulumi-v$PULUMI_VERSION-linux-$arch.tar.gz" \
      "$release/pulumi-$PULUMI_VERSION-checksums.txt" "$dir" --strip-components=1
  fi
  export PATH="$dir:$PATH"
  pulumi version
}

# The CLI download, and the smoke test that follows a rollback, need curl (node's image has none).
if ! command -v curl >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates curl >/dev/null
fi
install_pulumi

if [ -n "${PULUMI_BACKEND_URL:-}" ]; then
  # Self-managed state: without an awskms:// provider Pulumi falls back to a passphrase it cannot
  # ask for in a job.
  : "${PULUMI_SECRETS_PROVIDER:?self-managed state (PULUMI_BACKEND_URL) needs PULUMI_SECRETS_PROVIDER, the bootstrap output secretsProvider (awskms://...)}"
  pulumi login "$PULUMI_BACKEND_URL"
  org=organization
else
  : "${PULUMI_ORG:?set PULUMI_ORG (the Pulumi Cloud organization)}"
  : "${PULUMI_ID_TOKEN:?the job needs id_tokens: PULUMI_ID_TOKEN}"
  printf '%s' "$PULUMI_ID_TOKEN" > "$secrets_dir/pulumi-id-token"
  unset PULUMI_ID_TOKEN
  login_args=(--oidc-token "file://$secrets_dir/pulumi-id-token" --oidc-org "$PULUMI_ORG")
  if [ "$action" = preview ]; then
    if [ -n "${PULUMI_OIDC_TEAM:-}" ]; then
      login_args+=(--oidc-team "$PULUMI_OIDC_TEAM")
    elif [ "${PULUMI_PREVIEW_MAINTAINERS_ONLY:-}" != true ]; then
      # An organization token can write: never hand one to an unprotected branch by default.
      echo "ci-pulumi: no read-only token for previews: set PULUMI_OIDC_TEAM (Enterprise, Business Critical)," \
        "or PULUMI_PREVIEW_MAINTAINERS_ONLY=true with a Pulumi Cloud policy that requires user_access_level" \
        "maintainer (Team edition); see docs/ci-cd.md" >&2
      exit "$PREVIEW_SKIPPED"
    fi
  fi
  if ! pulumi login "${login_args[@]}"; then
    if [ "$action" = preview ] && [ -z "${PULUMI_OIDC_TEAM:-}" ]; then
      echo "ci-pulumi: Pulumi Cloud gave this merge request no token (previews are for maintainers' merge requests): preview skipped" >&2
      exit "$PREVIEW_SKIPPED"
    fi
    exit 1
  fi
  org=$PULUMI_ORG
fi

cd "$CI_PROJECT_DIR/infra-pulumi"
project=$(sed -n 's/^name:[[:space:]]*//p' Pulumi.yaml | head -n 1)
if [[ "$PULUMI_STACK" == */*/* ]]; then stack=$PULUMI_STACK; else stack="$org/$project/$PULUMI_STACK"; fi
config_file="Pulumi.${stack##*/}.yaml"

created=false
if ! pulumi stack select "$stack" 2> "$secrets_dir/select.err"; then
  cat "$secrets_dir/select.err" >&2
  if ! grep -qi 'no stack named' "$secrets_dir/select.err"; then exit 1; fi
  if [ "$action" = preview ]; then
    # A read-only token cannot create it, and there is nothing to compare with yet.
    echo "ci-pulumi: stack $stack does not exist yet; the first deploy from the default branch creates it. Nothing to preview." |
      tee "$CI_PROJECT_DIR/pulumi-preview.txt"
    exit 0
  fi
  init_args=()
  if [ -n "${PULUMI_SECRETS_PROVIDER:-}" ]; then init_args+=(--secrets-provider "$PULUMI_SECRETS_PROVIDER"); fi
  pulumi stack init "$stack" "${init_args[@]}"
  created=true
fi

# Without a committed Pulumi.<stack>.yaml, restore the settings (region, secrets provider) of the
# last deployment instead of starting from none.
if [ ! -f "$config_file" ] && [ "$created" = false ]; then
  pulumi config refresh || echo "ci-pulumi: no earlier deployment to take settings from"
fi

# The region is chosen once: changing AWS_REGION later must not re-create everything elsewhere.
if region=$(pulumi config get aws:region 2>/dev/null) && [ -n "$region" ]; then
  if [ -n "${AWS_REGION:-}" ] && [ "$AWS_REGION" != "$region" ]; then
    echo "ci-pulumi: the stack stays in $region; AWS_REGION=$AWS_REGION is ignored (set aws:region in $config_file to move it on purpose)"
  fi
else
  : "${AWS_REGION:?the stack has no aws:region yet: set the CI/CD variable AWS_REGION}"
  region=$AWS_REGION
  pulumi config set aws:region "$region"
fi
export AWS_REGION="$region"

case "$action" in
  up)
    image=${IMAGE_REF:-}
    if [ -z "$image" ]; then
      echo "ci-pulumi: no IMAGE_REF from image:publish (expired artifacts?): re-run image:publish, then this job" >&2
      exit 1
    fi
    ;;
  rollback)
    image=${ROLLBACK_IMAGE:?run a pipeline on the default branch with the input rollback_image=<DOCKERHUB_REPO>@sha256:<digest>}
    ;;
  preview)
    if [ "${IMAGE_CHANGED:-true}" = true ]; then
      # The merged commit's digest will take this tag's place: the preview shows a new image.
      image="${DOCKERHUB_REPO:-image}:${CI_COMMIT_SHA:-unknown}"
    elif pulumi config refresh --force --config-file "$secrets_dir/deployed.yaml" >/dev/null &&
      image=$(pulumi config get image --config-file "$secrets_dir/deployed.yaml") && [ -n "$image" ]; then
      echo "ci-pulumi: this merge request leaves the image alone; previewing with the one deployed: $image"
    else
      image="${DOCKERHUB_REPO:-image}:${CI_COMMIT_SHA:-unknown}"
      echo "ci-pulumi: could not read the deployed image; previewing with $image"
    fi
    ;;
esac
if [ "$action" != preview ] && ! digest_of_repo "$image"; then
  echo "ci-pulumi: refusing to deploy '$image': only $DOCKERHUB_REPO@sha256:<digest> is deployed" >&2
  exit 1
fi
pulumi config set image "$image"
echo "ci-pulumi: $action of stack $stack in $region with image $image"

if [ "$action" = preview ]; then
  pulumi preview --diff --non-interactive 2>&1 | tee "$CI_PROJECT_DIR/pulumi-preview.txt"
  exit 0
fi

pulumi up --yes --diff --non-interactive
url=$(pulumi stack output url)
# ECS can roll the deployment back while `pulumi up` reports success: confirm what runs.
node "$CI_PROJECT_DIR/scripts/ci-rollout-check.mts" \
  --cluster "$(pulumi stack output clusterName)" \
  --service "$(pulumi stack output serviceName)" \
  --task-definition "$(pulumi stack output taskDefinitionArn)" \
  --region "$region" --timeout-s "${ROLLOUT_TIMEOUT_S:-900}"
printf 'DEPLOY_URL=%s\nDEPLOYED_IMAGE=%s\n' "$url" "$image" > "$CI_PROJECT_DIR/deploy.env"
echo "ci-pulumi: $url now serves $image"
