# Sourced by .ci/run: start a private PostgreSQL (Debian's) on a Unix socket for the review desk's tests
# (tests/test_desk.py), export MTCHECK_TEST_PG_URL, and stop it when the run ends. Nothing listens on TCP.
start_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    echo "installing Debian's postgresql for the review desk's tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PG_DIR=$(mktemp -d /tmp/mtcheck-pg.XXXXXX)
  local as=()
  if [ "$(id -u)" = 0 ]; then  # initdb refuses to run as root
    chown postgres "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres >/dev/null
  "${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
      -o "-k $PG_DIR -p 54329 -c listen_addresses=''" start >/dev/null
  PG_STOP=("${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -m fast stop)
  trap 'stop_postgres' EXIT
  "${as[@]}" psql -h "$PG_DIR" -p 54329 -U postgres -qc "CREATE DATABASE mtcheck_test" >/dev/null
  export MTCHECK_TEST_PG_URL="postgresql://postgres@/mtcheck_test?host=$PG_DIR&port=54329"
  export MTCHECK_REQUIRE_PG=1
}

stop_postgres() {
  "${PG_STOP[@]}" >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
