# shellcheck shell=bash
# The wine both scripts/windows-e2e.sh and scripts/test-dist run bachata1c.exe under; sourced,
# from the repository's root. Installs wine64 and mingw when missing (as root).

packages=()
[ -x /usr/lib/wine/wine64 ] || packages+=(wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null || packages+=(gcc-mingw-w64-x86-64)
if [ ${#packages[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# Debian's `wine` launcher looks for the 32-bit wine first; call the 64-bit loader directly,
# and never let a hung wine hold up CI.
wine_loader=/usr/lib/wine/wine64
wine() { timeout 300 "$wine_loader" "$@"; }
# wine64's own wineserver (`/usr/bin/wineserver` comes with another package).
wineserver=/usr/lib/wine/wineserver64

# wine_shim DIR: Rust's std needs bcryptprimitives.dll (ProcessPrng), which wine 8 lacks and
# every Windows 10 has; built from scripts/wine/ into DIR, beside the .exe, when wine has none.
wine_shim() {
  ls /usr/lib/x86_64-linux-gnu/wine/x86_64-windows/bcryptprimitives.dll >/dev/null 2>&1 ||
    x86_64-w64-mingw32-gcc -shared -O2 -o "$1/bcryptprimitives.dll" \
      scripts/wine/bcryptprimitives.c scripts/wine/bcryptprimitives.def -ladvapi32
}

# wine_start: a prefix in $WINEPREFIX with one wineserver for the whole run. By default the
# server exits 3 s after its last process, and a process that starts while it exits can fail
# to connect, a flake that is wine's, not ours.
wine_start() {
  mkdir -p "$WINEPREFIX"
  "$wineserver" -p
  wine wineboot --init >/dev/null 2>&1 || true
}

# wine_stop: ends the server and every process left in $WINEPREFIX.
wine_stop() { "$wineserver" -k 2>/dev/null || true; }
