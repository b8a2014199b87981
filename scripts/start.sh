#!/usr/bin/env bash
# npm start: installs what is missing, then runs PostgreSQL migrations, the Temporal dev server,
# the worker and the API together until Ctrl-C.
# npm run start:cluster (`scripts/start.sh cluster`): the same on the PostgreSQL-backed Temporal
# server with its Web UI and two workers, building the server from the Go module proxy the first
# time (README "The cluster").
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
cd "$REELFLOW_ROOT"
if [ -f .env ]; then set -a; source .env; set +a; fi
ensure_node_modules
node --import tsx scripts/check-config.ts
ensure_temporal_cli
ensure_ffmpeg
ensure_espeak
ensure_postgres
if [ "${1:-}" = cluster ]; then
  ensure_temporal_server
  exec node --import tsx scripts/cluster/main.ts
fi
ensure_chromium
exec node --import tsx scripts/dev.ts
