#!/usr/bin/env bash
# Build the one-folder application into dist/neural-playground/ and prove it works: the built
# binary runs its self-test headless (opens the window offscreen, trains the default example,
# exports ONNX). Then install the desktop entry, AppStream metadata and icons with --install PREFIX.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$root"
python -m pip install -q "pyinstaller>=6.19"
python -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller "$here/neural-playground.spec"
QT_QPA_PLATFORM=offscreen dist/neural-playground/neural-playground --self-test
if [[ "${1:-}" == "--install" ]]; then
    prefix="${2:-$HOME/.local}"
    app_id=io.github.neural_playground.NeuralPlayground
    mkdir -p "$prefix/opt" "$prefix/bin" "$prefix/share/applications" "$prefix/share/metainfo"
    rm -rf "$prefix/opt/neural-playground"
    cp -r dist/neural-playground "$prefix/opt/neural-playground"
    ln -sf "$prefix/opt/neural-playground/neural-playground" "$prefix/bin/neural-playground"
    install -m 644 "$here/$app_id.desktop" "$prefix/share/applications/$app_id.desktop"
    install -m 644 "$here/$app_id.metainfo.xml" "$prefix/share/metainfo/$app_id.metainfo.xml"
    install -D -m 644 assets/icons/neural-playground.svg "$prefix/share/icons/hicolor/scalable/apps/$app_id.svg"
    for size in 16 32 48 64 128 256 512; do
        install -D -m 644 "assets/icons/neural-playground-$size.png" \
            "$prefix/share/icons/hicolor/${size}x${size}/apps/$app_id.png"
    done
    echo "installed under $prefix (run: neural-playground)"
fi
