#!/usr/bin/env bash
# Builds the web app's release bundle into frontend/dist without trunk, the way trunk 0.21
# does it (`trunk build --release`, see frontend/index.html and Trunk.toml): cargo for
# wasm32 with the `release-wasm` profile, wasm-bindgen `--target=web`, wasm-opt `-Oz`, files
# named by their content hash, and an index.html with the loader script and preloads.
# `just run` and `just test` use this, so a newcomer needs no trunk (a 9-minute build from
# source); `just dev` keeps `trunk serve` for live reload.
#
# A second run with nothing changed costs one no-op cargo build: wasm-bindgen and wasm-opt
# run again only when the wasm cargo wrote differs from the one the bundle was made from.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../frontend"
name=hindsight-frontend
target_dir="${CARGO_TARGET_DIR:-../target}"
case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
dist="$PWD/dist"

# Run from frontend/ so cargo reads frontend/.cargo/config.toml (`--cfg erase_components`),
# as the cargo that trunk starts here does.
nice cargo build --locked --quiet --target wasm32-unknown-unknown --profile release-wasm --bin "$name"
wasm="$target_dir/wasm32-unknown-unknown/release-wasm/$name.wasm"

source_sum=$(sha256sum "$wasm" style.css index.html | sha256sum | cut -c1-64)
if [[ -f "$dist/.source" && "$(cat "$dist/.source")" == "$source_sum" && -f "$dist/index.html" ]]; then
    echo "build-web: frontend/dist is up to date"
    exit 0
fi

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
wasm-bindgen --target=web --no-typescript --out-dir="$staging" --out-name="$name" "$wasm"
wasm-opt -Oz --output="$staging/opt.wasm" "$staging/${name}_bg.wasm"
mv "$staging/opt.wasm" "$staging/${name}_bg.wasm"

# Content-hashed names, so a browser never mixes files of two builds.
hash_of() { sha256sum "$1" | cut -c1-16; }
sri_of() { printf 'sha384-%s' "$(openssl dgst -sha384 -binary "$1" | base64 -w0)"; }
stem="$name-$(cat "$staging/$name.js" "$staging/${name}_bg.wasm" | sha256sum | cut -c1-16)"
css="style-$(hash_of style.css).css"
mkdir -p "$staging/out"
cp "$staging/$name.js" "$staging/out/$stem.js"
cp "$staging/${name}_bg.wasm" "$staging/out/${stem}_bg.wasm"
cp style.css "$staging/out/$css"
if [[ -d "$staging/snippets" ]]; then cp -r "$staging/snippets" "$staging/out/"; fi

# index.html: trunk's two `data-trunk` links become the stylesheet, the loader module
# (its SHA-256 goes into the server's Content-Security-Policy) and the preloads.
css_link="<link rel=\"stylesheet\" href=\"/$css\" integrity=\"$(sri_of "$staging/out/$css")\"/>"
loader="<script type=\"module\">import init from '/$stem.js'; await init({ module_or_path: '/${stem}_bg.wasm' });</script>"
preloads="<link rel=\"modulepreload\" href=\"/$stem.js\" crossorigin=\"anonymous\" integrity=\"$(sri_of "$staging/out/$stem.js")\"><link rel=\"preload\" href=\"/${stem}_bg.wasm\" crossorigin=\"anonymous\" integrity=\"$(sri_of "$staging/out/${stem}_bg.wasm")\" as=\"fetch\" type=\"application/wasm\">"
CSS_LINK="$css_link" LOADER="$loader" PRELOADS="$preloads" awk '
    /<link data-trunk rel="css"/ { print "    " ENVIRON["CSS_LINK"]; next }
    /<link data-trunk rel="rust"/ { print "    " ENVIRON["LOADER"]; next }
    /<\/head>/ { print "    " ENVIRON["PRELOADS"] }
    { print }
' index.html >"$staging/out/index.html"
if grep -q 'data-trunk' "$staging/out/index.html"; then
    echo "build-web: index.html has a data-trunk link this script does not know" >&2
    exit 1
fi

echo "$source_sum" >"$staging/out/.source"
rm -rf "$dist"
mv "$staging/out" "$dist"
size=$(stat -c %s "$dist/${stem}_bg.wasm")
gz=$(gzip -9 -c "$dist/${stem}_bg.wasm" | wc -c)
echo "build-web: frontend/dist/${stem}_bg.wasm is $size bytes ($gz gzipped)"
