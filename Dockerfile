# Guichet: one image for every academy; the packs under tenants/ are baked in, and a
# deployment picks its own with GUICHET_TENANTS (or mounts another folder at /app/tenants).
#
#   docker build -t guichet .
#   docker run -p 3000:3000 -v guichet-data:/app/.data guichet                  # embedded PostgreSQL, demo data
#   docker run -p 3000:3000 -e DATABASE_URL=postgres://… -e GUICHET_TENANTS=caen-amigo guichet
#   docker exec -it <container> node bin/guichet.js token caen-amigo <login>  # CLI, see docs/cli.md
#
# SIGTERM/SIGINT close the HTTP server and the database, then exit (src/main.ts).

# ---- build: compile TypeScript, then keep only the production dependencies -------------
FROM node:24-bookworm-slim AS build
WORKDIR /app

# .dsfr.yml: the DSFR's install script needs the accepted terms of use (docs/portal.md).
COPY package.json package-lock.json .dsfr.yml ./
# `npm install`, not `npm ci`: the committed lockfile only lists the Linux builds of @swc,
# which `npm ci` reports as missing platforms (see docs/decisions.md).
RUN npm install --no-audit --no-fund

# Sources only; .dockerignore keeps node_modules, dist, .data, test and docs out.
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ------------------------------------------------------------------------------
FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app

# Read-only for the application (owned by root); only /app/.data is written.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/tenants ./tenants
# The portal's templates and static files are read from the sources at run time.
COPY --from=build /app/src/portal/views ./src/portal/views
COPY --from=build /app/src/portal/assets ./src/portal/assets

# Embedded database (/app/.data/pg) and local attachment storage (/app/.data/attachments).
# Created and chowned before VOLUME so a new volume starts owned by `node`.
RUN mkdir -p /app/.data && chown node:node /app/.data
VOLUME ["/app/.data"]

USER node
EXPOSE 3000

# The embedded database, migrations, pack sync and demo seeding can take a while on first start.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "dist/src/main.js"]
