# Sourced by scripts/start.sh and scripts/test.sh: finds or installs what reelflow needs on this
# machine, using only the npm registry, the Go module proxy and Debian's packages.
# Each ensure_* prints one line when it has to act, and one clear line when it cannot; long steps
# (Go builds, npm and apt installs) add their elapsed time while they run and how long they took.

REELFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_BIN="$REELFLOW_ROOT/.tools/bin"
TEMPORAL_CLI_VERSION="v1.5.1"
# The server and Web UI that CLI embeds (its go.mod), built on their own for `npm run start:cluster`.
TEMPORAL_SERVER_VERSION="v1.29.1"
TEMPORAL_UI_VERSION="v2.42.1"
# MinIO publishes no semver tags for Go; this pseudo-version pins the build tests run against.
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
mkdir -p "$TOOLS_BIN"

say() { printf 'reelflow: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
is_debian_root() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
in_root() { (cd "$REELFLOW_ROOT" && "$@"); }
# with_progress: elapsed time while a long step runs, and how long it took.
source "$REELFLOW_ROOT/scripts/progress.sh"

APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    with_progress "apt-get update" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
    APT_UPDATED=1
  fi
  with_progress "apt-get install $*" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" || die "apt-get install $* failed"
}

# Installed from the lock, and since the last change to a patch: a changed patch no longer matches
# the files its older version patched, so the packages are installed afresh and patched again.
node_modules_current() {
  local stamp="$REELFLOW_ROOT/node_modules/.package-lock.json"
  [ -f "$stamp" ] && [ ! "$REELFLOW_ROOT/package-lock.json" -nt "$stamp" ] &&
    [ -z "$(find "$REELFLOW_ROOT/patches" -name '*.patch' -newer "$stamp" 2>/dev/null)" ]
}

ensure_node_modules() {
  mkdir -p "$REELFLOW_ROOT/.tools"
  # One install at a time: `npm ci` empties node_modules first, so two overlapping runs (npm start
  # and npm test after a pull) would pull it from under each other. The second waits, then finds it
  # current. Patching (scripts/apply-patches.sh) takes the same turn.
  exec {npm_lock}>"$REELFLOW_ROOT/.tools/npm-install.lock"
  flock "$npm_lock"
  if ! node_modules_current; then
    say "installing npm dependencies from package-lock.json"
    # `npm ci` installs exactly the lock and never rewrites it, so a fresh clone stays clean. It
    # refuses a lock that does not match package.json: then `npm install` repairs the lock, and the
    # changed lock (shown by git status) is what to commit.
    if ! with_progress "npm ci" in_root npm ci --no-audit --no-fund --loglevel=error; then
      say "package-lock.json does not match package.json: running npm install, which updates the lock"
      if ! with_progress "npm install" in_root npm install --no-audit --no-fund --loglevel=error; then
        # A half-done install may have written the stamp: without it the next run starts over.
        rm -f "$REELFLOW_ROOT/node_modules/.package-lock.json"
        die "npm install failed"
      fi
    fi
  fi
  bash "$REELFLOW_ROOT/scripts/apply-patches.sh" || die "node_modules could not be patched"
  flock -u "$npm_lock"
  exec {npm_lock}>&-
}

# A Go-built tool: the path in VARIABLE, then COMMAND on PATH, then .tools/bin; otherwise
# `go install MODULE` (CGO off) into .tools/bin. Exports VARIABLE.
ensure_go_tool() {
  local variable="$1" command="$2" module="$3" label="$4"
  local path="${!variable:-}"
  if [ -n "$path" ]; then
    [ -x "$path" ] || die "$variable=$path is not an executable file"
  elif command -v "$command" >/dev/null 2>&1; then
    path="$(command -v "$command")"
  elif [ -x "$TOOLS_BIN/$command" ]; then
    path="$TOOLS_BIN/$command"
  else
    command -v go >/dev/null 2>&1 || die "no $command found and no Go toolchain to build it; install Go 1.24+ or set $variable"
    say "building $label from the Go module proxy (a few minutes the first time)"
    with_progress "building $label" env CGO_ENABLED=0 GOBIN="$TOOLS_BIN" go install "$module" || die "building $label failed (go install $module)"
    path="$TOOLS_BIN/$command"
  fi
  printf -v "$variable" '%s' "$path"
  export "${variable?}"
}

ensure_temporal_cli() {
  ensure_go_tool TEMPORAL_CLI temporal "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" "the Temporal CLI $TEMPORAL_CLI_VERSION"
}

