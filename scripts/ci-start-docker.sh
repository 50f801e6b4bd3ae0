#!/usr/bin/env bash
# Starts a Docker engine inside the e2e job (the runner must allow privileged containers).
# Not docker:dind as a service: docker-compose.yml publishes ports on 127.0.0.1 only, and the
# e2e tests talk to 127.0.0.1, so the engine must share the job's network namespace.
# Debian's docker.io and docker-compose 1.29 (the compose file stays 1.29-compatible), with
# `docker compose ...` served by docker-compose, the same toolchain the e2e tests use locally.
set -euo pipefail

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker-compose >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker.io docker-compose iptables ca-certificates >/dev/null
fi

if ! docker compose version >/dev/null 2>&1; then
  cat > /usr/local/bin/docker <<'SHIM'
#!/bin/sh
if [ "${1:-}" = compose ]; then shift; exec docker-compose "$@"; fi
exec /usr/bin/docker "$@"
SHIM
  chmod +x /usr/local/bin/docker
fi

if ! docker info >/dev/null 2>&1; then
  dockerd >/tmp/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || {
    echo "dockerd did not start (is the runner privileged?):" >&2
    tail -n 30 /tmp/dockerd.log >&2
    exit 1
  }
fi
docker version --format 'docker engine {{.Server.Version}} ready'
