#!/bin/sh
# Downloads a release asset and installs it only when its SHA-256 matches the line for it in the
# release's checksums file; a tampered or truncated download stops the job before anything runs.
#   ci-download-verified.sh <archive-url> <checksums-url> <dest-dir> [tar options...]   a .tar.gz: unpacked into dest-dir
#   ci-download-verified.sh <binary-url> <checksums-url> <dest-file>                    anything else: installed as dest-file, executable
# Used for the Pulumi CLI (pulumi-<version>-checksums.txt), flyctl and Docker Compose (checksums.txt). POSIX sh,
# so it runs in Debian (node image: /bin/sh is dash 0.5.12, which has no pipefail) and Alpine
# (busybox ash) job images alike; pipefail where the shell has it.
# shellcheck disable=SC3040
set -eu
if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi

archive_url=${1:?usage: ci-download-verified.sh <archive-url> <checksums-url> <dest-dir> [tar options]}
checksums_url=${2:?usage: ci-download-verified.sh <archive-url> <checksums-url> <dest-dir> [tar options]}
dest=${3:?usage: ci-download-verified.sh <archive-url> <checksums-url> <dest-dir> [tar options]}
shift 3
archive=${archive_url##*/}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

curl --fail --silent --show-error --location --retry 3 --output "$work/$archive" "$archive_url"
curl --fail --silent --show-error --location --retry 3 --output "$work/checksums" "$checksums_url"

expected=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1; exit }' "$work/checksums")
if [ -z "$expected" ]; then
  echo "ci-download-verified: $checksums_url lists no checksum for $archive" >&2
  exit 1
fi
actual=$(sha256sum "$work/$archive" | awk '{ print $1 }')
if [ "$actual" != "$expected" ]; then
  echo "ci-download-verified: $archive has SHA-256 $actual, the release says $expected: not installing it" >&2
  exit 1
fi

case $archive in
  *.tar.gz | *.tgz)
    mkdir -p "$dest"
    tar -xzf "$work/$archive" -C "$dest" "$@"
    echo "ci-download-verified: $archive verified (sha256 $actual) and unpacked into $dest"
    ;;
  *)
    mkdir -p "$(dirname "$dest")"
    cp "$work/$archive" "$dest"
    chmod 0755 "$dest"
    echo "ci-download-verified: $archive verified (sha256 $actual) and installed as $dest"
    ;;
esac
