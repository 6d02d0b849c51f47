#!/usr/bin/env bash
# The fault run (docs/worker.md): $FAULT_N episodes whose absent time limits are due, acted
# on by two `misper worker` processes at once while one of them is killed with SIGKILL
# $FAULT_KILLS times ($FAULT_GAP s apart, restarted each time) and the SMTP server on
# loopback is down for $FAULT_OUTAGE s. Each action emails and sends a signed webhook to
# the child's local authority through real receivers (aiosmtpd, http.server) started here.
# At the end it checks, and prints, the counts: deadlines acted on once, every message
# delivered, emails by Message-ID, webhooks by Misper-Event-Id, failed attempts recorded.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/misper_fault scripts/fault-run.sh
#
# PostgreSQL only. The run uses a throwaway database named test_<name of DATABASE_URL's
# database> (created and dropped by pytest-django; never point it at production). It is
# tests/worker/test_combined_run.py, run with its output shown.
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL=postgres://... (a test database is made from it)}"
case "$DATABASE_URL" in
    postgres://* | postgresql://*) ;;
    *) echo "fault-run.sh needs PostgreSQL (SKIP LOCKED): DATABASE_URL=postgres://..." >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
export DATABASE_URL FAULT_N=${FAULT_N:-1000} FAULT_KILLS=${FAULT_KILLS:-5} \
    FAULT_GAP=${FAULT_GAP:-4} FAULT_OUTAGE=${FAULT_OUTAGE:-4}
exec "${PYTEST:-.venv/bin/pytest}" tests/worker/test_combined_run.py -q -s -p no:cacheprovider \
    --ds=misper.config.test_settings -m postgres --create-db "$@"
