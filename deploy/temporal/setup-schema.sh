#!/usr/bin/env sh
# Creates Temporal's two PostgreSQL databases and brings their schemas to the version the server
# ships (go.temporal.io/server schema/postgresql/v12: temporal, and visibility with the advanced
# visibility that custom search attributes and the Web UI's filters need). Idempotent: run it at
# every start. Used as is by `npm run start:cluster` (the binaries built into .tools) and by the
# temporal-schema service of docker-compose.yml (the temporalio/admin-tools image).
#
# Environment: SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD (the PostgreSQL server), DBNAME and
# VISIBILITY_DBNAME (deploy/temporal/server.env), TEMPORAL_SCHEMA_DIR (the module's schema/ folder),
# TEMPORAL_SQL_TOOL (default: temporal-sql-tool on PATH).
set -eu
tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
schema="${TEMPORAL_SCHEMA_DIR:?set TEMPORAL_SCHEMA_DIR to the server's schema folder}/postgresql/v12"

setup() {
  database="$1" versioned="$2"
  # CREATE DATABASE has no IF NOT EXISTS in PostgreSQL: an existing database is the one case to pass.
  if ! out="$("$tool" --plugin postgres12 --db "$database" create-database 2>&1)"; then
    case "$out" in *"already exists"*) ;; *) printf '%s\n' "$out" >&2; exit 1 ;; esac
  fi
  # setup-schema -v 0.0 creates only the version tables (IF NOT EXISTS); update-schema applies the
  # versioned steps the database has not had yet.
  "$tool" --plugin postgres12 --db "$database" setup-schema -v 0.0 >/dev/null
  "$tool" --plugin postgres12 --db "$database" update-schema -d "$schema/$versioned/versioned" >/dev/null
  echo "temporal schema: $database up to date"
}

setup "${DBNAME:-temporal}" temporal
setup "${VISIBILITY_DBNAME:-temporal_visibility}" visibility
