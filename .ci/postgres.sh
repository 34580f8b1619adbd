# Starts a throw-away PostgreSQL server for tests: initdb into a temp folder as an unprivileged
# user, listening on loopback only, on a free port. Defines start_postgres, stop_postgres and,
# once started, POSTGRES_URL (a superuser role, so the tests may create their databases).

POSTGRES_USER_NAME=postgres

find_postgres_bin() {
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return
  fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$found" ]; then
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
    found=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$found"
}

free_port() {
  # Asks the kernel for a free port on loopback (with the project's Node, present after npm ci).
  node_modules/.bin/node -e \
    'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => {
       console.log(s.address().port); s.close(); });'
}

as_postgres_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$POSTGRES_USER_NAME" -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  local bin port
  bin=$(find_postgres_bin)
  POSTGRES_BIN=$bin
  if [ "$(id -u)" = 0 ] && ! id "$POSTGRES_USER_NAME" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$POSTGRES_USER_NAME"
  fi
  POSTGRES_DIR=$(mktemp -d)
  chmod 755 "$POSTGRES_DIR"
  if [ "$(id -u)" = 0 ]; then
    chown "$POSTGRES_USER_NAME" "$POSTGRES_DIR"
  fi
  port=$(free_port)
  as_postgres_user "$bin/initdb" -D "$POSTGRES_DIR/data" -U test --auth=trust -E UTF8 \
    --no-sync >/dev/null
  as_postgres_user "$bin/pg_ctl" -D "$POSTGRES_DIR/data" -l "$POSTGRES_DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $POSTGRES_DIR -c fsync=off" start >/dev/null
  POSTGRES_URL="postgres://test@127.0.0.1:$port/postgres"
  export POSTGRES_URL
  "$bin/postgres" --version
  echo "PostgreSQL listening on 127.0.0.1:$port"
}

stop_postgres() {
  if [ -z "${POSTGRES_DIR:-}" ]; then
    return
  fi
  if [ -f "$POSTGRES_DIR/data/postmaster.pid" ]; then
    as_postgres_user "$POSTGRES_BIN/pg_ctl" -D "$POSTGRES_DIR/data" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$POSTGRES_DIR"
}
