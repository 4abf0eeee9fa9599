# Shared by scripts/start.sh and scripts/test.sh: install what is missing, make sure PostgreSQL and Redis
# answer (starting them if needed), and build. Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="${PREFS_LOCAL_DIR:-$ROOT/.local}"
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 NEXT_TELEMETRY_DISABLED=1
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/prefs}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

say() { printf '\033[1;34m[prefs]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[prefs]\033[0m %s\n' "$*" >&2; exit 1; }

# host and port of a URL such as postgresql://user@host:5432/db
url_host() { local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"; echo "${rest%%:*}"; }
url_port() { local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"; [[ "$rest" == *:* ]] && echo "${rest##*:}" || echo "$2"; }

reachable() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# The port a server asked for $1 will get: $1 itself when it is free, else (0, or taken) one the system
# picks. Start-up passes this to the server, so what the banner prints is the port it really listens on.
usable_port() { # wanted-port
  node -e '
    const server = require("net").createServer();
    server.once("listening", () => { process.stdout.write(String(server.address().port)); server.close(); });
    server.once("error", () => server.listen(0, "0.0.0.0"));
    server.listen(Number(process.argv[1]), "0.0.0.0");
  ' "$1"
}

wait_reachable() { # host port what
  for _ in $(seq 1 60); do reachable "$1" "$2" && return 0; sleep 0.5; done
  die "$3 did not come up on $1:$2"
}

ensure_deps() {
  cd "$ROOT"
  if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing dependencies (npm ci)"
    npm ci --no-audit --no-fund
  fi
}

docker_engine() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

find_pg_bin() { # prints the folder holding initdb and pg_ctl, if any
  local dir
  for dir in "$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)")" /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

apt_install() {
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $* with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    return 0
  fi
  return 1
}

start_local_postgres() { # port
  local bin; bin="$(find_pg_bin)" || return 1
  local data="$LOCAL_DIR/postgres"
  mkdir -p "$LOCAL_DIR"
  local run=()
  if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses to run as root: run it as the postgres system user.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    run=(runuser -u postgres --)
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    say "creating a project-local PostgreSQL in .local/postgres"
    mkdir -p "$data"; [ ${#run[@]} -gt 0 ] && chown postgres "$LOCAL_DIR" "$data"
    "${run[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust >/dev/null
  fi
  say "starting the project-local PostgreSQL on port $1"
  "${run[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -o "-p $1 -k /tmp -c listen_addresses=127.0.0.1" -w start >/dev/null
}

start_local_redis() { # port
  command -v redis-server >/dev/null 2>&1 || return 1
  mkdir -p "$LOCAL_DIR/redis"
  say "starting a project-local Redis on port $1 (.local/redis, AOF on, noeviction)"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$1" --dir "$LOCAL_DIR/redis" --appendonly yes \
    --maxmemory-policy noeviction --logfile "$LOCAL_DIR/redis/redis.log"
  echo "$1" > "$LOCAL_DIR/redis/port"
}

ensure_postgres() {
  local host port; host="$(url_host "$DATABASE_URL")"; port="$(url_port "$DATABASE_URL" 5432)"
  reachable "$host" "$port" && return 0
  say "PostgreSQL is not reachable on $host:$port"
  if docker_engine; then
    say "starting PostgreSQL with docker compose"; docker compose -f "$ROOT/docker/compose.yml" up -d postgres
  elif start_local_postgres "$port"; then :
  elif apt_install postgresql; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || start_local_postgres "$port"
  else
    die "PostgreSQL is not running. Start one (e.g. 'docker compose -f docker/compose.yml up -d postgres redis') or set DATABASE_URL."
  fi
  wait_reachable "$host" "$port" PostgreSQL
}

ensure_redis() {
  # A Redis Cluster is the operator's to run: npm start only starts a single Redis.
  if [[ "$REDIS_URL" == redis+cluster://* || "$REDIS_URL" == rediss+cluster://* ]]; then
    say "using the Redis Cluster named by REDIS_URL"; return 0
  fi
  local host port; host="$(url_host "$REDIS_URL")"; port="$(url_port "$REDIS_URL" 6379)"
  reachable "$host" "$port" && return 0
  say "Redis is not reachable on $host:$port"
  if docker_engine; then
    say "starting Redis with docker compose"; docker compose -f "$ROOT/docker/compose.yml" up -d redis
  elif start_local_redis "$port"; then :
  elif apt_install redis-server; then
    start_local_redis "$port"
  else
    die "Redis is not running. Start one (e.g. 'docker compose -f docker/compose.yml up -d redis') or set REDIS_URL."
  fi
  wait_reachable "$host" "$port" Redis
}

ensure_services() { ensure_postgres; ensure_redis; }

# The browser test drives a real headless Chromium (Debian's `chromium` package). Installed with apt when
# root on Debian or Ubuntu; otherwise that test is skipped and says so (the same calls run from Node).
chromium_path() {
  local candidate
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome /snap/bin/chromium; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  return 1
}

ensure_chromium() {
  chromium_path >/dev/null && return 0
  if apt_install chromium && chromium_path >/dev/null; then return 0; fi
  say "no Chromium found and it cannot be installed here (needs root on Debian/Ubuntu: apt-get install chromium, or set CHROMIUM_PATH): the browser test will be skipped"
}

# Stops the project-local instances that start_local_postgres/start_local_redis started, if any.
stop_local_services() {
  local bin data="$LOCAL_DIR/postgres" run=()
  if [ -f "$data/postmaster.pid" ] && bin="$(find_pg_bin)"; then
    [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
    "${run[@]}" "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
  fi
  if [ -f "$LOCAL_DIR/redis/port" ]; then
    redis-cli -p "$(cat "$LOCAL_DIR/redis/port")" shutdown nosave >/dev/null 2>&1 || true
  fi
}

build() {
  cd "$ROOT"
  say "building"
  npx turbo run build --output-logs=errors-only
}
