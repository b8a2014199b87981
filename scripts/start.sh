#!/usr/bin/env bash
# npm start: installs what is missing, then runs PostgreSQL migrations, the Temporal dev server,
# the worker and the API together until Ctrl-C.
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
cd "$REELFLOW_ROOT"
if [ -f .env ]; then set -a; source .env; set +a; fi
ensure_node_modules
node --import tsx scripts/check-config.ts
ensure_temporal_cli
ensure_ffmpeg
ensure_espeak
ensure_chromium
ensure_postgres
exec node --import tsx scripts/dev.ts
