"""crmcli: the core of a terminal-first CRM.

This package holds the models, the store, the services, the filter and date languages and
import/export. It never imports typer, textual or rich: the CLI (`crmcli.commands`) and the
TUI (`crmcli.tui`) are thin faces over it. Keep this module import-free so that
`crm --version` stays fast.
"""

__version__ = "0.1.0"
