# The LoreChat reference app, instrumented with zero code changes:
#   node --import lorechat-otel/register dist/demo/server.js
# Build: docker compose build lorechat (or docker build -t lorechat-otel-demo:local .)
#
# Three stages: `build` compiles with the development tree and packs lorechat-otel; `deps`
# installs that tarball into an app the way a user would (production dependencies only:
# the package, its OpenTelemetry dependencies and the LangChain packages the demo loads);
# the final image holds that node_modules and the built demo, nothing else.

FROM node:24.21.0-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsup.config.ts README.md ./
COPY docs ./docs
COPY scripts/demo-image-package.mjs ./scripts/
COPY src ./src
COPY demo ./demo
RUN npm run build \
 && rm -f dist/demo/*.cjs dist/demo/*.map \
 && mkdir -p /pkg /app \
 && npm pack --pack-destination /pkg \
 && node scripts/demo-image-package.mjs /pkg/lorechat-otel-*.tgz /app

FROM node:24.21.0-slim AS deps
WORKDIR /app
COPY --from=build /pkg /pkg
COPY --from=build /app/package.json ./
RUN npm install --omit=dev --no-audit --no-fund --loglevel=error

FROM node:24.21.0-slim
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/demo ./dist/demo
USER node
EXPOSE 8080
CMD ["node", "--import", "lorechat-otel/register", "dist/demo/server.js"]
