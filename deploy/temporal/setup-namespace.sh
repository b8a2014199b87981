#!/usr/bin/env sh
# Registers reelflow's namespace on a running Temporal server, once. reelflow's search attributes
# are registered by each worker at start (workflows/search-attributes.ts), on any server.
# Used by `npm run start:cluster` and by the temporal-namespace service of docker-compose.yml.
#
# Environment: TEMPORAL_ADDRESS (host:port of the frontend), TEMPORAL_NAMESPACE (default
# "default"), TEMPORAL_NAMESPACE_RETENTION (closed workflows' history kept, default 72h),
# TEMPORAL_CLI (default: temporal on PATH).
set -eu
cli="${TEMPORAL_CLI:-temporal}"
namespace="${TEMPORAL_NAMESPACE:-default}"
address="${TEMPORAL_ADDRESS:?set TEMPORAL_ADDRESS}"
describe() { "$cli" operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1; }
if describe; then
  echo "temporal namespace: $namespace exists"
  exit 0
fi
# Another starter may register it between the two calls: then describing it again succeeds.
if "$cli" operator namespace create --namespace "$namespace" --retention "${TEMPORAL_NAMESPACE_RETENTION:-72h}" --address "$address" >/dev/null || describe; then
  echo "temporal namespace: $namespace registered"
else
  exit 1
fi
