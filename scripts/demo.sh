#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: install what is missing, build (release), fill a demo cache from a loopback
# site through a real QNetworkAccessManager (memory + disk tiers, several content types, tags,
# hits, a stale entry), then open Tiercache Browser on it. Without a display the Browser runs
# offscreen, writes a PNG of each view into build/demo-screenshots, prints where, and exits 0.
#
#   scripts/demo.sh                  the Browser on a fresh demo cache
#   scripts/demo.sh --cli [ARGS]     the command-line demo (tiercache demo ARGS)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release -DBUILD_TESTING=OFF >/dev/null

if [ "${1:-}" = "--cli" ]; then
    shift
    cmake --build --preset release --target tiercache
    export TIERCACHE_DIR="${TIERCACHE_DIR:-$PWD/build/demo-cache}"
    exec build/release/app/cli/tiercache demo "$@"
fi

cmake --build --preset release --target tiercache-browser tiercache_memory
args=(--demo --demo-dir "${TIERCACHE_DEMO_DIR:-$PWD/build/demo-browser-cache}")
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
fi
if [ "${QT_QPA_PLATFORM:-}" = "offscreen" ]; then
    args+=(--screenshots "$PWD/build/demo-screenshots")
fi
exec build/release/app/browser/tiercache-browser "${args[@]}" "$@"
