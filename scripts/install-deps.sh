#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages Tiercache needs to build, test and run its demo, if missing.
# Needs root (apt-get); does nothing when everything is already installed.
set -euo pipefail

packages=(
    cmake ninja-build g++ pkg-config git
    qt6-base-dev            # Qt Core, Network, Sql, Widgets, Test + CMake files
    libqt6opengl6-dev       # Qt6OpenGL CMake files, which Qt Charts depends on
    qt6-charts-dev          # the Browser's statistics chart
    qt6-svg-dev             # SVG icons and image previews in the Browser
    libqt6sql6-sqlite       # the QSQLITE driver the catalogue uses
    libsqlite3-dev          # sqlite3.h: hot catalogue statements use the C API
    libssl-dev              # libcrypto: fast SHA-256 of bodies
    libzstd-dev zlib1g-dev  # compression at rest (compress=zstd|gzip)
    libgl-dev               # Qt6Gui's CMake package wants OpenGL headers
    qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools # lupdate/lrelease, Qt Linguist tools
    qt6-qpa-plugins         # offscreen/xcb platforms for widget tests
    libhiredis-dev redis-server # the redis tier and its tests
    xvfb xauth              # screenshots of the GUI
    clang libclang-rt-14-dev # libFuzzer targets (tests/fuzz)
    clang-format            # scripts/check-format.sh (the tree follows .clang-format)
    procps                  # ps/pkill used by some tests
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
