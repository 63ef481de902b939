# Guichet: one image for every academy; the packs under tenants/ are baked in, and a
# deployment picks its own with GUICHET_TENANTS (or mounts another folder at /app/tenants).
#
#   docker build -t guichet .
#   docker run -p 3000:3000 -v guichet-data:/app/.data guichet                  # embedded PostgreSQL, demo data
#   docker run -p 3000:3000 -e DATABASE_URL=postgres://… -e GUICHET_TENANTS=caen-amigo guichet
#   docker exec -it <container> node bin/guichet.js token caen-amigo <login>  # CLI, see docs/cli.md
#
# test/e2e/container-image.e2e.spec.ts rebuilds the runtime stage's file layout from the COPY
# lines below and boots it as an unprivileged user: keep every path the application reads at
# run time in them. docs/operations.md has a compose.yaml.

# Node's LTS line of the image; the code also runs (and CI tests) on 20.19+ (package.json engines).
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: compile TypeScript, then keep only the production dependencies -------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# .dsfr.yml: the DSFR's install script needs the accepted terms of use (docs/portal.md).
COPY package.json package-lock.json .dsfr.yml ./
# Exactly the committed lockfile (it holds every platform's optional packages).
RUN npm ci --no-audit --no-fund

# Sources only; .dockerignore keeps node_modules, dist, .data, test and docs out.
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
# tini is PID 1: it forwards SIGTERM to node (graceful shutdown) and reaps zombies.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
# GUICHET_HOST: all interfaces inside the container (the default elsewhere is loopback).
ENV NODE_ENV=production PORT=3000 GUICHET_HOST=0.0.0.0
WORKDIR /app

# Read-only for the application (owned by root); only /app/.data is written.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/tenants ./tenants
# Read from the sources at run time: the portal's templates and static files, the mails' templates.
COPY --from=build /app/src/portal/views ./src/portal/views
COPY --from=build /app/src/portal/assets ./src/portal/assets
COPY --from=build /app/src/notifications/templates ./src/notifications/templates

# Embedded database (/app/.data/pg) and local attachment storage (/app/.data/attachments).
# Created and chowned before VOLUME so a new volume starts owned by `node`.
RUN mkdir -p /app/.data && chown node:node /app/.data
VOLUME ["/app/.data"]

USER node
EXPOSE 3000

# Ready: database, migrations, packs, outbox worker, storage (docs/operations.md#health).
# The embedded database, migrations, pack sync and demo seeding can take a while on first start.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
