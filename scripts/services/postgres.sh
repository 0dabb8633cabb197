#!/usr/bin/env bash
# Installs (Debian package) and starts a local PostgreSQL on 127.0.0.1:5432 for tests, and exports
# the connection string that Backstage's TestDatabases reads.
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
postgres_start() {
  apt_ensure postgresql || return 1
  local ver
  ver=$(pg_lsclusters -h | awk 'NR==1{print $1}')
  if [ -z "$ver" ]; then
    ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
    pg_createcluster "$ver" main >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main"{print $4}' | grep -q online; then
    pg_ctlcluster "$ver" main start
  fi
  for _ in $(seq 1 30); do
    su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
    sleep 0.5
  done
  su postgres -c "psql -qtAc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  export PORTAL_TEST_POSTGRES_URL="postgresql://postgres:postgres@127.0.0.1:5432"
  export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="$PORTAL_TEST_POSTGRES_URL"
  echo "postgres: PostgreSQL $ver on 127.0.0.1:5432" >&2
}
