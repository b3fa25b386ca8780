#!/bin/sh
# The README's five-minute tour, runnable: `make tour`, or `sh scripts/tour.sh` with `crm` on
# the PATH. The lines between the markers are exactly the README's tour (tests/cli/test_tour.py
# checks that, and runs this script against a fresh database in CI).
#
# It runs in a temporary folder on a fresh database: CRM_DB if set (it must be empty), else
# a temporary one, so your own data is never touched.
set -eu

if ! command -v crm >/dev/null 2>&1; then
    echo "tour: crm is not on the PATH: run '. .venv/bin/activate' (after 'make demo') or 'pipx install .'" >&2
    exit 127
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/crm-tour.XXXXXX")
trap 'rm -rf "$work"' EXIT
case "${CRM_DB:-}" in
    "") CRM_DB="$work/crm.db" ;;
    *://* | /*) ;;
    *) CRM_DB="$PWD/$CRM_DB" ;;
esac
export CRM_DB
cd "$work"
if [ -n "$(crm customer list --limit 1 --format ids)" ]; then
    echo "tour: $CRM_DB already holds data; the tour needs a fresh database" >&2
    exit 2
fi
[ -t 2 ] && set -x  # on a terminal, show each command before its output

# tour:begin
crm company add "Acme Corp" --domain acme.com --industry software --tag partner
crm customer add "Ada Lovelace" -e ada@acme.com -e ada@example.com -p "+44 20 7946 0001" \
    --company acme --title CTO --tag vip --owner alice --set income=52000 --set plan=gold
crm customer list tag:vip 'income>50000'
crm customer show ada@acme.com            # REF: an id, an email, or part of a name
crm customer edit ada --untag vip --primary-email ada@example.com --set plan=

deal=$(crm deal add "Engines for Acme" --customer ada --value 12000.50 --currency EUR --close eom)
crm deal move "$deal" proposal            # recorded with who and when
crm deal won "$deal"                       # or: crm deal lost "$deal" --reason price
crm deal history "$deal"
crm pipeline add Renewals --stage Due:30 --stage Quoted:60 --stage Renewed:100 --stage Churned:0
renewal=$(crm deal add "Acme renewal 2027" --customer ada --pipeline renewals --value 9000 --currency EUR)

crm log ada call "Discussed the renewal" --deal "$renewal" --remind "in 3 days"
printf 'Wants 24 engines.\nSend the quote by Friday.\n' | crm log ada meeting "Engine order" --body -
crm timeline ada                           # interactions, stage changes, reminders; newest first
call=$(crm remind add ada "today 17:00" "Call back about the quote")
crm inbox                                  # overdue + due today
crm remind snooze "$call" "next monday 10:00"
crm remind list customer:ada               # open reminders, soonest first
crm remind done $(crm remind list customer:ada --format ids)   # all of Ada's

crm search acme renewal                    # full-text over everything, with filters too
crm deal list status:open 'value>5000' --sort -value
crm export > backup.ndjson                 # the whole database, one object per line
crm import backup.ndjson --dry-run         # "Would import: 0 created, 14 updated"
# tour:end
