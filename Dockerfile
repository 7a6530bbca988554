# Roster container image. Debian (glibc) rather than Alpine: bcrypt is a native module whose
# prebuilt binaries npm installs for linux glibc (x64 and arm64), with no compiler in the image.
# Checked by test/deploy/compose.test.ts (no Docker engine runs in CI).

# Build stage: every dependency (TypeScript included), then `npm run build` into dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY procedures ./procedures
COPY schemas ./schemas
RUN npm run build

# Runtime stage: production dependencies and the compiled output only, as the non-root user `node`.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 DATA_DIR=/data
WORKDIR /app
# package.json: npm ci's manifest and the version the OCS app catalogue shows (dist/package.json,
# emitted by the build, is the copy the compiled code reads).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# DATA_DIR for the embedded PGlite database (single instance only; mount a volume on /data).
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
# Node itself is PID 1 (not npm, which does not pass signals on): SIGTERM closes the server and the
# database cleanly.
CMD ["node", "dist/src/main.js"]
