#!/usr/bin/env bash
# Fault injection for the worker (docs/worker.md): runs two `misper worker` processes
# against $DATABASE_URL and kills one of them with SIGKILL every $FAULT_INTERVAL seconds,
# $FAULT_KILLS times, restarting it each time; then lets one worker finish the due work
# and prints what is left. Nothing may be left open, and no deadline acted on twice.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/misper_staging scripts/fault-worker.sh
#
# Use a test or staging database with due deadlines (never production). The same run
# with checks is tests/worker/test_processes.py (1,000 deadlines, PostgreSQL).
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to the database to exercise}"
KILLS=${FAULT_KILLS:-5}
INTERVAL=${FAULT_INTERVAL:-1}
MISPER=${MISPER:-$(dirname "$0")/../.venv/bin/misper}
export DATABASE_URL

report() {
    "$MISPER" shell -c '
from django.db.models import Count
from django.utils import timezone
from misper.agencies.models import Deadline, TimelineEvent
due = Deadline.objects.filter(due__lte=timezone.now())
print("due deadlines by status:", dict(due.values_list("status").annotate(n=Count("id"))))
doubled = (TimelineEvent.objects.filter(verb__in=["deadline_due", "escalated_to_missing"])
    .exclude(changes__deadline=None).values("changes__deadline").annotate(n=Count("id"))
    .filter(n__gt=1).count())
print("deadlines with more than one effect on the timeline:", doubled)
'
}

echo "before:"; report
"$MISPER" worker --interval 0.2 &
steady=$!
"$MISPER" worker --interval 0.2 &
victim=$!
for i in $(seq "$KILLS"); do
    sleep "$INTERVAL"
    kill -KILL "$victim" 2>/dev/null || true
    wait "$victim" 2>/dev/null || true
    echo "kill $i: worker $victim killed"
    "$MISPER" worker --interval 0.2 &
    victim=$!
done
kill -TERM "$victim" "$steady" 2>/dev/null || true
wait "$victim" "$steady" 2>/dev/null || true
"$MISPER" worker --exit-when-idle --interval 0.2
echo "after:"; report
