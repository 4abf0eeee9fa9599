#!/usr/bin/env bash
# `npm start`: the whole system on this machine, in the foreground. Installs dependencies if missing,
# uses PostgreSQL and Redis where they answer (else starts them: docker compose, project-local instances
# under .local/, or apt), migrates, builds, then runs the API and one worker until Ctrl-C.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_deps
ensure_services
build
cd "$ROOT"
say "migrating $DATABASE_URL"
npm run --silent db:migrate

mkdir -p "$LOCAL_DIR"
# A development key, made once and kept in .local/ (git-ignored) so it survives restarts.
if [ -z "${PREFS_BOOTSTRAP_KEY:-}" ]; then
  [ -s "$LOCAL_DIR/dev-key" ] || node -e 'process.stdout.write("sk_" + require("crypto").randomBytes(32).toString("base64url"))' > "$LOCAL_DIR/dev-key"
  PREFS_BOOTSTRAP_KEY="$(cat "$LOCAL_DIR/dev-key")"
fi
export PREFS_BOOTSTRAP_KEY
# PORT=0 or WORKER_PORT=0 (or a port already taken) gets a free port, chosen here so the banner names it.
wanted_port="${PORT:-3000}"
PORT="$(usable_port "$wanted_port")"
[ "$PORT" = "$wanted_port" ] || [ "$wanted_port" = 0 ] || say "port $wanted_port is taken; the API uses $PORT"
export PORT
# Links in emails start with PUBLIC_URL, never with a request's Host header.
export PUBLIC_URL="${PUBLIC_URL:-http://127.0.0.1:$PORT}"
wanted_worker_port="${WORKER_PORT:-3001}"
WORKER_PORT="$(usable_port "$wanted_worker_port")"
[ "$WORKER_PORT" = "$wanted_worker_port" ] || [ "$wanted_worker_port" = 0 ] || say "WORKER_PORT $wanted_worker_port is taken; the worker uses $WORKER_PORT"
export WORKER_PORT
export ADMIN_USER="${ADMIN_USER:-admin}"
if [ -z "${ADMIN_PASSWORD:-}" ]; then
  [ -s "$LOCAL_DIR/admin-password" ] || node -e 'process.stdout.write(require("crypto").randomBytes(12).toString("base64url"))' > "$LOCAL_DIR/admin-password"
  ADMIN_PASSWORD="$(cat "$LOCAL_DIR/admin-password")"
fi
export ADMIN_PASSWORD

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

# A bounded V8 heap per process (docs/scaling.md, Memory), as the Dockerfiles set it.
export NODE_OPTIONS="${NODE_OPTIONS:---max-old-space-size=160 --max-semi-space-size=4}"
node apps/api/dist/main.js & pids+=($!)
node apps/worker/dist/main.js & pids+=($!)

url="http://127.0.0.1:$PORT"
worker_url="http://127.0.0.1:$WORKER_PORT"
for _ in $(seq 1 100); do curl -fsS "$url/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
for _ in $(seq 1 100); do curl -fsS "$worker_url/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

cat >&2 <<INFO

  prefs is running
    API:            $url
    links:          $PUBLIC_URL   (PUBLIC_URL)
    secret key:     $PREFS_BOOTSTRAP_KEY   (environment "development")
    dashboard:      $url/admin/queues   (user $ADMIN_USER, password $ADMIN_PASSWORD)
    health:         $url/readyz   (worker: $worker_url/readyz)
    metrics:        $url/metrics   (worker: $worker_url/metrics)
    API document:   $url/openapi.json

  Set the preferences of 1,000 users:
    curl -s -X POST $url/v1/users/bulk/preferences \\
      -H "Authorization: Bearer $PREFS_BOOTSTRAP_KEY" -H "Content-Type: application/json" \\
      -d "{\"user_ids\": \$(node -e 'console.log(JSON.stringify(Array.from({length: 1000}, (_, i) => "user-" + i)))'), \"preferences\": {\"categories\": {\"marketing\": false}, \"channel_types\": {\"sms\": false}}}"

  Poll it (the id is in the answer above):
    curl -s $url/v1/bulk_operations/<id> -H "Authorization: Bearer $PREFS_BOOTSTRAP_KEY"

  Read a user back:
    curl -s $url/v1/users/user-42/preferences/default -H "Authorization: Bearer $PREFS_BOOTSTRAP_KEY"

  Ctrl-C stops both processes.

INFO
wait -n "${pids[@]}" || true
