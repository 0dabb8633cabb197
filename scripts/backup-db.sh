#!/usr/bin/env bash
# Online backup of the portal's databases (docs/operators/backups.md).
#
#   scripts/backup-db.sh sqlite   <file.sqlite | directory> <out-dir>
#       SQLite online backup API (sqlite3 .backup: consistent while the backend runs), one copy per
#       file, each checked with PRAGMA integrity_check.
#   scripts/backup-db.sh postgres <connection-uri> <out-dir> [database-pattern]
#       pg_dump -Fc of every database matching the pattern (default backstage_plugin_%: Backstage
#       keeps one database per plugin), each checked by listing it with pg_restore -l.
#
# Writes SHA256SUMS into <out-dir> and prints the directory. Exits non-zero on any failure.
set -euo pipefail

die() { echo "backup-db: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not installed ($2)"; }

backup_sqlite() {
  local source=$1 out=$2 files=()
  need sqlite3 "apt-get install sqlite3"
  if [[ -d $source ]]; then
    shopt -s nullglob
    files=("$source"/*.sqlite "$source"/*.sqlite3 "$source"/*.db)
    shopt -u nullglob
    ((${#files[@]})) || die "no *.sqlite, *.sqlite3 or *.db files in $source"
  elif [[ -f $source ]]; then
    files=("$source")
  else
    die "$source does not exist"
  fi
  for f in "${files[@]}"; do
    local target
    target="$out/$(basename "$f")"
    # .backup uses SQLite's online backup API: a consistent copy even while the backend writes.
    sqlite3 "$f" ".timeout 10000" ".backup '${target//\'/\'\'}'"
    [[ $(sqlite3 "$target" 'PRAGMA integrity_check;') == ok ]] || die "integrity check of $target failed"
    echo "backup-db: $f -> $target" >&2
  done
}

backup_postgres() {
  local uri=$1 out=$2 pattern=${3:-backstage_plugin_%} dbs
  need pg_dump "apt-get install postgresql-client"
  need psql "apt-get install postgresql-client"
  dbs=$(psql "$uri" -Atc "SELECT datname FROM pg_database WHERE datname LIKE '${pattern//\'/\'\'}' AND NOT datistemplate ORDER BY 1")
  [[ -n $dbs ]] || die "no database matches '$pattern'"
  while read -r db; do
    local target="$out/$db.dump" dburi
    # same server and credentials, other database: replace the path of the URI
    dburi=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$uri" "$db")
    pg_dump -Fc --no-owner -f "$target" "$dburi"
    pg_restore -l "$target" >/dev/null || die "dump $target is not readable"
    echo "backup-db: $db -> $target" >&2
  done <<<"$dbs"
}

[[ $# -ge 3 ]] || die "usage: $0 sqlite <file|dir> <out-dir> | $0 postgres <uri> <out-dir> [pattern]"
kind=$1 source=$2 out=$3
mkdir -p "$out"
case $kind in
  sqlite) backup_sqlite "$source" "$out" ;;
  postgres) backup_postgres "$source" "$out" "${4:-}" ;;
  *) die "unknown kind '$kind' (sqlite or postgres)" ;;
esac
(cd "$out" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%P\0' | sort -z | xargs -0 sha256sum >SHA256SUMS)
echo "$out"
