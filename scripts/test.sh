#!/usr/bin/env bash
# npm test: installs what is missing, then runs every *.test.ts against a real Temporal dev server,
# a throwaway PostgreSQL database, a MinIO server and real ffmpeg. Extra arguments filter test files by path.
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
cd "$REELFLOW_ROOT"
ensure_node_modules
ensure_temporal_cli
ensure_temporal_server
ensure_minio
ensure_ffmpeg
ensure_espeak
ensure_chromium
ensure_postgres
exec node --import tsx test/run.ts "$@"
