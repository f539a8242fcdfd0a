#!/usr/bin/env bash
# Builds mediasoup-worker from the npm tarball with Debian's own libraries, for
# machines that cannot download mediasoup's prebuilt worker or meson subprojects.
# Usage: build-worker.sh VERSION DEST_DIR   (needs the build packages; setup.mjs installs them
# and runs this with its output in a log file, printing [worker] lines and a heartbeat)
set -euo pipefail
VERSION="$1"
DEST="$2"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d /tmp/sightline-mediasoup-build.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
echo "[worker] fetching the mediasoup $VERSION tarball from the npm registry"
npm pack "mediasoup@$VERSION" --silent >/dev/null
tar xzf "mediasoup-$VERSION.tgz"
python3 "$HERE/patch-worker.py" "$WORK/package"

echo "[worker] configuring (meson)"
meson setup --buildtype release -Db_ndebug=true -Dms_disable_liburing=true \
  --wrap-mode=nodownload "$WORK/build" "$WORK/package/worker" >"$WORK/meson.log" 2>&1 \
  || { cat "$WORK/meson.log"; exit 1; }
# The FlatBuffers headers must exist before anything compiles (mediasoup does this in tasks.py).
meson compile -C "$WORK/build" flatbuffers-generator >/dev/null
echo "[worker] compiling (about 7 minutes on 2 cores); ninja prints [done/total] per step"
# Every ninja line goes to stdout: setup.mjs keeps them in its log and shows the last
# [n/total] in a heartbeat every 10 s; run by hand, they scroll by as usual.
ninja -C "$WORK/build" mediasoup-worker
mkdir -p "$DEST"
install -m 755 "$WORK/build/mediasoup-worker" "$DEST/mediasoup-worker.tmp"
mv "$DEST/mediasoup-worker.tmp" "$DEST/mediasoup-worker"
echo "[worker] built $DEST/mediasoup-worker"
