"""The user's keymap: binding id -> keys, read from a TOML or JSON file.

Every binding of the TUI carries an id (`board.move_next`, `inbox.done`, `app.quit`, ...;
`?` in the app lists them). A file maps ids to the keys that should trigger them instead:

    # ~/.config/crmcli/keymap.toml   (crm tui --keymap FILE or CRM_KEYMAP=FILE elsewhere)
    "board.left" = "a,left"
    "board.right" = ["d", "right"]
    "inbox.done" = "space"

Keys use Textual's names: letters, `shift+left`, `ctrl+x`, `space`, `slash`,
`question_mark`, several separated by commas. A `[keymap]` table is accepted as well as
top-level keys; JSON files hold one object.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

ENV_VAR = "CRM_KEYMAP"


class KeymapError(Exception):
    """The keymap file exists but cannot be used; the message says why."""


def default_path() -> Path:
    """`CRM_KEYMAP`, else keymap.toml (or keymap.json) in the user's config folder."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_config_dir

    folder = Path(user_config_dir("crmcli", appauthor=False))
    toml_file = folder / "keymap.toml"
    json_file = folder / "keymap.json"
    return json_file if json_file.exists() and not toml_file.exists() else toml_file


def load(path: Path | None = None) -> dict[str, str]:
    """The keymap in `path` (default: `default_path()`); {} when there is no file."""
    path = path or default_path()
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as error:
        raise KeymapError(f"cannot read keymap {path}: {error}") from None
    if isinstance(data, dict) and isinstance(data.get("keymap"), dict):
        data = data["keymap"]
    if not isinstance(data, dict):
        raise KeymapError(f"keymap {path}: expected a table of binding id = keys")
    keymap: dict[str, str] = {}
    for binding_id, keys in data.items():
        if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
            keys = ",".join(keys)
        if not isinstance(keys, str) or not keys.strip():
            raise KeymapError(
                f'keymap {path}: {binding_id!r} must be keys like "ctrl+n" or a list of them'
            )
        keymap[str(binding_id)] = ",".join(k.strip() for k in keys.split(",") if k.strip())
    return keymap
