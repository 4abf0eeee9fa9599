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
export PORT="${PORT:-3000}"
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
WORKER_PORT="${WORKER_PORT:-3001}" node apps/worker/dist/main.js & pids+=($!)

url="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -fsS "$url/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

cat >&2 <<INFO

  prefs is running
    API:            $url
    secret key:     $PREFS_BOOTSTRAP_KEY   (environment "development")
    dashboard:      $url/admin/queues   (user $ADMIN_USER, password $ADMIN_PASSWORD)
    health:         $url/readyz   (worker: http://127.0.0.1:${WORKER_PORT:-3001}/readyz)
    metrics:        $url/metrics   (worker: http://127.0.0.1:${WORKER_PORT:-3001}/metrics)
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
