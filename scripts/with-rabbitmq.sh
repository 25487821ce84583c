#!/usr/bin/env bash
# Run a command against a throwaway RabbitMQ node.
#
#   scripts/with-rabbitmq.sh CMD [ARGS...]
#
# If HINDSIGHT_TEST_AMQP_URL is already set, the command is simply run.
# Otherwise this script
#   1. installs Debian's rabbitmq-server if it is missing
#      (apt-get update, then apt-get install -y rabbitmq-server, non-interactive),
#   2. starts a node of its own in a fresh temporary directory: its own node name,
#      database and log folders, Erlang cookie (HOME), an epmd of its own on a free
#      port (so it never meets another node's epmd), AMQP on a free 127.0.0.1 port,
#      no plugins,
#   3. exports HINDSIGHT_TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:PORT/%2f and
#      runs the command,
#   4. on exit, whatever happened, stops the node and its epmd, deletes the
#      directory, and exits with the command's exit code.
#
# Environment knobs (all optional):
#   HINDSIGHT_RABBITMQ_KEEP=1      keep the temporary directory (for debugging).
#   HINDSIGHT_RABBITMQ_TMPDIR=DIR  parent of the temporary directory (default /tmp).
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

log() { echo "with-rabbitmq: $*" >&2; }

if [[ -n "${HINDSIGHT_TEST_AMQP_URL:-}" ]]; then
    log "HINDSIGHT_TEST_AMQP_URL is already set; using it as is"
    exec "$@"
fi

RMQ_BIN=/usr/lib/rabbitmq/bin
if [[ ! -x "$RMQ_BIN/rabbitmq-server" ]]; then
    log "no $RMQ_BIN/rabbitmq-server: installing Debian's rabbitmq-server"
    SUDO=()
    if [[ $EUID -ne 0 ]] && command -v sudo >/dev/null 2>&1; then SUDO=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -q
    # The package starts a system node; ours runs beside it on other ports.
    "${SUDO[@]}" apt-get install -y -q rabbitmq-server
fi

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

RMQ_DIR=$(mktemp -d "${HINDSIGHT_RABBITMQ_TMPDIR:-/tmp}/hindsight-rabbitmq.XXXXXX")
RMQ_PID=
EPMD_PORT=$(free_port)
AMQP_PORT=$(free_port)
DIST_PORT=$(free_port)
NODE="hindsight-$(basename "$RMQ_DIR" | tr -cd 'A-Za-z0-9')@localhost"

# Everything the node reads from the environment: nothing of the system node's. Given to
# the node and rabbitmqctl only (HOME holds the node's Erlang cookie; the command keeps its own).
RMQ_ENV=(
    HOME="$RMQ_DIR"
    RABBITMQ_NODENAME="$NODE"
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    RABBITMQ_NODE_PORT="$AMQP_PORT"
    RABBITMQ_DIST_PORT="$DIST_PORT"
    ERL_EPMD_PORT="$EPMD_PORT"
    RABBITMQ_MNESIA_BASE="$RMQ_DIR/mnesia"
    RABBITMQ_LOG_BASE="$RMQ_DIR/log"
    RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_DIR/enabled_plugins"
    RABBITMQ_CONFIG_FILE="$RMQ_DIR/rabbitmq"
    RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_DIR/advanced.config"
    RABBITMQ_CONF_ENV_FILE="$RMQ_DIR/rabbitmq-env.conf"
)
rmq() { env "${RMQ_ENV[@]}" "$RMQ_BIN/$1" "${@:2}"; }
mkdir -p "$RMQ_DIR/mnesia" "$RMQ_DIR/log"
echo '[].' >"$RMQ_DIR/enabled_plugins"
: >"$RMQ_DIR/rabbitmq-env.conf"
# A throwaway node: no disk-space alarm on a full test machine's /tmp.
echo 'disk_free_limit.absolute = 1' >"$RMQ_DIR/rabbitmq.conf"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [[ -n "$RMQ_PID" ]]; then
        rmq rabbitmqctl -n "$NODE" stop >/dev/null 2>&1 || true
        kill "$RMQ_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$RMQ_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$RMQ_PID" 2>/dev/null || true
    fi
    ERL_EPMD_PORT="$EPMD_PORT" epmd -port "$EPMD_PORT" -kill >/dev/null 2>&1 || true
    if [[ "${HINDSIGHT_RABBITMQ_KEEP:-0}" == 1 ]]; then
        log "kept $RMQ_DIR"
    else
        rm -rf "$RMQ_DIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

rmq rabbitmq-server >"$RMQ_DIR/server.out" 2>&1 &
RMQ_PID=$!

# `rabbitmqctl await_startup` fails at once while the node is not yet registered with
# epmd, so ask again until it answers (a minute and a half on a busy machine).
started=0
for _ in $(seq 1 90); do
    if ! kill -0 "$RMQ_PID" 2>/dev/null; then break; fi
    if rmq rabbitmqctl -n "$NODE" await_startup --timeout 5 >/dev/null 2>&1; then
        started=1
        break
    fi
    sleep 1
done
if [[ $started -ne 1 ]]; then
    log "RabbitMQ did not start; its output:"
    tail -n 30 "$RMQ_DIR/server.out" >&2 || true
    exit 1
fi

export HINDSIGHT_TEST_AMQP_URL="amqp://guest:guest@127.0.0.1:$AMQP_PORT/%2f"
log "RabbitMQ $(rmq rabbitmqctl -n "$NODE" version 2>/dev/null || echo '?') ready at $HINDSIGHT_TEST_AMQP_URL"

# Not exec: the EXIT trap stops the node.
rc=0
"$@" || rc=$?
exit "$rc"
