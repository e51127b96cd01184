# Sourced by the other scripts: makes meson and ninja available (installing them
# with pip into .tools/ when the machine lacks them) and sets BUILD_DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
TOOLS="$ROOT/.tools"

if [ -x "$TOOLS/bin/meson" ]; then
    export PATH="$TOOLS/bin:$PATH"
fi
if ! command -v meson >/dev/null 2>&1 || ! command -v ninja >/dev/null 2>&1; then
    echo "== installing meson and ninja with pip into .tools/"
    if ! python3 -m venv "$TOOLS" >/dev/null 2>&1; then
        rm -rf "$TOOLS"
        python3 -m pip install --quiet --target "$TOOLS/lib" meson ninja
        mkdir -p "$TOOLS/bin"
        printf '#!/bin/sh\nPYTHONPATH="%s/lib" exec python3 -m mesonbuild.mesonmain "$@"\n' "$TOOLS" > "$TOOLS/bin/meson"
        ln -sf "$TOOLS/lib/ninja/data/bin/ninja" "$TOOLS/bin/ninja"
        chmod +x "$TOOLS/bin/meson"
    else
        "$TOOLS/bin/python3" -m pip install --quiet meson ninja
    fi
    export PATH="$TOOLS/bin:$PATH"
fi

# Configures the meson build directory once, then builds everything.
build() {
    if [ ! -f "$BUILD_DIR/build.ninja" ]; then
        meson setup "$BUILD_DIR" "$ROOT"
    fi
    meson compile -C "$BUILD_DIR"
}
