#!/usr/bin/env bash
# Check the running server against openapi.yaml with schemathesis.
#
#   scripts/contract.sh [EXTRA SCHEMATHESIS ARGS...]
#
# 1. installs schemathesis 4.32 into a virtualenv (once; needs `python3 -m venv`),
# 2. builds the server (debug; or takes HINDSIGHT_CONTRACT_BIN) and starts it on a free loopback port with a fresh
#    temporary SQLite database holding the bundled samples (samples/trackers),
# 3. creates an admin user in that database and logs in through the API,
# 4. runs schemathesis over every operation with a fixed seed and example budget, and
#    exits non-zero when any check failed.
#
# The server, the database and everything temporary are removed on exit.
#
# Environment knobs (all optional):
#   HINDSIGHT_CONTRACT_EXAMPLES=N  examples per operation and phase (default 25).
#   HINDSIGHT_CONTRACT_VENV=DIR    where the virtualenv lives
#                                  (default $CARGO_TARGET_DIR/schemathesis-venv).
#   HINDSIGHT_CONTRACT_KEEP=1      keep the temporary directory (server log, reports).
#   HINDSIGHT_CONTRACT_BIN=PATH    the `hindsight` binary to check (default: built here, debug).
set -euo pipefail

cd "$(dirname "$0")/.."
log() { echo "contract: $*" >&2; }

root=$PWD
target_dir=${CARGO_TARGET_DIR:-$root/target}
venv=$(realpath -m "${HINDSIGHT_CONTRACT_VENV:-$target_dir/schemathesis-venv}")
examples=${HINDSIGHT_CONTRACT_EXAMPLES:-25}
schemathesis_version='4.32.*'

# --- schemathesis --------------------------------------------------------------
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q 'version 4\.32\.'; then
    log "installing schemathesis $schemathesis_version into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

# --- the server ----------------------------------------------------------------
# `just test` passes the binary its tests just built: building it here with `-p` alone would
# resolve other features than the workspace's test build and compile much of it again.
if [[ -n "${HINDSIGHT_CONTRACT_BIN:-}" ]]; then
    bin=$HINDSIGHT_CONTRACT_BIN
else
    cargo build --locked --quiet -p hindsight-server --bin hindsight
    bin="$target_dir/debug/hindsight"
fi

work=$(mktemp -d -t hindsight-contract.XXXXXX)
server_pid=
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ "${HINDSIGHT_CONTRACT_KEEP:-}" == 1 ]]; then
        log "kept $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

export HINDSIGHT_DATABASE_URL="sqlite://$work/contract.db"
# A fixed secret: login tokens survive nothing but this run anyway.
export HINDSIGHT_JWT_SECRET=contract-test-secret-of-at-least-32-bytes
export RUST_LOG=${RUST_LOG:-warn}

# The admin schemathesis acts as. A login token, not an API token: the run revokes API
# tokens by guessed ids (DELETE /api/tokens/{token_id}), which could hit its own.
user=contract-admin
password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
"$bin" migrate >/dev/null
"$bin" user add "$user" --role admin --password "$password" >/dev/null

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" serve --bind "127.0.0.1:$port" --samples samples/trackers \
    --static-dir "$work/no-web-app" >"$work/server.log" 2>&1 &
server_pid=$!

# Python rather than curl: the virtualenv needs it anyway.
get_ok() {
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" 2>/dev/null
}
for _ in $(seq 1 150); do
    if get_ok "$base/api/health"; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        log "the server did not start:"; cat "$work/server.log" >&2; exit 1
    fi
    sleep 0.2
done
get_ok "$base/api/health" || { log "the server did not answer on $base"; exit 1; }

token=$(python3 - "$base" "$user" "$password" <<'PY'
import json, sys, urllib.request
base, user, password = sys.argv[1:]
body = json.dumps({"username": user, "password": password}).encode()
req = urllib.request.Request(base + "/api/auth", body, {"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(req, timeout=30))["access_token"])
PY
)

# --- the run -------------------------------------------------------------------
# One worker and a fixed seed: the same requests in the same order on every run.
run_schemathesis() {
    local name=$1 bearer=$2; shift 2
    # From the temporary directory: schemathesis keeps a cache in its working directory.
    (cd "$work" && "$venv/bin/schemathesis" run "$root/openapi.yaml" \
        --url "$base" \
        --header "Authorization: Bearer $bearer" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
        --max-examples "$examples" \
        --seed 20261202 \
        --workers 1 \
        --generation-database none \
        --request-timeout 30 \
        --no-color \
        --report junit --report-junit-path "$work/report/$name.xml" \
        "$@")
}

# Every operation of openapi.yaml is tested, in two runs. Changing or removing a user
# (PATCH and DELETE /api/users/{username}) goes last, on its own: those operations learn
# the acting admin's name (from GET /api/me) and demote it once another admin exists, after
# which every later request would only be answered 403.
log "schemathesis against $base ($examples examples per operation and phase)"
status=0
# /api/stream never ends (server-sent events): tests/it/stream.rs covers it.
run_schemathesis everything-else "$token" --exclude-path '/api/users/{username}' \
    --exclude-path '/api/stream' "$@" || status=$?
# The user-changing run acts with an admin API token: a login token would end with the
# first password change the run makes to its own user (changing a password revokes that
# user's login tokens), and every later request would only be answered 401. An API token is
# its own principal (`token:NAME`), which no generated username can name.
api_token=$("$bin" token create contract-users --role admin | tail -n 1)
run_schemathesis users "$api_token" --include-path '/api/users/{username}' "$@" || status=$?

if [[ $status -ne 0 ]]; then
    log "schemathesis found failures (exit $status); the server's log follows"
    tail -n 50 "$work/server.log" >&2
else
    log "no failures"
fi
exit "$status"
