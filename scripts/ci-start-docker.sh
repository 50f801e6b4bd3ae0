#!/usr/bin/env bash
# Starts a Docker engine inside the e2e job (the runner must allow privileged containers).
# Not docker:dind as a service: docker-compose.yml publishes ports on 127.0.0.1 only, and the
# e2e tests talk to 127.0.0.1, so the engine must share the job's network namespace.
# Debian's docker.io, and Docker Compose v2 as the CLI plugin users have (`docker compose`): the
# README's `up --wait` needs v2, and Debian bookworm packages only 1.29. Compose is pinned
# (COMPOSE_VERSION) and installed only when its SHA-256 matches the release's checksums.txt.
#
# What docker:dind does for its engine, done here for this one:
#   - cgroup v2 nesting (moby's hack/dind, which dind's entrypoint runs): move every process out
#     of the root cgroup into an `init` child, then delegate all controllers to children;
#     otherwise the engine cannot create its containers' cgroups.
#   - /var/lib/docker must not be on the job's overlay root (overlay2 cannot stack on overlayfs;
#     dind declares it a VOLUME): the data root goes on the builds volume, else vfs is used.
#   - DOCKER_REGISTRY_MIRROR: Docker Hub limits anonymous pulls per address, and the runner's
#     own mirror serves only the job images, not engines a job starts.
# Test seams: CGROUP_ROOT (default /sys/fs/cgroup), DOCKER_DATA_ROOT, DOCKERD_LOG, COMPOSE_PLUGIN.
set -euo pipefail

cgroup_root=${CGROUP_ROOT:-/sys/fs/cgroup}
dockerd_log=${DOCKERD_LOG:-/tmp/dockerd.log}

compose_plugin=${COMPOSE_PLUGIN:-/usr/local/lib/docker/cli-plugins/docker-compose}

if ! command -v dockerd >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker.io iptables ca-certificates curl >/dev/null
fi

if ! docker compose version >/dev/null 2>&1; then
  : "${COMPOSE_VERSION:?set COMPOSE_VERSION (.gitlab-ci.yml) to the Docker Compose v2 release to install}"
  # The release names its Linux binaries after `uname -m`: x86_64, aarch64.
  release="https://github.com/docker/compose/releases/download/v$COMPOSE_VERSION"
  sh "$(dirname "$0")/ci-download-verified.sh" \
    "$release/docker-compose-linux-$(uname -m)" "$release/checksums.txt" "$compose_plugin"
  docker compose version
fi

enable_cgroup_nesting() {
  [ -f "$cgroup_root/cgroup.controllers" ] || return 0 # cgroup v1: nothing to do
  mkdir -p "$cgroup_root/init"
  # One PID per write; a process that exited meanwhile cannot move, which is fine.
  while read -r pid; do
    echo "$pid" >> "$cgroup_root/init/cgroup.procs" 2>/dev/null || true
  done < "$cgroup_root/cgroup.procs"
  local controllers
  controllers=$(sed -e 's/^/+/' -e 's/ / +/g' "$cgroup_root/cgroup.controllers")
  [ -z "$controllers" ] || echo "$controllers" > "$cgroup_root/cgroup.subtree_control"
}

fs_type() { stat -f -c %T "$1" 2>/dev/null || echo unknown; }

# Prints the dockerd options for where images and containers live.
storage_options() {
  local candidate probe
  for candidate in "${DOCKER_DATA_ROOT:-}" "${CI_BUILDS_DIR:+$CI_BUILDS_DIR/.docker-data-root}" /var/lib/docker; do
    [ -n "$candidate" ] || continue
    probe=$candidate # dockerd creates the folder; its nearest existing parent tells the file system
    while [ ! -e "$probe" ]; do probe=$(dirname "$probe"); done
    if [ "$(fs_type "$probe")" != overlayfs ]; then
      echo "--data-root=$candidate"
      return
    fi
  done
  echo "ci-start-docker: every data root candidate is on overlayfs: using the slow vfs driver" >&2
  echo "--data-root=/var/lib/docker --storage-driver=vfs"
}

if ! docker info >/dev/null 2>&1; then
  enable_cgroup_nesting
  read -r -a options <<< "$(storage_options)"
  if [ -n "${DOCKER_REGISTRY_MIRROR:-}" ]; then options+=("--registry-mirror=$DOCKER_REGISTRY_MIRROR"); fi
  echo "ci-start-docker: dockerd ${options[*]}"
  dockerd "${options[@]}" > "$dockerd_log" 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || {
    echo "dockerd did not start (is the runner privileged?):" >&2
    tail -n 30 "$dockerd_log" >&2
    exit 1
  }
fi
docker version --format 'docker engine {{.Server.Version}} ready'
