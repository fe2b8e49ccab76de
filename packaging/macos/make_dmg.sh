#!/usr/bin/env bash
# Wrap packaging/dist/Sherwood.app (built by `python packaging/build.py` on macOS) in a
# compressed disk image with an /Applications shortcut:
#   packaging/dist/Sherwood-<version>-macos.dmg
#
# UNTESTED: written carefully but never run (only Linux builds run in CI). Needs macOS
# (hdiutil, codesign). Usage: bash packaging/macos/make_dmg.sh [VERSION]
# VERSION defaults to app.__version__. The .app is signed ad hoc unless
# CODESIGN_IDENTITY="Developer ID Application: ..." is set; notarization is not automated
# (xcrun notarytool submit <dmg> --wait, then xcrun stapler staple <dmg>).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dist="$root/packaging/dist"
app="$dist/Sherwood.app"

version="${1:-$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$root/app/__init__.py")}"
dmg="$dist/Sherwood-$version-macos.dmg"

if [ "$(uname)" != Darwin ]; then
  echo "make_dmg.sh needs macOS (hdiutil)" >&2
  exit 2
fi
if [ ! -d "$app" ]; then
  echo "missing $app: run python packaging/build.py --no-package first" >&2
  exit 1
fi
plist_version="$(/usr/libexec/PlistBuddy -c 'Print :CFBundleShortVersionString' "$app/Contents/Info.plist")"
if [ "$plist_version" != "$version" ]; then
  echo "Info.plist says $plist_version, expected $version: rebuild the .app" >&2
  exit 1
fi

codesign --force --deep --sign "${CODESIGN_IDENTITY:--}" --options runtime "$app"
codesign --verify --deep --strict "$app"

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
rm -f "$dmg"
hdiutil create -volname "Sherwood $version" -srcfolder "$staging" -fs HFS+ \
  -format UDZO -imagekey zlib-level=9 -ov "$dmg"
echo "wrote $dmg ($(du -h "$dmg" | cut -f1))"
