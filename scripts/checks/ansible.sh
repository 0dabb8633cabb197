#!/usr/bin/env bash
# Checks the Ansible code in ansible/ for real, offline:
#   1. ansible-lint --offline (production profile, ansible/.ansible-lint) on ansible/;
#   2. the same lint on test/fixtures/ansible/broken_role, which MUST fail and name every rule in
#      its EXPECTED_RULES (proves the lint step catches errors);
#   3. ansible-playbook --syntax-check of every playbook, with both inventories;
#   4. a real apply of playbooks/sandbox_host.yml into a Debian bookworm chroot (debootstrap
#      --variant=minbase, connection community.general.chroot), twice: the second run must report
#      changed=0. Then a few checks of the result inside the chroot.
# Services, the engine's network and the image build are off in the chroot
# (test/fixtures/ansible/chroot_vars.yml); nothing starts a daemon or touches the host's network.
#
#   scripts/checks/ansible.sh            # run it
#   source scripts/checks/ansible.sh && ansible_check   # or source it and call the function
#
# Installs what it needs (Debian packages ansible ansible-lint debootstrap zstd; root needed).
# Caches in ${PORTAL_CACHE:-.cache}/ansible/: the debootstrapped chroot as a tarball (delete
# chroot-bookworm.tar.zst to redo it) and downloaded .deb files. The Debian mirror comes from
# the apt sources (or PORTAL_DEBIAN_MIRROR), the npm registry from `npm config get registry`.
# ANSIBLE_CHECK_KEEP_CHROOT=1 keeps the applied chroot for inspection.
# shellcheck disable=SC2317  # the helper functions run indirectly (through _timed and trap)

