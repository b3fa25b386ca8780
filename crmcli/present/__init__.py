"""Presentation shared by the CLI and the TUI: money, dates, counts and error messages as text."""
