# One image for the API and the worker (docker-compose.yml picks the command).
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates patch \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
COPY scripts/apply-patches.sh ./scripts/
RUN npm ci --no-audit --no-fund && bash scripts/apply-patches.sh
COPY . .
# The worker loads this prebuilt bundle instead of bundling workflows at start.
RUN npx tsx worker/build-bundle.ts dist/workflow-bundle.js
ENV NODE_ENV=production
USER node
CMD ["node", "--import", "tsx", "api/main.ts"]
