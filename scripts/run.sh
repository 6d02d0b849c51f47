#!/usr/bin/env bash
# Start the worker and the web server for `make run`, print the address and the demo
# logins, and stop both on Ctrl+C.
set -euo pipefail
host="${1:-127.0.0.1}"; port="${2:-8000}"
bin=.venv/bin
export MISPER_DEMO=1
# Links in emails and webhooks point at the address Misper is served on (PORT included).
export SITE_URL="${SITE_URL:-http://$host:$port}"
"$bin/misper" worker &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT INT TERM
echo
echo "Misper (demo mode) is starting at http://$host:$port"
echo
"$bin/misper" demo
echo
echo "Open http://$host:$port and sign in with any login above. Press Ctrl+C to stop."
echo
"$bin/misper" runserver "$host:$port" --noreload
