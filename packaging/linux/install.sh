#!/usr/bin/env bash
# Install Sherwood from the unpacked Linux archive, for the current user (default) or
# system-wide (sudo ./install.sh --system). ./install.sh --uninstall removes it again.
# The app's data (databases, logs) in ~/.local/share/Sherwood is never touched.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

scope=user
action=install
for arg in "$@"; do
  case "$arg" in
    --system) scope=system ;;
    --uninstall) action=uninstall ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

if [ "$scope" = system ]; then
  prefix=/opt/Sherwood
  share=/usr/share
  bin=/usr/local/bin
else
  prefix="${XDG_DATA_HOME:-$HOME/.local/share}/sherwood-app"
  share="${XDG_DATA_HOME:-$HOME/.local/share}"
  bin="$HOME/.local/bin"
fi

remove() {
  rm -rf "$prefix"
  rm -f "$share/applications/sherwood.desktop" "$bin/sherwood"
  for size in 16 32 64 128 256; do
    rm -f "$share/icons/hicolor/${size}x${size}/apps/sherwood.png"
  done
}

if [ "$action" = uninstall ]; then
  remove
  echo "Sherwood removed (your data in ~/.local/share/Sherwood is kept)"
  exit 0
fi

remove
mkdir -p "$prefix" "$share/applications" "$bin"
cp -a "$here/Sherwood/." "$prefix/"
ln -sf "$prefix/Sherwood" "$bin/sherwood"
for size in 16 32 64 128 256; do
  if [ -f "$here/icons/sherwood-$size.png" ]; then
    mkdir -p "$share/icons/hicolor/${size}x${size}/apps"
    cp "$here/icons/sherwood-$size.png" "$share/icons/hicolor/${size}x${size}/apps/sherwood.png"
  fi
done
sed -e "s|^Exec=.*|Exec=\"$prefix/Sherwood\"|" -e "s|^TryExec=.*|TryExec=$prefix/Sherwood|" \
  "$here/sherwood.desktop" > "$share/applications/sherwood.desktop"
chmod 644 "$share/applications/sherwood.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
echo "Sherwood installed in $prefix; start it from the applications menu or with: $bin/sherwood"
