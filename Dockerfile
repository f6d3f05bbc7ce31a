# Masivo, one image for every role (MASIVO_ROLES picks what a container runs).
# The base image's Node is the version the `node` devDependency pins, so only runtime
# dependencies are installed; Node runs main.ts directly (type stripping), no build step.
# NATS_URL and MONGODB_URL are always set where this image runs, so no Go and no local servers.
FROM node:24.21.0-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY . .
# MASIVO_DATA_DIR (.data) is created at start even when no local server is needed.
RUN mkdir -p .data && chown node:node .data
USER node

EXPOSE 4000
CMD ["node", "main.ts"]
