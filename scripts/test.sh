#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds EdgeInfer and runs every test.
#   bash scripts/test.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
bash "$root/scripts/install-deps.sh"
cd "$root"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" --buildtype=release
fi
meson compile -C "$build"
meson test -C "$build" --print-errorlogs --num-processes 2
