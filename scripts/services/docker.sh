#!/usr/bin/env bash
# Installs Debian's Docker engine and runs a private dockerd for the sandboxes, with the engine's
# network management OFF (no bridge, no iptables, no sysctl changes: see shared ENVIRONMENT.md).
# Sandboxes run with `--network none` (or host).
#
#   source scripts/env.sh && source scripts/services/docker.sh && docker_start
#
# docker_start exports PORTAL_DOCKER_SOCKET=<socket> and DOCKER_HOST=unix://<socket>.
# Engine state lives in ${PORTAL_DOCKER_DIR:-$PORTAL_CACHE/docker}. Both functions are idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

_docker_dir() {
  local d="${PORTAL_DOCKER_DIR:-${PORTAL_CACHE:?source scripts/env.sh first (PORTAL_CACHE)}/docker}"
  mkdir -p "$d" && (cd "$d" && pwd)
}

# The exec root holds containerd's socket and per-container sockets below it; unix socket paths are
# limited to 108 bytes, so a deep $PORTAL_DOCKER_DIR gets a short exec root under /run instead.
_docker_exec_root() {
  local d="$1"
  if [ "${#d}" -le 40 ]; then
    echo "$d/exec"
  else
    echo "/run/portal-docker-$(printf '%s' "$d" | md5sum | cut -c1-10)"
  fi
}

_docker_ping() {
  curl -fsS --max-time 2 --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1
}

docker_start() {
  local d sock exec_root pidfile log pid
  d="$(_docker_dir)" || return 1
  sock="$d/docker.sock"
  exec_root="$(_docker_exec_root "$d")"
  pidfile="$d/dockerd.pid"
  log="$d/dockerd.log"

  if ! _docker_ping "$sock"; then
    apt_ensure docker.io containerd runc debootstrap || return 1
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      echo "docker: dockerd (pid $pid) is running but not answering yet; waiting" >&2
    else
      rm -f "$sock" "$pidfile"
      mkdir -p "$d/data" "$exec_root"
      # setsid + nohup: the daemon outlives the shell that started it.
      setsid nohup dockerd \
        -H "unix://$sock" \
        --data-root "$d/data" \
        --exec-root "$exec_root" \
        --pidfile "$pidfile" \
        --storage-driver overlay2 \
        --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false --bridge=none \
        </dev/null >>"$log" 2>&1 &
    fi
    local i
    for i in $(seq 1 150); do
      _docker_ping "$sock" && break
      sleep 0.2
    done
    if ! _docker_ping "$sock"; then
      echo "docker: dockerd did not answer on $sock within 30 s; last log lines:" >&2
      tail -n 20 "$log" >&2
      return 1
    fi
    echo "docker: dockerd started on $sock (log: $log)" >&2
  fi
  export PORTAL_DOCKER_SOCKET="$sock"
  export DOCKER_HOST="unix://$sock"
}

docker_stop() {
  local d sock exec_root pidfile pid
  d="$(_docker_dir)" || return 1
  sock="$d/docker.sock"
  exec_root="$(_docker_exec_root "$d")"
  pidfile="$d/dockerd.pid"
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    local i
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "docker: dockerd (pid $pid) did not stop within 20 s; sending KILL" >&2
      kill -9 "$pid" 2>/dev/null || true
    fi
    echo "docker: dockerd (pid $pid) stopped" >&2
  fi
  # dockerd can leave its default network namespace mounted behind.
  if mountpoint -q "$exec_root/netns/default" 2>/dev/null; then
    umount "$exec_root/netns/default" 2>/dev/null || umount -l "$exec_root/netns/default" || true
  fi
  rm -f "$pidfile" "$sock"
  if [ "${DOCKER_HOST:-}" = "unix://$sock" ]; then unset DOCKER_HOST; fi
  if [ "${PORTAL_DOCKER_SOCKET:-}" = "$sock" ]; then unset PORTAL_DOCKER_SOCKET; fi
  return 0
}
