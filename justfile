# Hindsight task runner. `just` lists the recipes.
#
# Each recipe installs what it needs that a fresh Debian machine with only the
# Rust toolchain lacks (apt packages via apt-get, as root or through sudo).

set shell := ["bash", "-euo", "pipefail", "-c"]

# Recipe arguments reach the commands as "$@", so paths with spaces survive.
set positional-arguments

# The server binary, built in release mode.
hindsight := "cargo run --release -p hindsight-server --bin hindsight --"

# Python with Rasa Pro installed, used only to regenerate samples/.
rasa_python := env("RASA_PYTHON", "/opt/rasa-venv/bin/python")

# List the recipes.
default:
    @{{ just_executable() }} --list --unsorted --justfile {{ justfile() }}

# Build the web app's release bundle into frontend/dist (the server serves it at /).
frontend-build: install-web-tools
    scripts/build-web.sh

# Develop the web app: the API on :8080 and `trunk serve` on :8081 (live reload, /api proxied).
dev *ARGS: install-web-tools install-trunk system-deps
    #!/usr/bin/env bash
    set -euo pipefail
    cargo build --release -p hindsight-server --bin hindsight
    # The binary itself (not `cargo run`), so stopping trunk stops the API too.
    "${CARGO_TARGET_DIR:-target}/release/hindsight" serve --samples samples/trackers "$@" &
    api=$!
    trap 'kill "$api" 2>/dev/null || true' EXIT
    cd frontend && trunk serve

