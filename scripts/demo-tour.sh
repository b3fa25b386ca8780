#!/bin/sh
# A short tour of the CLI on the demo database (CRM_DB is set by `make demo`).
# Opens the TUI instead when it is available and stdout is a terminal.
crm="$1"
if [ -t 1 ] && "$crm" tui --help >/dev/null 2>&1; then
    exec "$crm" tui
fi
step() { printf '\n$ crm %s\n' "$*"; "$crm" "$@" --format table; }
step inbox
step customer list tag:vip
step deal list status:open --sort -value --limit 10
step search renewal --limit 5
# crm is not on the PATH after `make demo`: name it by its path (or activate the venv).
printf '\nThe demo database is %s; open it in the TUI with: CRM_DB=%s %s tui\n' "$CRM_DB" "$CRM_DB" "$crm"