# ansible_check: runs everything; in a subshell, so options, traps and mounts stay inside.
ansible_check() (
  set -euo pipefail
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  cd "$root"
  source scripts/services/apt.sh
  export PORTAL_CACHE="${PORTAL_CACHE:-$root/.cache}"

  local t0 cache suite chroot inv logs
  t0=$(date +%s.%N)
  cache="$PORTAL_CACHE/ansible"
  suite="${PORTAL_DEBIAN_SUITE:-bookworm}"
  chroot="$cache/chroot"
  logs="$cache/logs"
  inv="$cache/inventory.yml"
  mkdir -p "$cache/apt-archives/partial" "$logs"

  _elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
  _stamp() { echo "== [$(_elapsed "$t0")s] $*" >&2; }
  _fail() { echo "ansible check: FAILED: $*" >&2; exit 1; }
  # _timed LABEL CMD...: runs CMD, then prints how long it took.
  local -a timings=()
  _timed() {
    local label="$1" s rc=0
    shift
    s=$(date +%s.%N)
    "$@" || rc=$?
    timings+=("$(printf '%-38s %6ss' "$label" "$(_elapsed "$s")")")
    return $rc
  }

  _stamp "Debian packages: ansible ansible-lint debootstrap zstd"
  apt_ensure ansible ansible-lint debootstrap zstd

  # Ansible runs with a clean environment: the chroot connection passes the controller's
  # environment to every command in the chroot (a TMPDIR of this machine breaks postinst scripts).
  mkdir -p "$cache/tmp"
  local -a aenv=(env -i "PATH=$PATH" "HOME=${HOME:-/root}" LANG=C.UTF-8
    "ANSIBLE_CONFIG=$root/ansible/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
    ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks
    ANSIBLE_RETRY_FILES_ENABLED=0 PY_COLORS=0 NO_COLOR=1
    "ANSIBLE_LOCAL_TEMP=$cache/tmp" ANSIBLE_REMOTE_TEMP=/tmp/.ansible-remote)
  local v
  for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    if [ -n "${!v:-}" ]; then aenv+=("$v=${!v}"); fi
  done

  # --- 1-3. static checks, in the background while the chroot is prepared and applied --------
  # Each step appends "label<TAB>seconds<TAB>status" to static.result; the log names the failure.
  _static_checks() {
    local s rc
    s=$(date +%s.%N)
    (cd ansible && "${aenv[@]}" ansible-lint --offline -p --nocolor) >"$logs/lint.log" 2>&1 && rc=0 || rc=$?
    printf 'ansible-lint ansible/\t%s\t%s\n' "$(_elapsed "$s")" "$rc" >>"$logs/static.result"
    [ "$rc" = 0 ] || return 1

    s=$(date +%s.%N)
    (cd test/fixtures/ansible &&
      "${aenv[@]}" ansible-lint --offline -p --nocolor -c "$root/ansible/.ansible-lint" broken_role) \
      >"$logs/lint-broken.log" 2>&1 && rc=0 || rc=$?
    local rule missing=()
    while IFS= read -r rule; do
      [ -n "$rule" ] || continue
      grep -qE "^[^ ]+:[0-9]+: $(printf '%s' "$rule" | sed 's/[][]/\\&/g')([: [])" "$logs/lint-broken.log" || missing+=("$rule")
    done <test/fixtures/ansible/broken_role/EXPECTED_RULES
    # ansible-lint must fail on the fixture, naming every expected rule.
    if [ "$rc" = 0 ] || [ ${#missing[@]} -gt 0 ]; then
      echo "ansible-lint exit code $rc on broken_role; expected rules not reported: ${missing[*]:-none}" >>"$logs/lint-broken.log"
      rc=1
    else
      rc=0
    fi
    printf 'ansible-lint broken_role (must fail)\t%s\t%s\n' "$(_elapsed "$s")" "$rc" >>"$logs/static.result"
    [ "$rc" = 0 ] || return 1

    s=$(date +%s.%N)
    rc=0
    local i
    for i in inventories/local/hosts.yml inventories/staging/hosts.yml; do
      (cd ansible && "${aenv[@]}" ansible-playbook --syntax-check -i "$i" playbooks/*.yml) \
        >>"$logs/syntax.log" 2>&1 || rc=$?
    done
    printf 'syntax-check (all playbooks x 2 inv)\t%s\t%s\n' "$(_elapsed "$s")" "$rc" >>"$logs/static.result"
    [ "$rc" = 0 ]
  }
  # _static_status: fails the check if a static step failed (prints its log).
  _static_status() {
    local label secs rc log
    while IFS=$'\t' read -r label secs rc; do
      [ "$rc" = 0 ] && continue
      case "$label" in
        *broken_role*) log="$logs/lint-broken.log" ;;
        syntax*) log="$logs/syntax.log" ;;
        *) log="$logs/lint.log" ;;
      esac
      cat "$log" >&2
      _fail "$label (log: $log)"
    done <"$logs/static.result"
  }
  : >"$logs/static.result"
  : >"$logs/syntax.log"
  _stamp "static checks started in the background: ansible-lint, broken_role (must fail), syntax-check"
  _static_checks &
  local static_pid=$!

  # --- 4. real apply into a chroot ----------------------------------------------------------
  local tarball="$cache/chroot-$suite.tar.zst" base="$cache/chroot-$suite-base"
  if [ ! -s "$tarball" ]; then
    local mirror
    mirror="$(_ansible_check_mirror "$suite")" || _fail "no Debian mirror for $suite in the apt sources; set PORTAL_DEBIAN_MIRROR"
    _stamp "debootstrap --variant=minbase $suite from $mirror (cached afterwards in $tarball)"
    _bootstrap() {
      local dir="$cache/bootstrap.tmp"
      rm -rf "$dir"
      # Two stages, so the second (dpkg) runs without fsync: about half the time.
      # (Commands are chained: errexit does not apply inside a function called from a condition.)
      # shellcheck disable=SC2015  # one chain: any failing command shows the log and fails
      debootstrap --foreign --variant=minbase --include=python3,python3-apt "$suite" "$dir" "$mirror" \
        >"$logs/debootstrap.log" 2>&1 &&
        echo force-unsafe-io >"$dir/etc/dpkg/dpkg.cfg.d/zz-check-unsafe-io" &&
        chroot "$dir" /debootstrap/debootstrap --second-stage >>"$logs/debootstrap.log" 2>&1 ||
        { tail -n 20 "$logs/debootstrap.log" >&2; return 1; }
      # Package installs inside the chroot must never start services.
      rm -f "$dir/etc/dpkg/dpkg.cfg.d/zz-check-unsafe-io" &&
        printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d" &&
        chmod 0755 "$dir/usr/sbin/policy-rc.d" &&
        rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir/debootstrap" &&
        tar -C "$dir" --numeric-owner -I 'zstd -T0 -3' -cf "$tarball.partial" . &&
        mv "$tarball.partial" "$tarball" &&
        rm -rf "$dir"
    }
    _timed "debootstrap + tarball (cold only)" _bootstrap || _fail "debootstrap"
  else
    _stamp "chroot tarball cached: $tarball"
  fi

  local rw="$cache/chroot-rw"
  _umount_chroot() {
    local m
    for m in "$chroot/var/cache/apt/archives" "$chroot/proc" "$chroot" "$rw"; do
      if mountpoint -q "$m" 2>/dev/null; then umount "$m" 2>/dev/null || umount -l "$m" || true; fi
    done
  }
  _cleanup() {
    if [ -n "${static_pid:-}" ]; then kill "$static_pid" 2>/dev/null || true; fi
    if [ "${ANSIBLE_CHECK_KEEP_CHROOT:-0}" != 1 ]; then
      _umount_chroot
      rm -rf "$chroot" "$rw"
    else
      umount "$chroot/var/cache/apt/archives" "$chroot/proc" 2>/dev/null || true
      echo "ansible check: the chroot stays mounted at $chroot (umount $chroot $rw when done)" >&2
    fi
    _stamp "cleaned up (whole check incl. clean-up: $(_elapsed "$t0")s)"
  }
  trap _cleanup EXIT

  # A pristine unpacked copy of the tarball is the read-only lower layer of an overlay; every run
  # gets an empty upper layer, i.e. a fresh chroot in no time. Without overlayfs: a plain unpack.
  local stamp_want
  stamp_want="$(stat -c '%s-%Y' "$tarball")"
  if [ "$(cat "$base.stamp" 2>/dev/null || true)" != "$stamp_want" ]; then
    _stamp "unpack the chroot tarball into $base"
    rm -rf "$base" && mkdir -p "$base"
    _timed "unpack chroot base (once per tarball)" tar -C "$base" --numeric-owner -I zstd -xf "$tarball" ||
      _fail "unpack $tarball"
    echo "$stamp_want" >"$base.stamp"
  fi
  _stamp "fresh chroot: overlay of $base"
  _umount_chroot
  rm -rf "$chroot" "$rw"
  mkdir -p "$chroot" "$rw"
  # The writable layer lives in memory (about 1 GB after an apply): faster writes, and clean-up is
  # an unmount. Without tmpfs it stays on disk.
  mount -t tmpfs -o "size=${ANSIBLE_CHECK_TMPFS_SIZE:-4g},mode=0755" tmpfs "$rw" 2>/dev/null || true
  mkdir -p "$rw/upper" "$rw/work"
  if ! mount -t overlay overlay -o "lowerdir=$base,upperdir=$rw/upper,workdir=$rw/work" "$chroot" 2>/dev/null; then
    _stamp "overlayfs unavailable: copying the base instead"
    cp -a "$base/." "$chroot/"
  fi
  # dpkg without fsync (a throwaway system: about a third faster) - test harness only.
  echo force-unsafe-io >"$chroot/etc/dpkg/dpkg.cfg.d/zz-check-unsafe-io"
  mount -t proc proc "$chroot/proc"
  # Downloaded .deb files survive between runs (apt keeps them in the chroot's archive cache).
  mount --bind "$cache/apt-archives" "$chroot/var/cache/apt/archives"

  # Ollama cannot be downloaded here: a small stand-in archive with its layout, and its SHA-256.
  local fake="$cache/ollama-standin"
  rm -rf "$fake" && mkdir -p "$fake/bin" "$fake/lib/ollama"
  printf '#!/bin/sh\necho "ollama version is 0.0.0-standin"\n' >"$fake/bin/ollama"
  chmod 0755 "$fake/bin/ollama"
  echo "stand-in for the ollama release archive (scripts/checks/ansible.sh)" >"$fake/lib/ollama/README"
  tar -C "$fake" --numeric-owner -I zstd -cf "$cache/ollama-standin.tar.zst" bin lib

  # Extra CA certificates of this machine (e.g. an egress proxy's), so TLS works in the chroot.
  local cas=() f
  for f in /usr/local/share/ca-certificates/*.crt; do [ -f "$f" ] && cas+=("$f"); done
  {
    echo "---"
    echo "ollama_archive_src: $cache/ollama-standin.tar.zst"
    echo "ollama_sha256: $(sha256sum "$cache/ollama-standin.tar.zst" | cut -d' ' -f1)"
    echo "devtools_ca_certificates:"
    if [ ${#cas[@]} -eq 0 ]; then echo "  []"; fi
    for f in "${cas[@]}"; do echo "  - $f"; done
  } >"$cache/runtime_vars.yml"
  cat >"$inv" <<EOF
all:
  children:
    sandbox_hosts:
      hosts:
        chroot-$suite:
          ansible_connection: community.general.chroot
          ansible_host: $chroot
          ansible_python_interpreter: /usr/bin/python3
EOF

  _apply() {
    local n="$1"
    (cd ansible && "${aenv[@]}" ansible-playbook -i "$inv" playbooks/sandbox_host.yml \
      -e "@$root/test/fixtures/ansible/chroot_vars.yml" -e "@$cache/runtime_vars.yml") \
      >"$logs/apply-$n.log" 2>&1
  }
  _recap() { grep -E "^chroot-$suite +: ok=" "$logs/apply-$1.log" | tail -n1; }

  _stamp "apply playbooks/sandbox_host.yml into the chroot (1st run)"
  if ! _timed "chroot apply, 1st run" _apply 1; then
    tail -n 40 "$logs/apply-1.log" >&2
    _fail "1st apply (log: $logs/apply-1.log)"
  fi
  echo "   $(_recap 1)" >&2
  _static_status

  _stamp "apply again (2nd run must report changed=0)"
  if ! _timed "chroot apply, 2nd run" _apply 2; then
    tail -n 40 "$logs/apply-2.log" >&2
    _fail "2nd apply (log: $logs/apply-2.log)"
  fi
  local recap
  recap="$(_recap 2)"
  echo "   $recap" >&2
  [ -n "$recap" ] || _fail "no PLAY RECAP in $logs/apply-2.log"
  if ! grep -qE '(^| )changed=0 ' <<<"$recap" || ! grep -qE '(^| )failed=0 ' <<<"$recap"; then
    echo "Tasks that changed on the 2nd run:" >&2
    grep -B1 -E '^changed:' "$logs/apply-2.log" | grep -E '^TASK|^changed' >&2 || true
    grep -E '^TASK \[|^changed: ' "$logs/apply-2.log" | grep -B1 '^changed: ' >&2 || true
    _fail "the 2nd run was not idempotent: $recap"
  fi

  # --- 5. what the apply left behind --------------------------------------------------------
  _stamp "verify the result inside the chroot"
  _verify() {
    local c=(chroot "$chroot" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root)
    "${c[@]}" sh -c 'git --version && jq --version && rg --version | head -n1 && gcc --version | head -n1' &&
      "${c[@]}" sh -c 'python3 -m venv /tmp/venv-check && /tmp/venv-check/bin/pip --version && rm -rf /tmp/venv-check' &&
      "${c[@]}" pylsp --version &&
      "${c[@]}" node --version && "${c[@]}" npm --version &&
      "${c[@]}" typescript-language-server --version && "${c[@]}" tsc --version &&
      "${c[@]}" python3 -c '
import json
d = json.load(open("/etc/docker/daemon.json"))
assert d["log-driver"] == "json-file" and d["log-opts"]["max-size"] and d["log-opts"]["max-file"], d
assert d["storage-driver"] == "overlay2" and d["bridge"] == "none" and d["iptables"] is True, d
print("daemon.json ok:", json.dumps(d, sort_keys=True))' &&
      "${c[@]}" sh -c 'sshd -T -f /etc/ssh/sshd_config | grep -Ex "permitrootlogin no|passwordauthentication no|kbdinteractiveauthentication no" | sort | tr "\n" " "; echo' &&
      [ "$("${c[@]}" sshd -T -f /etc/ssh/sshd_config | grep -Ec '^(permitrootlogin no|passwordauthentication no|kbdinteractiveauthentication no)$')" = 3 ] &&
      "${c[@]}" sh -c 'id operator && test -s /home/operator/.ssh/authorized_keys && visudo -c >/dev/null' &&
      "${c[@]}" sh -c 'grep -q "Unattended-Upgrade \"1\"" /etc/apt/apt.conf.d/20auto-upgrades' &&
      "${c[@]}" sh -c 'id ollama && ollama --version && test -f /etc/systemd/system/ollama.service' &&
      "${c[@]}" sh -c 'test -x /opt/portal-sandbox-images/scripts/build-images.sh && test -f /opt/portal-sandbox-images/k8s/images/base/Dockerfile && test -x /usr/local/bin/sandbox-ssh'
  }
  _timed "verify" _verify >"$logs/verify.log" 2>&1 || { cat "$logs/verify.log" >&2; _fail "verification inside the chroot"; }
  sed 's/^/   /' "$logs/verify.log" >&2

  _stamp "waiting for the static checks"
  wait "$static_pid" || true
  static_pid=
  _static_status
  local label secs rc
  while IFS=$'\t' read -r label secs rc; do
    timings=("$(printf '%-38s %6ss' "$label" "$secs")" "${timings[@]}")
  done < <(tac "$logs/static.result")
  [ "$(wc -l <"$logs/static.result")" = 3 ] || _fail "the static checks did not all run (see $logs/static.result)"
  echo "   broken_role rejected with: $(grep -oE '^[^ ]+:[0-9]+: [a-z-]+(\[[a-z-]+\])?' "$logs/lint-broken.log" \
    | awk '{print $2}' | sort -u | tr '\n' ' ')" >&2

  _stamp "done"
  echo "ansible check: timings" >&2
  printf '   %s\n' "${timings[@]}" >&2
  printf '   %-38s %6ss\n' "whole check" "$(_elapsed "$t0")" >&2
)

# _ansible_check_mirror SUITE: the Debian mirror of this machine's apt sources (deb822 *.sources
# first, then one-line sources.list / *.list), preferring an entry for SUITE itself.
_ansible_check_mirror() {
  local suite="$1"
  if [ -n "${PORTAL_DEBIAN_MIRROR:-}" ]; then echo "$PORTAL_DEBIAN_MIRROR"; return 0; fi
  local f found=()
  for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && found+=("$f"); done
  {
    if [ ${#found[@]} -gt 0 ]; then
      awk -v want="$suite" '
        BEGIN { RS = ""; FS = "\n" }
        {
          types = ""; uris = ""; suites = ""; enabled = "yes"
          for (i = 1; i <= NF; i++) {
            if ($i ~ /^[ \t]*#/ || !match($i, /^[A-Za-z-]+:/)) continue
            key = tolower(substr($i, 1, RLENGTH - 1)); val = substr($i, RLENGTH + 1)
            gsub(/^[ \t]+|[ \t]+$/, "", val)
            if (key == "types") types = val; else if (key == "uris") uris = val
            else if (key == "suites") suites = val; else if (key == "enabled") enabled = tolower(val)
          }
          if (enabled == "no" || (" " types " ") !~ / deb /) next
          split(uris, u, /[ \t]+/); n = split(suites, s, /[ \t]+/)
          for (j = 1; j <= n; j++) if (s[j] == want) print "1 " u[1]; else if (s[j] !~ /[-\/]/) print "2 " u[1]
        }' "${found[@]}"
    fi
    found=()
    [ -f /etc/apt/sources.list ] && found+=(/etc/apt/sources.list)
    for f in /etc/apt/sources.list.d/*.list; do [ -f "$f" ] && found+=("$f"); done
    if [ ${#found[@]} -gt 0 ]; then
      awk -v want="$suite" '/^[ \t]*deb[ \t]/ { sub(/\[[^]]*\]/, ""); if ($3 == want) print "1 " $2; else if ($3 !~ /[-\/]/) print "2 " $2 }' "${found[@]}"
    fi
  } | sort -s -k1,1n | head -n1 | cut -d' ' -f2- | grep .
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  ansible_check "$@"
fi
