# Sourced by scripts/ensure-tools.sh: long bootstrap steps (Go builds, package installs) say how
# long they have been running and how long they took, instead of minutes of silence.
# REELFLOW_PROGRESS_SECONDS sets how often a progress line is printed when stderr is not a terminal.

# 75 -> "1m 15s", 9 -> "9s".
format_seconds() {
  local seconds="$1"
  if [ "$seconds" -ge 60 ]; then printf '%dm %02ds' $((seconds / 60)) $((seconds % 60)); else printf '%ds' "$seconds"; fi
}

# Prints WHAT's elapsed time until killed: on a terminal one line rewritten every second, else a
# line every REELFLOW_PROGRESS_SECONDS (default 15) seconds, for logs and CI.
progress_ticker() {
  local what="$1" started="$2" every="${REELFLOW_PROGRESS_SECONDS:-15}" next
  next="$every"
  while sleep 1; do
    local elapsed=$((SECONDS - started))
    if [ -t 2 ]; then
      printf '\rreelflow: %s: %s ' "$what" "$(format_seconds "$elapsed")" >&2
    elif [ "$elapsed" -ge "$next" ]; then
      printf 'reelflow: %s: %s\n' "$what" "$(format_seconds "$elapsed")" >&2
      next=$((next + every))
    fi
  done
}

# with_progress WHAT COMMAND [ARGS...]: runs COMMAND with its output kept in a log under .tools/,
# shows the elapsed time while it runs, then "WHAT: done in 2m 41s" — or "failed after …" with the
# log's last lines (the log is kept and named). Returns COMMAND's status, also under `set -e`.
with_progress() {
  local what="$1"; shift
  mkdir -p "$REELFLOW_ROOT/.tools/logs"
  local log status=0 started="$SECONDS"
  log="$(mktemp "$REELFLOW_ROOT/.tools/logs/step-XXXXXX.log")"
  progress_ticker "$what" "$started" &
  local ticker=$!
  "$@" >"$log" 2>&1 || status=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  [ -t 2 ] && printf '\r\033[K' >&2
  local took; took="$(format_seconds $((SECONDS - started)))"
  if [ "$status" -eq 0 ]; then
    say "$what: done in $took"
    rm -f "$log"
  else
    say "$what: failed after $took (exit $status); the end of its output ($log):"
    tail -n 20 "$log" | sed 's/^/  /' >&2
  fi
  return "$status"
}