# The Temporal server of `npm run start:cluster`, its SQL schema tool and the Web UI server, built
# from the Go module proxy into .tools/temporal-server-<version>/bin, beside what they read from
# their modules: the PostgreSQL schemas and each one's config template (config/docker.yaml, the one
# their container images start with). Exports TEMPORAL_SERVER_HOME.
ensure_temporal_server() {
  TEMPORAL_SERVER_HOME="$REELFLOW_ROOT/.tools/temporal-server-$TEMPORAL_SERVER_VERSION"
  export TEMPORAL_SERVER_HOME
  local home="$TEMPORAL_SERVER_HOME"
  [ -f "$home/ready" ] && return
  command -v go >/dev/null 2>&1 || die "no Temporal server in $home and no Go toolchain to build it; install Go 1.25+"
  say "building the Temporal server $TEMPORAL_SERVER_VERSION and Web UI $TEMPORAL_UI_VERSION from the Go module proxy (several minutes the first time)"
  rm -rf "$home" && mkdir -p "$home/bin" "$home/server" "$home/ui"
  go_binary go.temporal.io/server/cmd/server "$TEMPORAL_SERVER_VERSION" "$home/bin/temporal-server"
  go_binary go.temporal.io/server/cmd/tools/sql "$TEMPORAL_SERVER_VERSION" "$home/bin/temporal-sql-tool"
  go_binary github.com/temporalio/ui-server/v2/cmd/server "$TEMPORAL_UI_VERSION" "$home/bin/temporal-ui-server"
  local server_src ui_src
  server_src="$(module_dir go.temporal.io/server "$TEMPORAL_SERVER_VERSION")" || die "go mod download go.temporal.io/server failed"
  ui_src="$(module_dir github.com/temporalio/ui-server/v2 "$TEMPORAL_UI_VERSION")" || die "go mod download ui-server failed"
  mkdir -p "$home/server/schema" "$home/server/config" "$home/ui/config"
  cp -r --no-preserve=mode "$server_src/schema/postgresql" "$home/server/schema/"
  cp --no-preserve=mode "$server_src/config/docker.yaml" "$home/server/config/docker.yaml"
  cp --no-preserve=mode "$ui_src/config/docker.yaml" "$home/ui/config/docker.yaml"
  touch "$home/ready"
}

# go_binary PACKAGE VERSION OUTPUT: `go install PACKAGE@VERSION` (CGO off), the binary renamed to OUTPUT.
go_binary() {
  local scratch; scratch="$(mktemp -d)"
  if ! with_progress "building $1@$2" env CGO_ENABLED=0 GOBIN="$scratch" go install "$1@$2"; then
    rm -rf "$scratch"; die "building $1@$2 failed"
  fi
  mv "$scratch/$(basename "$1")" "$3" && rm -rf "$scratch"
}

# module_dir MODULE VERSION: where the Go module cache holds that module's files.
module_dir() {
  (cd / && go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
}

# The S3-compatible server the tests run against.
ensure_minio() {
  ensure_go_tool MINIO_BIN minio "github.com/minio/minio@$MINIO_VERSION" "MinIO $MINIO_VERSION"
}

# FFMPEG_PATH or PATH; Debian as root installs the package.
ensure_ffmpeg() {
  if [ -n "${FFMPEG_PATH:-}" ]; then
    [ -x "$FFMPEG_PATH" ] || die "FFMPEG_PATH=$FFMPEG_PATH is not an executable file"
    return
  fi
  if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
    is_debian_root || die "ffmpeg is not installed: install it (apt-get install ffmpeg) or set FFMPEG_PATH and FFPROBE_PATH"
    say "installing ffmpeg from Debian's packages"
    apt_install ffmpeg
  fi
}

# The offline speech synthesizer (TTS_PROVIDER=local): ESPEAK_PATH or PATH; Debian as root installs it.
ensure_espeak() {
  if [ -n "${ESPEAK_PATH:-}" ]; then
    [ -x "$ESPEAK_PATH" ] || die "ESPEAK_PATH=$ESPEAK_PATH is not an executable file"
    return
  fi
  command -v espeak-ng >/dev/null 2>&1 && return
  is_debian_root || die "espeak-ng is not installed: install it (apt-get install espeak-ng) or set ESPEAK_PATH"
  say "installing espeak-ng from Debian's packages"
  apt_install espeak-ng
}

# The browser page tests drive (playwright-core, headless): CHROMIUM_PATH or chromium on PATH;
# Debian as root installs the package. Exports CHROMIUM_PATH.
ensure_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    [ -x "$CHROMIUM_PATH" ] || die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file"
  else
    if ! command -v chromium >/dev/null 2>&1; then
      is_debian_root || die "Chromium is not installed: install it (apt-get install chromium) or set CHROMIUM_PATH"
      say "installing Chromium from Debian's packages (for the browser tests)"
      apt_install chromium
    fi
    CHROMIUM_PATH="$(command -v chromium)"
  fi
  export CHROMIUM_PATH
}

database_host_port() {
  local url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/reelflow}"
  local rest="${url#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"
  local host="${rest%%:*}" port="5432"
  [ "$rest" != "$host" ] && port="${rest##*:}"
  echo "$host $port"
}

port_answers() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# A server answering at DATABASE_URL's host; else, on Debian as root, install and start one locally.
ensure_postgres() {
  local host port
  read -r host port < <(database_host_port)
  port_answers "$host" "$port" && return
  case "$host" in 127.0.0.1|localhost) ;; *) die "PostgreSQL is not answering at $host:$port (DATABASE_URL)";; esac
  is_debian_root || die "PostgreSQL is not answering at $host:$port: start it, or set DATABASE_URL"
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    say "installing PostgreSQL from Debian's packages"
    apt_install postgresql
    local conf; conf="$(ls -d /etc/postgresql/*/main | head -1)"
    # Local development only: the default URL connects as postgres without a password.
    sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$conf/pg_hba.conf"
  fi
  local version; version="$(ls /etc/postgresql | sort -V | tail -1)"
  say "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do port_answers "$host" "$port" && return; sleep 1; done
  die "PostgreSQL did not start on $host:$port (see /var/log/postgresql/)"
}
