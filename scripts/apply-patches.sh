#!/usr/bin/env bash
# Applies patches/<package>+<version>.patch to node_modules (what patch-package does; npm here runs
# no install scripts, so the bootstrap and the Dockerfile call this after installing). A patch is
# applied once: one already in place is skipped; one written for another version of its package
# stops the install, since the fix must be checked again against the new code.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
for file in "$root"/patches/*.patch; do
  [ -e "$file" ] || continue
  name="$(basename "$file" .patch)"
  package="${name%+*}"
  wanted="${name##*+}"
  installed="$(node -p "require('$root/node_modules/$package/package.json').version")"
  if [ "$installed" != "$wanted" ]; then
    echo "reelflow: patches/$name.patch is for $package $wanted, but $installed is installed: check the fix against $installed and rename or remove the patch" >&2
    exit 1
  fi
  if patch -d "$root" -p1 -R -s -f --dry-run < "$file" >/dev/null 2>&1; then continue; fi
  patch -d "$root" -p1 -s -f < "$file" || { echo "reelflow: patches/$name.patch does not apply" >&2; exit 1; }
  echo "reelflow: patched $package $installed (patches/$name.patch)"
done
