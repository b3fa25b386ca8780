"""`crm completion bash|zsh|fish`: the shell completion script (also kept in completions/),
and the other end of it: what crm answers when a shell asks at TAB time.

The scripts are click's dynamic kind: at each TAB the shell runs `crm` with `_CRM_COMPLETE`
set (`bash_complete`, `zsh_complete` or `fish_complete`) and the words typed so far, and crm
prints the candidates, one per line, each with its type:

- `plain`: a value (a command, an option, a name, a stage, a tag ...), with a description
  where zsh and fish show one;
- `nospace`: a value the shell must not follow with a space (a filter field, `tag:`, whose
  value comes next);
- `file`: this parameter takes a file name (`--db`, `import FILE`): the shell completes
  paths itself. Nowhere else does a TAB fall back to file names.

Values of arguments and options come from `crmcli.commands.completers` (typer's
`autocompletion=`). The instruction names of typer's older scripts (`complete_bash` ...)
are still answered by typer, so a script saved from an earlier crm keeps working.

Bash splits the command line at `:` and `=` (COMP_WORDBREAKS) and then replaces only the
text after the last of them, so crm reads the whole line (COMP_LINE) and answers with what
goes after that break (or after an open quote). The script has bash quote what it inserts
as it quotes file names (`compopt -o filenames`), so `Ada Lovelace` goes in as
`Ada\\ Lovelace`, or inside the quote the user opened.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from crmcli.commands import completers

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_CRM_COMPLETE"

BASH_SCRIPT = r"""# crm completion for bash 4.4+: eval "$(crm completion bash)" in ~/.bashrc, or save
# this file as ~/.local/share/bash-completion/completions/crm. Values (names, stages,
# tags, filter fields ...) come from crm at each TAB.
_crm_completion() {
    local IFS=$'\n'
    local response item type value
    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD="$COMP_CWORD" \
        COMP_LINE="$COMP_LINE" COMP_POINT="$COMP_POINT" COMP_WORDBREAKS="$COMP_WORDBREAKS" \
        _CRM_COMPLETE=bash_complete "$1" 2>/dev/null)
    COMPREPLY=()
    for item in $response; do
        type=${item%%,*}
        value=${item#*,}
        case $type in
            file) COMPREPLY=(); compopt -o default; return 0 ;;
            nospace) compopt -o nospace; COMPREPLY+=("$value") ;;
            plain) compopt -o filenames; COMPREPLY+=("$value") ;;
        esac
    done
    return 0
}

complete -o nosort -F _crm_completion crm
"""

ZSH_SCRIPT = r"""#compdef crm
# crm completion for zsh: eval "$(crm completion zsh)" in ~/.zshrc (after compinit), or
# save this file as _crm in a folder of your $fpath. Values (names, stages, tags, filter
# fields ...) come from crm at each TAB.

