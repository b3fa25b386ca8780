"""What the row-by-row importer's handlers share: find the record a line names, follow its
links by id or REF, set checked columns, replace tags and custom fields.

`interop/transfer.py` (the CRM's own types) and `interop/sales.py` (products and purchases)
each subclass `Upserter`; the rules of an upsert are described at the top of transfer.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session, SQLModel

from crmcli.entities import readers
from crmcli.kernel import config
from crmcli.kernel.errors import NotFound
from crmcli.store import attributes
from crmcli.store.models import utcnow

#: A table model, for the helpers that work on any of them.
_Model = TypeVar("_Model", bound=SQLModel)


class Upserter:
    """One import's session and user, and the helpers every type's handler uses."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.user = config.current_user()

    def _existing(self, model: type[_Model], data: dict) -> tuple[int | None, _Model | None]:
        """The line's id (None if absent) and the record it names (None if it is new)."""
        if data.get("id") is None:
            return None, None
        record_id = readers.record_id(data["id"], "id")
        return record_id, self.session.get(model, record_id)

    def _get(self, model: type[_Model], record_id: int, what: str) -> _Model:
        found = self.session.get(model, record_id)
        if found is None:
            raise NotFound(f"no {what} with id {record_id}")
        return found

    def _link(
        self,
        data: dict,
        what: str,
        model: type[_Model],
        resolve: Callable[[Session, str], _Model],
    ) -> tuple[bool, _Model | None]:
        """(given?, record or None) from `WHAT_id`, else a REF in `WHAT`."""
        id_key = f"{what}_id"
        if id_key in data:
            value = data[id_key]
            if value is None:
                return True, None
            return True, self._get(model, readers.record_id(value, id_key), what)
        if what in data:
            ref = data[what]
            if ref is None:
                return True, None
            if isinstance(ref, int) and not isinstance(ref, bool):
                ref = str(ref)
            return True, resolve(self.session, readers.text(ref, what))
        return False, None

    def _apply(self, record: SQLModel, values: dict, created: bool) -> None:
        """Set the checked columns; an update with no `updated_at` of its own is stamped now
        (a new record keeps its default)."""
        for key, value in values.items():
            setattr(record, key, value)
        if not created and "updated_at" not in values:
            record.updated_at = utcnow()

    def _new(self, model: type[_Model], record_id: int | None, **values) -> _Model:
        record = model(**values)
        if record_id is not None:
            record.id = record_id
        return record

    def _attributes(
        self, entity: str, entity_id: int, tags: list[str] | None, fields: dict | None, created
    ) -> None:
        if tags is not None and (tags or not created):
            attributes.set_tags(self.session, entity, entity_id, tags)
        if fields is not None and (fields or not created):
            attributes.set_fields(self.session, entity, entity_id, fields, replace=True)
