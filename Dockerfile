# The service image: build with the full toolchain, ship only `node`, compiled JavaScript and
# production dependencies.
#
#   docker build -t restify-observable-service \
#     --build-arg VERSION=1.2.3 --build-arg REVISION="$(git rev-parse HEAD)" .
#
# No `# syntax=` line: BuildKit's built-in frontend already supports `RUN --mount=type=cache`,
# and a syntax image would need a registry at build time.

# The one place the Node.js version lives; the runtime image below must be the same major.
ARG NODE_VERSION=24.22.3
# Distroless publishes no per-patch tags: this tag moves with Node 24 security updates. CI pins it
# by the digest of its multi-platform index (RUNTIME_IMAGE in .gitlab-ci.yml, kept current by
# Renovate) and passes it as --build-arg RUNTIME_IMAGE=…@sha256:…; the default stays the tag, so a
# local build works with whatever copy of the base the machine has.
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# --- manifests: only what `npm ci` reads, so dependency layers survive source edits ----------
# The build stages run on the builder's own platform (BuildKit sets BUILDPLATFORM): what they
# produce, compiled JavaScript and node_modules without native code or install scripts
# (tests/deploy/multi-arch.test.ts), is the same for every target, so an arm64 image built on
# amd64 runs no step under emulation. Only the runtime stage, which copies, is per target.
FROM --platform=${BUILDPLATFORM} node:${NODE_VERSION}-bookworm-slim AS manifests
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Every workspace's package.json: npm checks the whole lockfile against them, even when it
# installs a single workspace.
COPY package.json package-lock.json ./
COPY service/package.json service/
COPY observability/package.json observability/
COPY infra-pulumi/package.json infra-pulumi/

# --- build: root dev tools (typescript, @types/node) plus the service's dependencies ----------
FROM manifests AS build
# --ignore-scripts: nothing here needs an install script, and restify's optional
# dtrace-provider would otherwise try (and fail) to compile a native addon.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --workspace service --include-workspace-root --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY service/tsconfig*.json service/
COPY service/src service/src
RUN npm run build

# --- prod-deps: the service's runtime dependencies and nothing else ---------------------------
FROM manifests AS prod-deps
RUN --mount=type=cache,target=/root/.npm \
    npm ci --workspace service --omit=dev --ignore-scripts --no-audit --no-fund

# --- loadgen: the compose `loadgen` profile (a dependency-free script on the runtime base) ----
FROM ${RUNTIME_IMAGE} AS loadgen
COPY docker/loadgen.mjs /app/loadgen.mjs
CMD ["/app/loadgen.mjs"]

# --- runtime -----------------------------------------------------------------------------------
# Distroless rather than `node:*-slim` + USER node: no shell, no package manager, no npm, so
# there is nothing to exec into and far fewer packages to patch; it already runs as the
# unprivileged `nonroot` user (uid/gid 65532) and has `node` as its ENTRYPOINT. The price is
# debugging without a shell (`docker run --entrypoint` the `:debug-nonroot` variant when needed).
FROM ${RUNTIME_IMAGE} AS runtime
# CI passes these; the defaults mark a local build.
ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="restify-observable-service" \
      org.opencontainers.image.description="A small Restify service that is observable from its first request" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="MIT"
# APP_VERSION and GIT_REVISION feed the app_build_info metric, so a dashboard shows what the
# labels say. --max-semi-space-size=16: V8's young generation must hold what the requests in
# flight keep alive. Too small for them (4 MB always, 8 MB in some runs, under the benchmark's
# thousand requests in flight) and most of it survives every scavenge: the service spends 27-62%
# more CPU per request. V8's own default follows the host's memory (64 MB on a 24 GB host), so the
# size is pinned rather than left to the host. MALLOC_ARENA_MAX=2: glibc gives each thread that
# allocates an arena of its own and keeps their pages. docs/benchmark.md prices both.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=16" \
    MALLOC_ARENA_MAX=2 \
    PORT=8080 \
    APP_VERSION="${VERSION}" \
    GIT_REVISION="${REVISION}"
WORKDIR /app
# Owned by root and not writable by the service user: the code is immutable at run time, and
# nothing is written anywhere, so `--read-only` needs no tmpfs.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=prod-deps /app/service ./service
COPY --from=build /app/service/dist ./service/dist
COPY docker/healthcheck.mjs ./healthcheck.mjs
# Numeric, so orchestrators can verify "non-root" without reading /etc/passwd.
USER 65532:65532
# 9464: the metrics-only listener, when METRICS_PORT=9464 (as on AWS and Fly); unset, /metrics
# stays on 8080. Documentation only: nothing is published without -p.
EXPOSE 8080 9464
# Liveness only (GET /health); readiness is the load balancer's business (GET /ready).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/nodejs/bin/node", "/app/healthcheck.mjs"]
# node is PID 1 and the service handles SIGTERM itself (drain, close, exit 0). Zombie reaping
# needs an init: `docker run --init`, compose `init: true`, ECS `initProcessEnabled`.
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["/app/service/dist/main.js"]
