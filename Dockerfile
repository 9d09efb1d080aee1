# The LoreChat reference app, instrumented with zero code changes:
#   node --import ./dist/register.js dist/demo/server.js
# Build: docker compose build lorechat (or docker build -t lorechat-otel-demo:local .)

FROM node:24.21.0-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsup.config.ts ./
COPY src ./src
COPY demo ./demo
RUN npm run build

FROM node:24.21.0-slim
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0
WORKDIR /app
# The demo's LangChain/LangGraph packages are dev dependencies of the library (peers for
# users), so the runtime image keeps the installed tree rather than pruning it.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
CMD ["node", "--import", "./dist/register.js", "dist/demo/server.js"]
