"""How `--help` (and the man pages) show commands and their parameters.

Typer would show a parameter without a metavar by its Python type (`--title <str>`,
`--email <list[str]>`) and a required argument in braces (`{name}`), and click cuts a
command's one-line summary at 45-odd characters, often in the middle of its example
(`List deals: crm deal list status:open...`). `tidy` fixes both on a built command tree,
once, when a noun is built: every value gets a word for a metavar (`--title TITLE`,
`NAME`, `REF...`), and every command a summary that is a whole sentence (the first
sentence of its help, without the example or detail after a colon or semicolon).
"""

from __future__ import annotations

import re
from typing import Any

#: The longest summary kept whole; a longer one loses its example or details.
SUMMARY_LIMIT = 64

#: Metavars by the option's last word, where the word alone would read oddly.
_WORDS = {"note": "TEXT", "text": "TEXT", "reason": "TEXT", "body": "TEXT"}


def tidy(command: Any, *, recurse: bool = True) -> Any:
    """`command` and everything under it (unless not `recurse`: the root's nouns are built
    lazily), with conventional metavars and whole summaries."""
    if command.help and not command.short_help:
        command.short_help = summary(command.help)
    for param in command.params:
        _tidy_param(param)
    help_option = command.get_help_option

    def tidied_help_option(ctx: Any) -> Any:
        option = help_option(ctx)
        if option is not None:
            _tidy_param(option)
        return option

    command.get_help_option = tidied_help_option
    for sub in getattr(command, "commands", {}).values() if recurse else ():
        tidy(sub)
    return command


def summary(text: str) -> str:
    """The first sentence of `text`, shortened to its first clause when too long."""
    first = " ".join(text.strip().split("\n\n")[0].split())
    sentence = _first_sentence(first)
    example = sentence.find(": crm ")
    if example > 0:  # "Search everything: crm search acme renewal"
        sentence = sentence[:example]
    if len(sentence) > SUMMARY_LIMIT:
        clause = _first_clause(sentence)
        if clause:
            sentence = clause
    if len(sentence) > SUMMARY_LIMIT:
        sentence = re.sub(r"\s*\([^)]*\)", "", sentence)
    sentence = sentence.rstrip(" .:;,")
    return sentence + "."


def _first_sentence(text: str) -> str:
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "." and depth == 0 and (index + 1 == len(text) or text[index + 1] == " "):
            return text[: index + 1]
    return text


def _first_clause(text: str) -> str | None:
    """`text` up to its first ": " or "; " outside brackets and backquotes."""
    depth = 0
    quoted = False
    for index, char in enumerate(text[:-1]):
        if char == "`":
            quoted = not quoted
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char in ":;" and text[index + 1] == " " and depth == 0 and not quoted:
            return text[:index]
    return None


def _tidy_param(param: Any) -> None:
    if param.param_type_name == "argument":
        if param.metavar is None:
            param.metavar = param.name.upper()
        if param.nargs != 1 and not param.metavar.endswith("..."):
            param.metavar += "..."
        metavar = param.metavar
        usage = metavar if param.required else f"[{metavar}]"
        # Typer would show `REF <str>` in the list and `{REF}` in the usage line.
        param.display_type_rich = lambda ctx: None
        param._usage_display_name = lambda: usage
        param._rich_display_name = lambda: metavar
    elif param.is_flag or param.count:
        param.display_type_rich = lambda ctx: None  # typer's rich help: `--json <bool>`
    elif param.param_type_name == "option" and param.metavar is None:
        longest = max(param.opts, key=len).lstrip("-")
        word = longest.split("-")[-1]
        param.metavar = _WORDS.get(word, word.upper())
