# syntax=docker/dockerfile:1
# One Dockerfile for every deployable: the build argument SERVICE names a service (order-validator, inventory,
# payment, fulfillment, notification, analytics) or `ops` (the orderflow-ops CLI for setup jobs). Each gets its
# own image, e.g.  docker build --build-arg SERVICE=inventory -t orderflow/inventory .
# The same service image runs the consumers or the outbox relay: ROLE=worker | relay | all (default).
ARG NODE_IMAGE=node:20-bookworm-slim

# Prune: the workspace cut down to SERVICE and the packages it depends on (turbo's Docker layout: json/ holds only
# the manifests and the pruned lockfile, so the dependency install below stays cached while only sources change).
FROM ${NODE_IMAGE} AS prune
WORKDIR /repo
RUN npm install --global --no-audit --no-fund turbo@2.11.11
COPY . .
ARG SERVICE
RUN test -n "${SERVICE}" || { echo "--build-arg SERVICE=<service|ops> is required" >&2; exit 1; } \
 && TURBO_TELEMETRY_DISABLED=1 turbo prune "@orderflow/${SERVICE}" --docker \
 && cp tsconfig.base.json out/full/

# Build: every dependency (compilers included), compile SERVICE and its packages, then assemble /out: manifests,
# compiled code, migrations and production dependencies only.
FROM ${NODE_IMAGE} AS build
WORKDIR /repo
ENV TURBO_TELEMETRY_DISABLED=1
COPY --from=prune /repo/out/json/ .
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY --from=prune /repo/out/full/ .
ARG SERVICE
RUN --mount=type=cache,target=/root/.npm set -e \
 && npx turbo run build --filter="@orderflow/${SERVICE}..." --output-logs=errors-only \
 && mkdir -p /out && cp package.json package-lock.json /out/ \
 && for d in packages/* services/*; do \
      [ -d "$d" ] || continue; mkdir -p "/out/$d"; cp -r "$d/package.json" "$d/dist" "/out/$d/"; \
      if [ -d "$d/migrations" ]; then cp -r "$d/migrations" "/out/$d/"; fi; \
    done \
 && find /out -name '*.d.ts' -delete -o -name '*.d.ts.map' -delete -o -name '*.tsbuildinfo' -delete \
 && if [ -d "services/${SERVICE}" ]; then entry="services/${SERVICE}/dist/main.js"; else entry="packages/${SERVICE}/dist/cli.js"; fi \
 && ln -s "$entry" /out/main.js \
 && cd /out && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund

# Runtime: the slim Node image, the assembled app in one layer, no compilers, no npm cache, no secrets.
FROM ${NODE_IMAGE}
ARG SERVICE
LABEL org.opencontainers.image.title="orderflow-${SERVICE}" \
      org.opencontainers.image.source="https://github.com/orderflow/orderflow" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out/ ./
# Numeric uid (the image's `node` user): Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 1000:1000
# Exec form: node is PID 1 and receives SIGTERM itself; the service's handler drains (readiness 503, consumers
# finish their batch and commit, relay stops, pool closes) and exits 0.
ENTRYPOINT ["node", "/app/main.js"]
