#!/usr/bin/env bash
# Installs, from Debian's packages, every tool the tests run that is missing: the tools and their
# packages are those of tests/support/tools.tsv, the one list `npm test`'s pre-flight line and skip
# messages read too. GitLab's test job and `bash .ci/run` both call this. Machines that have every
# tool install nothing; a tool with no Debian package there ("-", Docker) is left to the machine.
set -euo pipefail

table="$(dirname "$0")/../tests/support/tools.tsv"

missing=()
while IFS=$'\t' read -r tool package debian_name _homebrew _needed_by; do
  case "$tool" in '' | '#'*) continue ;; esac
  [ "$package" = - ] && continue
  command -v "$tool" >/dev/null 2>&1 && continue
  # Debian installs some tools under another name (prometheus-alertmanager): that one will do.
  [ "$debian_name" != - ] && command -v "$debian_name" >/dev/null 2>&1 && continue
  missing+=("$package")
done <"$table"

if [ "${#missing[@]}" -eq 0 ]; then
  echo "ci-install-test-tools: everything present, nothing to install"
  exit 0
fi

mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "ci-install-test-tools: installing ${packages[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
