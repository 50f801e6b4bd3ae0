#!/usr/bin/env bash
# Builds the stand-ins for the public images this repository's files name (offline-docker seed),
# then checks the outcome itself: every image must be present afterwards except those seed says
# have no stand-in (Grafana), which the suites that need them count as skipped. seed's own exit
# status cannot be trusted for that: it ends non-zero after building a prom/* stand-in last (its
# final command is a re-tag test that is false for prom/ names), and zero if it stops early.
#   scripts/ci-seed-images.sh OFFLINE_DOCKER [DIR]
set -euo pipefail

tool="$1"
dir="${2:-.}"

seeded="$("$tool" seed "$dir")" || true
printf '%s\n' "$seeded"
no_standin="$(printf '%s\n' "$seeded" | awk '$1 == "missing" && /no stand-in here/ { print $2 }')"

missing=()
while read -r state ref _; do
  [ "$state" = missing ] || continue
  if [ -n "$no_standin" ] && printf '%s\n' "$no_standin" | grep -qxF -- "$ref"; then continue; fi
  missing+=("$ref")
done < <("$tool" status "$dir")

if [ "${#missing[@]}" -gt 0 ]; then
  echo "ci-seed-images: no image for ${missing[*]} after seed; its output is above" >&2
  exit 1
fi
