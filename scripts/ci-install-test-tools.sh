#!/usr/bin/env bash
# Installs what `npm test` needs beyond Node.js, from Debian's packages, when it is missing:
# promtool and prometheus, and amtool (observability tests), git and rsync (gitlab-ci-local in the pipeline
# tests), shellcheck (the scripts/ lint test), busybox (the /bin/sh scripts are tested under the ash
# that Alpine-based CI images run them with). Machines that have them install nothing.
set -euo pipefail

declare -A package_for=(
  [promtool]=prometheus
  [prometheus]=prometheus
  [amtool]=prometheus-alertmanager
  [git]=git
  [rsync]=rsync
  [shellcheck]=shellcheck
  [busybox]=busybox
)

missing=()
for tool in "${!package_for[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package_for[$tool]}")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "ci-install-test-tools: everything present, nothing to install"
  exit 0
fi

mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "ci-install-test-tools: installing ${packages[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
