# Masivo, one image for every role (MASIVO_ROLES picks what a container runs): docker-compose.yml
# and deploy/k8s/ both run it. The base image's Node is the version the `node` devDependency pins;
# Node runs main.ts directly (type stripping), so there is no build step, only the runtime
# dependencies to install. NATS_URL and MONGODB_URL are always set where this image runs, so it
# holds no Go and starts no local servers. .dockerignore keeps tests, benchmarks and fakes out.

FROM node:24.21.0-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24.21.0-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY . .
# MASIVO_DATA_DIR is created at start even when no local server is needed; in Kubernetes, whose
# root filesystem is read-only, an emptyDir is mounted there.
ENV MASIVO_DATA_DIR=/var/lib/masivo
RUN mkdir -p /var/lib/masivo && chown node:node /var/lib/masivo
# The `node` user (uid 1000), as the Deployments' runAsUser says.
USER node

EXPOSE 4000 9464
# Every process answers /readyz on its operations port, whatever its roles (docs/operations.md).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MASIVO_OPS_PORT||9464)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "main.ts"]
