#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: install what is missing, build (release), and run the demo — a loopback origin,
# a real QNetworkAccessManager with tiercache::NetworkCache, every URL fetched twice.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release -DBUILD_TESTING=OFF >/dev/null
cmake --build --preset release --target tiercache
export TIERCACHE_DIR="${TIERCACHE_DIR:-$PWD/build/demo-cache}"
build/release/app/cli/tiercache demo "$@"
