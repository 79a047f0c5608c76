#!/usr/bin/env bash
# Smoke test of the README's first command: `make run` on SQLite must start and serve / and /en/.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${SMOKE_PORT:-8765}
log=$(mktemp)
unset DATABASE_URL

setsid make run PORT="$port" >"$log" 2>&1 &
pid=$!
cleanup() { kill -- -"$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap cleanup EXIT

for _ in $(seq 1 300); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "make run exited early:"; cat "$log"; exit 1; fi
  sleep 1
done
for path in / /en/ /healthz /survey/traveller-survey/ /en/survey/traveller-survey/; do
  if ! curl -fsS -o /dev/null "http://127.0.0.1:$port$path"; then
    echo "smoke: GET $path failed"; tail -50 "$log"; exit 1
  fi
  echo "smoke: GET $path ok"
done
grep -q "Demo content is ready." "$log" || { echo "smoke: seed_demo did not finish"; cat "$log"; exit 1; }
echo "smoke: make run serves the site on SQLite"
