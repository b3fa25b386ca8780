"""Presentation shared by the CLI and the TUI: money, dates, counts, the board's figures as
text, and stored text made safe to show. Pure Python: no typer, textual or rich."""
