# syntax=docker/dockerfile:1
# One Dockerfile for every deployable: the build argument SERVICE names a service (order-validator, inventory,
# payment, fulfillment, notification, analytics), `ops` (the orderflow-ops CLI, for setup jobs) or `upstream` (the
# demo order generator). Each gets its own image, e.g.
#   docker build --build-arg SERVICE=inventory -t orderflow/inventory .
# The same service image runs the consumers or the outbox relay: ROLE=worker | relay | all (default).
#
# Few instructions on purpose: storage drivers without overlays (vfs) copy the whole file system for every layer.
ARG NODE_IMAGE=node:20-bookworm-slim

# Build: the workspace pruned to SERVICE and the packages it depends on (turbo prune --docker), all dependencies
# installed (compilers included), compiled; then /out is assembled with manifests, compiled code, migrations and
# production dependencies only. Sources and dev dependencies stay behind in this stage.
FROM ${NODE_IMAGE} AS build
ARG SERVICE
COPY . /src/
RUN --mount=type=cache,target=/root/.npm set -e \
 && test -n "${SERVICE}" || { echo "--build-arg SERVICE=<service|ops|upstream> is required" >&2; exit 1; } \
 && export TURBO_TELEMETRY_DISABLED=1 NPM_CONFIG_UPDATE_NOTIFIER=false \
 && cd /src && npx --yes turbo@2.11.11 prune "@orderflow/${SERVICE}" --docker --out-dir /pruned \
 && mkdir /build && cp -a /pruned/json/. /build/ && cd /build \
 && npm ci --ignore-scripts --no-audit --no-fund \
 && cp -a /pruned/full/. /build/ && cp /src/tsconfig.base.json /build/ \
 && npx turbo run build --filter="@orderflow/${SERVICE}..." --output-logs=errors-only \
 && mkdir /out && cp package.json package-lock.json /out/ \
 && for d in packages/* services/*; do \
      [ -d "$d" ] || continue; mkdir -p "/out/$d"; cp -r "$d/package.json" "$d/dist" "/out/$d/"; \
      if [ -d "$d/migrations" ]; then cp -r "$d/migrations" "/out/$d/"; fi; \
    done \
 && find /out -name '*.d.ts' -delete -o -name '*.d.ts.map' -delete -o -name '*.tsbuildinfo' -delete \
 && if [ -d "services/${SERVICE}" ]; then entry="services/${SERVICE}/dist/main.js"; else entry="packages/${SERVICE}/dist/cli.js"; fi \
 && ln -s "$entry" /out/main.js \
 && cd /out && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund \
 && rm -rf /src /pruned /build

# Runtime: the slim Node image and the assembled app in one layer; no compilers, no npm cache, no sources, no secrets.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# V8 sized for a service (packages/ops/src/runtime.ts, SERVICE_NODE_OPTIONS; a deploy test keeps the two equal).
ENV NODE_OPTIONS="--max-old-space-size=96 --max-semi-space-size=8"
COPY --from=build /out/ /app/
# Numeric uid (the image's `node` user): Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 1000:1000
# Exec form: node is PID 1 and receives SIGTERM itself; the service drains (readiness 503, consumers finish their
# batch and commit, relay stops, pool closes) and exits 0.
ENTRYPOINT ["node", "/app/main.js"]