_crm_completion() {
    local -a response described plain nospace
    local type key descr
    (( ! $+commands[crm] )) && return 1
    response=("${(@f)$(env COMP_WORDS="${words[*]}" COMP_CWORD=$((CURRENT-1)) \
        _CRM_COMPLETE=zsh_complete crm 2>/dev/null)}")
    for type key descr in ${response}; do
        case $type in
            plain)
                if [[ $descr == _ ]]; then plain+=("$key"); else described+=("$key:$descr"); fi ;;
            nospace) nospace+=("$key") ;;
            file) _path_files -f ;;
        esac
    done
    (( $#described )) && _describe -V unsorted described -U
    (( $#plain )) && compadd -U -V unsorted -a plain
    (( $#nospace )) && compadd -U -V unsorted -S '' -a nospace
    return 0
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _crm_completion "$@"
else
    compdef _crm_completion crm
fi
"""

FISH_SCRIPT = r"""# crm completion for fish: crm completion fish > ~/.config/fish/completions/crm.fish
# Values (names, stages, tags, filter fields ...) come from crm at each TAB.
function _crm_completion
    set -l response (env _CRM_COMPLETE=fish_complete COMP_WORDS=(commandline -cp) \
        COMP_CWORD=(commandline -t) crm 2>/dev/null)
    for item in $response
        set -l parts (string split -m 1 "," -- $item)
        switch $parts[1]
            case file
                __fish_complete_path $parts[2]
            case plain nospace
                printf '%s\n' $parts[2]
        end
    end
end

complete --no-files --command crm --arguments "(_crm_completion)"
"""

SCRIPTS = {"bash": BASH_SCRIPT, "zsh": ZSH_SCRIPT, "fish": FISH_SCRIPT}

#: The instructions the scripts above send (click's names), by shell.
INSTRUCTIONS = {f"{shell}_complete": shell for shell in SHELLS}


def script(shell: str) -> str:
    return SCRIPTS[shell]


def completion(
    shell: Annotated[
        str,
        typer.Argument(
            help="bash, zsh or fish.", metavar="SHELL", autocompletion=completers.shells
        ),
    ],
) -> None:
    """Print the completion script: eval "$(crm completion bash)", or save it where your shell looks."""
    from crmcli.kernel.errors import InvalidInput

    if shell not in SHELLS:
        raise InvalidInput(f"unknown shell '{shell}': use {', '.join(SHELLS)}")
    typer.echo(script(shell), nl=False)


# --- answering a TAB -------------------------------------------------------------------------


def answer(cli: Any, instruction: str) -> int:
    """Print the candidates a completion script asked for (never an error: a shell cannot
    show one, so anything that goes wrong means no candidates)."""
    shell = INSTRUCTIONS[instruction]
    try:
        lines = _ANSWERERS[shell](cli)
    except Exception:
        lines = []
    if lines:
        typer.echo("\n".join(lines))
    return 0


def candidates(cli: Any, args: list[str], incomplete: str) -> tuple[list[Any], str]:
    """The completion items for `incomplete` after `args` (the words after `crm`), and the
    part of `incomplete` they replace (after `--option=`, the value only)."""
    from typer._click.core import Parameter
    from typer._click.shell_completion import (
        CompletionItem,
        _resolve_context,
        _resolve_incomplete,
    )

    ctx = _resolve_context(cli, {}, "crm", list(args))
    target: Any = _option_awaiting_value(ctx, args, incomplete)
    if target is not None:
        word = incomplete
    else:
        target, word = _resolve_incomplete(ctx, list(args), incomplete)
    items = target.shell_complete(ctx, word)
    if isinstance(target, Parameter) and not items and _takes_a_file(target):
        return [CompletionItem(word, type="file")], word
    for item in items:
        if item.type == "plain" and str(item.value).endswith(":"):
            item.type = "nospace"
    return items, word


def _option_awaiting_value(ctx: Any, args: list[str], incomplete: str) -> Any:
    """The option whose value is being typed when that value starts with `-` (`--sort
    -val`), which click would take for the start of another option."""
    if not incomplete.startswith("-") or not args or "--" in args:
        return None
    for param in ctx.command.get_params(ctx):
        opts = getattr(param, "opts", [])
        takes_value = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
        if takes_value and args[-1] in [*opts, *getattr(param, "secondary_opts", [])]:
            return param if param.param_type_name == "option" else None
    return None


def _takes_a_file(param: Any) -> bool:
    """A parameter whose value is a path (its metavar says FILE or PATH)."""
    metavar = (getattr(param, "metavar", None) or "").upper()
    return "FILE" in metavar or "PATH" in metavar


# --- bash --------------------------------------------------------------------------------


def _bash(cli: Any) -> list[str]:
    line = os.environ.get("COMP_LINE")
    if line is None:  # asked without the line: the words as bash split them
        return _bash_from_words(cli)
    point = int(os.environ.get("COMP_POINT") or len(line))
    if point < len(line) and len(line.encode()) != point:
        line = line[:point]
    breaks = os.environ.get("COMP_WORDBREAKS", "\"'><=;|&(:")
    words, raw, quote = split_line(line)
    from typer._click.shell_completion import split_arg_string

    args = split_arg_string(" ".join(words[1:]))
    incomplete = split_arg_string(raw)[0] if raw else ""
    items, word = candidates(cli, args, incomplete)
    if quote:  # readline replaces the text after the opening quote, and closes it
        replaced = raw[raw.index(quote) + 1 :]
    else:
        cut = max(
            (i + 1 for i, c in enumerate(raw) if c in breaks and c not in "\"' \t\n"), default=0
        )
        replaced = split_arg_string(raw[cut:])[0] if raw[cut:] else ""
    out = []
    for item in items:
        value = _relative(str(item.value), word, incomplete, replaced)
        if value is None:
            continue
        out.append(f"{item.type},{value}")
    return out


def _bash_from_words(cli: Any) -> list[str]:
    from typer._click.shell_completion import split_arg_string

    cwords = split_arg_string(os.environ.get("COMP_WORDS", ""))
    cword = int(os.environ.get("COMP_CWORD") or len(cwords))
    args = cwords[1:cword]
    incomplete = cwords[cword] if cword < len(cwords) else ""
    items, _word = candidates(cli, args, incomplete)
    return [f"{item.type},{item.value}" for item in items]


def _relative(value: str, word: str, incomplete: str, replaced: str) -> str | None:
    """A candidate for `word` (the end of `incomplete` that click completes) rewritten for
    `replaced` (the end of it that bash replaces); None if it cannot be."""
    if len(replaced) <= len(word):
        head = word[: len(word) - len(replaced)]
        return value[len(head) :] if value.startswith(head) else None
    return incomplete[len(incomplete) - len(replaced) : len(incomplete) - len(word)] + value


def split_line(line: str) -> tuple[list[str], str, str]:
    """A command line cut at unquoted blanks: the finished words (raw, as typed), the word
    being typed (raw) and the quote left open in it ("" if none)."""
    words: list[str] = []
    start: int | None = None
    quote = ""
    index = 0
    while index < len(line):
        char = line[index]
        if quote:
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"':
                index += 1
        elif char in " \t\n":
            if start is not None:
                words.append(line[start:index])
                start = None
        else:
            if start is None:
                start = index
            if char in "'\"":
                quote = char
            elif char == "\\":
                index += 1
        index += 1
    return words, (line[start:] if start is not None else ""), quote


# --- zsh and fish ----------------------------------------------------------------------------


def _zsh(cli: Any) -> list[str]:
    from typer._click.shell_completion import split_arg_string

    cwords = split_arg_string(os.environ.get("COMP_WORDS", ""))
    cword = int(os.environ.get("COMP_CWORD") or len(cwords))
    incomplete = cwords[cword] if cword < len(cwords) else ""
    items, _word = candidates(cli, cwords[1:cword], incomplete)
    out = []
    for item in items:
        help_text = " ".join((item.help or "").split()) or "_"
        value = str(item.value)
        if help_text != "_":
            value = value.replace(":", r"\:")
        out.append(f"{item.type}\n{value}\n{help_text}")
    return out


def _fish(cli: Any) -> list[str]:
    from typer._click.shell_completion import split_arg_string

    cwords = split_arg_string(os.environ.get("COMP_WORDS", ""))
    incomplete = os.environ.get("COMP_CWORD", "")
    if incomplete:
        incomplete = split_arg_string(incomplete)[0]
    args = cwords[1:]
    if incomplete and args and args[-1] == incomplete:
        args = args[:-1]
    items, _word = candidates(cli, args, incomplete)
    out = []
    for item in items:
        help_text = " ".join((item.help or "").split())
        out.append(
            f"{item.type},{item.value}\t{help_text}" if help_text else f"{item.type},{item.value}"
        )
    return out


_ANSWERERS = {"bash": _bash, "zsh": _zsh, "fish": _fish}
