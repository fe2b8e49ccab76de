#!/usr/bin/env bash
# CI installer smoke test (called by .ci/run, inside its activated venv):
#   1. install the `package` extra (PyInstaller) and build the Linux bundle + archive;
#   2. run the frozen binary offscreen with --screenshot; it must exit 0 and write a PNG;
#   3. run it without --data-dir under a scratch XDG_DATA_HOME: the database must land in
#      the user data directory; the zoneinfo search path is emptied, as on a machine
#      without system tzdata, so the bundled tzdata package must serve America/New_York;
#   4. run it once more on a real X server (Xvfb, Qt's xcb platform, not offscreen), so a
#      system library the bundle needs and lacks fails here, not on a user's desktop;
#   5. no run may create a file inside the bundle.
# Prints the bundle size, the build time and the frozen app's run times.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet -e ".[package]"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Qt's xcb plugin needs libxcb-icccm4 and libxcb-keysyms1; PyInstaller bundles them only if
# the build machine has them, so a user without them could still start the app on X11.
ldconfig -p > "$tmp/ldconfig.txt" 2>/dev/null || true
if ! grep -q "libxcb-icccm.so.4 " "$tmp/ldconfig.txt" || ! grep -q "libxcb-keysyms.so.1 " "$tmp/ldconfig.txt"
then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "-- installing libxcb-icccm4 libxcb-keysyms1 so the bundle carries them"
    { apt-get install -y -q libxcb-icccm4 libxcb-keysyms1 >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 \
           && apt-get install -y -q libxcb-icccm4 libxcb-keysyms1 >/dev/null 2>&1; }; } \
      || echo "warning: could not install them; the bundle will need them on the user's system"
  else
    echo "warning: libxcb-icccm4/libxcb-keysyms1 missing; the bundle will need them installed"
  fi
fi

echo "-- building the Linux bundle"
python packaging/build.py --json "$tmp/build.json"

bundle=packaging/dist/Sherwood
exe="$PWD/$bundle/Sherwood"
version="$(python -c 'import app; print(app.__version__)')"
archive="packaging/dist/Sherwood-$version-linux-$(uname -m).tar.gz"
[ -x "$exe" ] || { echo "FAIL: $exe missing"; exit 1; }
[ -s "$archive" ] || { echo "FAIL: $archive missing"; exit 1; }
tar -tzf "$archive" > "$tmp/archive.txt"
grep -q "/Sherwood/Sherwood$" "$tmp/archive.txt" || { echo "FAIL: archive lacks the binary"; exit 1; }
grep -q "/sherwood.desktop$" "$tmp/archive.txt" || { echo "FAIL: archive lacks the .desktop"; exit 1; }
[ -f "$bundle/_internal/tzdata/zoneinfo/America/New_York" ] \
  || { echo "FAIL: tzdata not bundled"; exit 1; }

(cd "$bundle" && find . -print | sort) > "$tmp/before.txt"

export QT_QPA_PLATFORM=offscreen
run_frozen() {  # run_frozen LABEL ARGS...: time one run, fail on a non-zero exit
  local label="$1"; shift
  local start end rc=0
  start=$EPOCHREALTIME
  timeout 180 "$exe" "$@" >"$tmp/$label.out" 2>&1 || rc=$?
  end=$EPOCHREALTIME
  awk -v l="$label" -v r="$rc" -v s="$start" -v e="$end" \
    'BEGIN { printf "-- frozen %s: exit %d in %.2f s\n", l, r, e - s }'
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: frozen $label exited $rc; its output:"; tail -n 40 "$tmp/$label.out"; exit 1
  fi
  # A module left out of the bundle may be caught and logged rather than crash the app.
  if grep -E "No module named|ModuleNotFoundError|ImportError|cannot import name" "$tmp/$label.out"
  then
    echo "FAIL: frozen $label is missing a module"; exit 1
  fi
}

run_frozen screenshot --screenshot "$tmp/shot.png" --run-for 3 --data-dir "$tmp/data"
[ -s "$tmp/shot.png" ] || { echo "FAIL: no screenshot written"; exit 1; }
head -c 8 "$tmp/shot.png" | od -An -c | grep -q "P   N   G" \
  || { echo "FAIL: $tmp/shot.png is not a PNG"; exit 1; }
ls "$tmp/data"/*.sqlite3 >/dev/null 2>&1 || { echo "FAIL: no database in --data-dir"; exit 1; }

# On a real X server: Qt's xcb platform loads libxcb-cursor and friends from the system.
command -v Xvfb >/dev/null || { echo "FAIL: Xvfb is missing (apt-get install xvfb)"; exit 1; }
display=99
while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do
  display=$((display + 1))
done
Xvfb ":$display" -screen 0 1366x768x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
trap 'kill "$xvfb_pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done
[ -e "/tmp/.X11-unix/X$display" ] || { echo "FAIL: Xvfb did not start"; cat "$tmp/xvfb.log"; exit 1; }
DISPLAY=":$display" QT_QPA_PLATFORM=xcb \
  run_frozen screenshot-xcb --screenshot "$tmp/shot-xcb.png" --run-for 3 --data-dir "$tmp/data-xcb"
[ -s "$tmp/shot-xcb.png" ] || { echo "FAIL: no screenshot written on the X server"; exit 1; }
if grep -E "qt.qpa.(plugin|xcb)|could not (load|connect)" "$tmp/screenshot-xcb.out"; then
  echo "FAIL: Qt's xcb platform did not load cleanly"; exit 1
fi
kill "$xvfb_pid" 2>/dev/null || true
wait "$xvfb_pid" 2>/dev/null || true

mkdir -p "$tmp/xdg" "$tmp/cwd"
(cd "$tmp/cwd" && XDG_DATA_HOME="$tmp/xdg" PYTHONTZPATH="" \
  run_frozen default-data-dir --headless --run-for 1)
ls "$tmp/xdg/Sherwood"/*.sqlite3 >/dev/null 2>&1 \
  || { echo "FAIL: no database in the user data directory ($tmp/xdg/Sherwood)"; exit 1; }
[ -z "$(ls -A "$tmp/cwd")" ] || { echo "FAIL: the app wrote into its working directory"; exit 1; }

(cd "$bundle" && find . -print | sort) > "$tmp/after.txt"
if ! diff -u "$tmp/before.txt" "$tmp/after.txt"; then
  echo "FAIL: the frozen app wrote inside its bundle"; exit 1
fi

python - "$tmp/build.json" "$tmp/shot.png" <<'EOF'
import json, os, sys
report = json.load(open(sys.argv[1]))
print(f"-- bundle {report['bundle_mb']} MB in {report['bundle_files']} files; "
      f"archive {report.get('package_mb', '?')} MB; build {report['total_seconds']} s; "
      f"screenshot {os.path.getsize(sys.argv[2])} bytes")
EOF
echo "installer smoke test passed"
