#!/usr/bin/env bash
# `make fuzz` (and CI): schemathesis against the running API, as a signed-in user with a
# personal token, on a throwaway demo database. Bounded in time; fails on any server error
# (5xx) and on any status code the OpenAPI document does not declare (an undocumented 400
# or 422 included).
#
#   MISPER_FUZZ_SECONDS  time budget per user (default 90)
#   MISPER_FUZZ_PORT     port of the server it starts (default 8765)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
seconds="${MISPER_FUZZ_SECONDS:-90}"
port="${MISPER_FUZZ_PORT:-8765}"
work="$(mktemp -d)"
export MISPER_VAR_DIR="$work" MISPER_DEMO=1 DATABASE_URL="sqlite:///$work/fuzz.sqlite3"
unset MISPER_TESTING

"$bin/misper" migrate --no-input -v 0
"$bin/misper" demo --quiet
"$bin/misper" runserver "127.0.0.1:$port" --noreload >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { echo "fuzz: the server did not start"; cat "$work/server.log"; exit 1; }

token_for() {
  "$bin/misper" shell -c "
from misper.agencies.models import User
from misper.agencies.services import api_token_create
print(api_token_create(actor=User.objects.get(email='$1'), name='fuzz').secret)"
}

# Real records for the path parameters, so that the generated bodies reach the services
# (an unknown id is a 404 before anything else; the access matrix covers those).
"$bin/misper" shell -c "
from misper.episodes.models import Episode, Transfer
from misper.people.models import Flag, PersonShare
from misper.notifications.models import Message
from misper.agencies.models import Organisation
from misper.returns.models import Disclosure, InformationRequest, Recommendation, Referral, State
from misper.interventions.models import Meeting, MeetingAction, TriggerRecord
ep = Episode.objects.filter(status='open', restricted=False).order_by('pk').first()
# An open referral of the demo provider's, so that the returns operations reach the services.
ref = Referral.objects.exclude(state=State.CLOSED).filter(interviewer__code='safe-return').order_by('pk').first()
def first(model):
    row = model.objects.order_by('pk').first()
    return row.pk if row else 1
ids = {
    'episode_id': ep.pk,
    'person_id': ep.person_id,
    'flag_id': (Flag.objects.filter(person_id=ep.person_id).first() or Flag.objects.first()).pk,
    'area_id': ep.owning_area_id,
    'organisation_id': ep.owning_area_id,
    'message_id': Message.objects.order_by('pk').first().pk,
    'transfer_id': (Transfer.objects.order_by('pk').first().pk if Transfer.objects.exists() else 1),
    'share_id': (PersonShare.objects.order_by('pk').first().pk if PersonShare.objects.exists() else 1),
    'referral_id': ref.pk,
    'request_id': first(InformationRequest),
    'disclosure_id': first(Disclosure),
    'recommendation_id': first(Recommendation),
    'trigger_id': first(TriggerRecord),
    'meeting_id': first(Meeting),
    'action_id': first(MeetingAction),
}
print('[parameters]')
for name, value in ids.items():
    print(f'\"path.{name}\" = {value}')
" | sed -n '/^\[parameters\]/,$p' > "$work/schemathesis.toml"
cat "$work/schemathesis.toml"

status=0
# A duty inspector (reaches every police operation), a social worker (the partner's view,
# placements and sharing), a return-interview worker (the referrals) and a missing person
# coordinator (the repeat-missing triggers and meetings, flag requests).
for email in inspector@vale-police.demo socialworker@vale-cc.demo rhi@safe-return.demo coordinator@vale-police.demo; do
  echo "== fuzz: the API as $email, ${seconds}s =="
  token="$(token_for "$email" | tail -n 1 | tr -d "[:space:]")"
  "$bin/schemathesis" --config-file "$work/schemathesis.toml" run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance \
    --max-time "$seconds" --max-examples 30 --workers 1 --seed 20261207 \
    --request-timeout 20 --generation-database none --no-color \
    --output-truncate true || status=1
done
requests=$(grep -c '"[A-Z]* /api/v1/[^"]*" [0-9][0-9][0-9] ' "$work/server.log" || true)
errors=$(grep -c '"[A-Z]* /api/v1/[^"]*" 5[0-9][0-9] ' "$work/server.log" || true)
echo "fuzz: $requests API requests, $errors server errors (5xx)"
if [ "$errors" != "0" ]; then
  grep -B2 -A20 '" 5[0-9][0-9] ' "$work/server.log" | head -60
  status=1
fi
exit "$status"
