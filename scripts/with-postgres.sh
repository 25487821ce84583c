#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server.
#
#   scripts/with-postgres.sh CMD [ARGS...]
#
# If HINDSIGHT_TEST_POSTGRES_URL is already set, the command is simply run.
# Otherwise this script
#   1. installs Debian's PostgreSQL server if no initdb is found
#      (apt-get update, then apt-get install -y postgresql, non-interactive),
#   2. runs initdb as the `postgres` OS user into a fresh temporary directory,
#   3. starts the server with pg_ctl on a free 127.0.0.1 port (unix socket in
#      the temporary directory; durability switched off for speed),
#   4. exports HINDSIGHT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres
#      (trust authentication, loopback only) and runs the command,
#   5. on exit, whatever happened, stops the server and deletes the directory,
#      and exits with the command's exit code.
#
# Environment knobs (all optional):
#   HINDSIGHT_PG_KEEP=1      keep the temporary directory (for debugging).
#   HINDSIGHT_PG_TMPDIR=DIR  parent of the temporary directory (default /tmp;
#                            it must be reachable by the postgres user).
#   HINDSIGHT_PG_SHARED_BUFFERS=SIZE  PostgreSQL's shared_buffers (default 2GB).
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

log() { echo "with-postgres: $*" >&2; }

if [[ -n "${HINDSIGHT_TEST_POSTGRES_URL:-}" ]]; then
    log "HINDSIGHT_TEST_POSTGRES_URL is already set; using it as is"
    exec "$@"
fi

# --- who runs the server -----------------------------------------------------
# As root we drop to the postgres OS user (initdb refuses to run as root).
# As any other user we run the server as ourselves and use sudo for apt-get.
SUDO=()
if [[ $EUID -eq 0 ]]; then
    # From inside the temp dir: postgres may not be allowed into the caller's cwd.
    as_pg() { (cd "$PG_DIR" && runuser -u postgres -- "$@"); }
else
    as_pg() { "$@"; }
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); fi
fi

find_pg_bin() {
    local initdb
    initdb=$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1 || true)
    [[ -n "$initdb" ]] && dirname "$initdb"
}

# --- 1. install the server if needed -----------------------------------------
PG_BIN=$(find_pg_bin || true)
if [[ -z "$PG_BIN" ]]; then
    log "no /usr/lib/postgresql/*/bin/initdb: installing Debian's postgresql"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -q
    "${SUDO[@]}" apt-get install -y -q postgresql
    PG_BIN=$(find_pg_bin || true)
    if [[ -z "$PG_BIN" ]]; then
        log "postgresql was installed but no initdb was found"
        exit 1
    fi
fi
if [[ $EUID -eq 0 ]] && ! id -u postgres >/dev/null 2>&1; then
    log "there is no 'postgres' OS user to run the server as"
    exit 1
fi

# --- 2. a fresh cluster in a temporary directory -------------------------------
PG_DIR=$(mktemp -d "${HINDSIGHT_PG_TMPDIR:-/tmp}/hindsight-pg.XXXXXX")
PG_DATA="$PG_DIR/data"
PG_SOCK="$PG_DIR/sock"
PG_LOG="$PG_DIR/server.log"
PG_STARTED=0

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [[ $PG_STARTED -eq 1 ]]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1 || {
            log "pg_ctl stop failed; killing the postmaster"
            if [[ -f "$PG_DATA/postmaster.pid" ]]; then
                kill -9 "$(head -n 1 "$PG_DATA/postmaster.pid")" 2>/dev/null || true
            fi
        }
    fi
    if [[ "${HINDSIGHT_PG_KEEP:-0}" == 1 ]]; then
        log "kept $PG_DIR"
    else
        rm -rf "$PG_DIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mkdir -p "$PG_SOCK"
if [[ $EUID -eq 0 ]]; then
    chown -R postgres:postgres "$PG_DIR"
fi
chmod 700 "$PG_DIR"

as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 --no-sync >"$PG_DIR/initdb.log" 2>&1 || {
    log "initdb failed:"
    cat "$PG_DIR/initdb.log" >&2
    exit 1
}

# --- 3. start it on a free loopback port ---------------------------------------
free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
    else
        # No python3: probe random high ports until nothing answers.
        local p
        for _ in $(seq 1 100); do
            p=$((20000 + RANDOM % 40000))
            if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
                echo "$p"
                return 0
            fi
        done
        return 1
    fi
}

# Settings for a throwaway test server (postgresql.conf: last setting wins).
cat >>"$PG_DATA/postgresql.conf" <<EOF

# Added by scripts/with-postgres.sh: a throwaway test server.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_SOCK'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
# PostgreSQL's default of 128 MB keeps a million conversations' indexes out of its cache; a
# quarter of a small machine's memory is the usual setting (the bench's figures use it).
shared_buffers = ${HINDSIGHT_PG_SHARED_BUFFERS:-2GB}
EOF

# The port can be taken between picking and binding, so try a few times.
PG_PORT=
for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "-p $port" -w -t 60 start >/dev/null; then
        PG_STARTED=1
        PG_PORT=$port
        break
    fi
    # pg_ctl may have left a postmaster that came up late; make sure it is gone.
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    log "start on port $port failed (attempt $attempt):"
    tail -n 5 "$PG_LOG" >&2 || true
done
if [[ -z "$PG_PORT" ]]; then
    log "could not start PostgreSQL; server log:"
    cat "$PG_LOG" >&2 || true
    exit 1
fi

# pg_ctl -w already waited; also check that TCP on loopback answers.
for _ in $(seq 1 100); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres; then
        break
    fi
    sleep 0.1
done
if ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres; then
    log "PostgreSQL does not answer on 127.0.0.1:$PG_PORT; server log:"
    cat "$PG_LOG" >&2 || true
    exit 1
fi

export HINDSIGHT_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
log "$("$PG_BIN/postgres" --version | sed "s/^postgres (PostgreSQL) /PostgreSQL /") ready at $HINDSIGHT_TEST_POSTGRES_URL"

# --- 4. run the command; the EXIT trap cleans up ---------------------------------
rc=0
"$@" || rc=$?
exit "$rc"