# Check that trunk (`just dev`'s builder) still builds the web app; CI runs it after the tests.
dev-check: install-web-tools install-trunk
    #!/usr/bin/env bash
    set -euo pipefail
    out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
    cd frontend && nice trunk build --release --offline --dist "$out"
    ls "$out"/*_bg.wasm >/dev/null && grep -q 'modulepreload' "$out/index.html"
    echo "dev-check: trunk built the web app"

# Install what building the web app needs: the wasm target, Cargo.lock's wasm-bindgen-cli, wasm-opt.
install-web-tools:
    #!/usr/bin/env bash
    set -euo pipefail
    rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
    # Exactly the wasm-bindgen of Cargo.lock, or the bundle will not load.
    want=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
    wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $want" || cargo install wasm-bindgen-cli --version "$want" --force
    # wasm-opt (binaryen 132, as frontend/Trunk.toml asks) from npm's prebuilt package.
    wasm-opt --version 2>/dev/null | grep -q '^wasm-opt version 132 ' || npm install --global --no-fund --no-audit binaryen@132.0.0

# Install trunk 0.21, for `just dev` only (a build from source: about 9 minutes on 2 cores).
install-trunk:
    trunk --version 2>/dev/null | grep -q '^trunk 0\.21\.' || cargo install trunk --version '~0.21' --locked

# Install Chromium and chromedriver for the browser tests, and the emoji font so bot messages render in screenshots.
install-browser:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
        || ! dpkg -s fonts-noto-color-emoji >/dev/null 2>&1; then
        {{ just_executable() }} --justfile {{ justfile() }} apt-install chromium chromium-driver fonts-noto-color-emoji
    fi

# The web app and the server build side by side; each stage prints its time.
# Start the server (imports the bundled samples on first start and prints its URL).
run *ARGS: system-deps
    #!/usr/bin/env bash
    set -euo pipefail
    start=$SECONDS
    # `|| return`: errexit does not reach into a function called in an `&&` list.
    stage() { local what=$1; shift; local t0=$SECONDS; "$@" || return; echo "run: $what took $((SECONDS - t0)) s"; }
    web() { stage "web app tools" {{ just_executable() }} --justfile {{ justfile() }} install-web-tools && stage "web app" scripts/build-web.sh; }
    web > >(sed 's/^/[web] /') 2>&1 &
    web_job=$!
    stage "server" nice cargo build --release --locked -p hindsight-server --bin hindsight
    wait "$web_job" || { echo "run: the web app did not build (its output is above, marked [web])" >&2; exit 1; }
    echo "run: ready after $((SECONDS - start)) s"
    exec "${CARGO_TARGET_DIR:-target}/release/hindsight" serve --samples samples/trackers "$@"

# The server's tests against both backends (SQLite, and a throwaway PostgreSQL; a throwaway
# RabbitMQ for the event-broker tests), the web app's unit tests (natively), the browser
# tests in headless Chromium against the web app's release bundle, then the API contract
# (`contract`). Each stage prints its time.
# Run every test.
test *ARGS: system-deps
    #!/usr/bin/env bash
    set -euo pipefail
    start=$SECONDS
    # `|| return`: errexit does not reach into a function called in an `&&` list.
    stage() { local what=$1; shift; local t0=$SECONDS; "$@" || return; echo "test: $what took $((SECONDS - t0)) s"; }
    stage "browser install" {{ just_executable() }} --justfile {{ justfile() }} install-browser
    stage "web app" {{ just_executable() }} --justfile {{ justfile() }} frontend-build
    stage "build and run the tests" scripts/with-postgres.sh scripts/with-rabbitmq.sh cargo test --workspace --locked "$@"
    # The contract checks the binary the tests just built (the same features: no second build).
    HINDSIGHT_CONTRACT_BIN="${CARGO_TARGET_DIR:-target}/debug/hindsight" \
        stage "API contract" {{ just_executable() }} --justfile {{ justfile() }} contract
    echo "test: all passed after $((SECONDS - start)) s"

# schemathesis 4.32 (installed into a virtualenv) sends every operation a fixed, seeded set
# of requests on a server with a fresh SQLite database holding the samples. Arguments go to
# schemathesis (e.g. `just contract --include-path /api/tags`).
# Check the API against openapi.yaml: fails on any 5xx or answer the spec does not describe.
contract *ARGS: system-deps
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
        {{ just_executable() }} --justfile {{ justfile() }} apt-install python3 python3-venv
    fi
    scripts/contract.sh "$@"

# Import a Rasa tracker JSON file, events JSONL file, tracker-store database or folder.
import PATH *ARGS: system-deps
    {{ hindsight }} import "$@"

# Apply the database migrations.
migrate *ARGS: system-deps
    {{ hindsight }} migrate "$@"

# Format the Rust code.
fmt:
    cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
    cargo fmt --all

# Check the Rust formatting without changing files.
fmt-check:
    cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
    cargo fmt --all -- --check

# Clippy on every crate and target, warnings are errors.
lint: system-deps
    cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
    cargo clippy --workspace --all-targets -- -D warnings

# Benchmark: 1,000,000 demo conversations in SQLite and in a throwaway PostgreSQL, measured, and
# Rasa's event broker from a throwaway RabbitMQ (a backlog of 1,000,000 events, live traffic); writes bench/RESULTS.md.
# Arguments go to `hindsight-bench` (e.g. `just bench --conversations 100000 --broker-events 200000`).
bench *ARGS: system-deps
    #!/usr/bin/env bash
    set -euo pipefail
    command -v wrk >/dev/null || {{ just_executable() }} --justfile {{ justfile() }} apt-install wrk
    nice cargo build --release --locked -p hindsight-server --bin hindsight -p hindsight-bench --bin hindsight-bench
    # The server measured is the release `hindsight` binary itself, a child of the bench.
    release="${CARGO_TARGET_DIR:-target}/release"
    # The report goes to bench/RESULTS.md unless `--output` says otherwise.
    scripts/with-postgres.sh scripts/with-rabbitmq.sh "$release/hindsight-bench" --server-exe "$release/hindsight" "$@"

# Regenerate samples/ with Rasa's own event classes (needs Rasa Pro 3.21: RASA_PYTHON).
samples:
    test -x {{ quote(rasa_python) }} || { echo "samples: no Python with Rasa Pro at {{ rasa_python }} (set RASA_PYTHON)" >&2; exit 1; }
    {{ quote(rasa_python) }} tools/samples/make_samples.py

# Install everything the recipes need: build libraries, the PostgreSQL and RabbitMQ servers.
install-tools: system-deps
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || {{ just_executable() }} --justfile {{ justfile() }} apt-install postgresql
    test -x /usr/lib/rabbitmq/bin/rabbitmq-server || {{ just_executable() }} --justfile {{ justfile() }} apt-install rabbitmq-server

# System libraries the build links against: libpq (Diesel's PostgreSQL backend).
system-deps:
    @compgen -G '/usr/lib/*/libpq.so' >/dev/null || compgen -G '/usr/lib/libpq.so' >/dev/null \
        || {{ just_executable() }} --justfile {{ justfile() }} apt-install libpq-dev

# apt-get update, then install the given Debian packages, non-interactively.
[private]
apt-install +PKGS:
    #!/usr/bin/env bash
    set -euo pipefail
    sudo=(); if [[ $EUID -ne 0 ]]; then sudo=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" apt-get install -y -q "$@"
