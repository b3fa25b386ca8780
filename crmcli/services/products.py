"""The product catalogue: add, edit, soft delete and restore."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, select

from crmcli.entities import product as product_type
from crmcli.entities import readers, refs
from crmcli.kernel import config, validate
from crmcli.kernel.errors import Conflict, InvalidInput
from crmcli.query import fulltext
from crmcli.store import attributes
from crmcli.store.models import Product, id_of, utcnow


@dataclass
class ProductChanges:
    name: str | None = None
    sku: str | None = None
    category: str | None = None
    price: str | None = None
    cost: str | None = None
    clear_cost: bool = False
    currency: str | None = None
    active: bool | None = None
    notes: str | None = None
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()
    fields: Mapping[str, object] = field(default_factory=dict)


def reindex(session: Session, product: Product) -> None:
    product_id = id_of(product)
    tags = attributes.load_tags(session, "product", [product_id]).get(product_id, [])
    fulltext.index(
        session, "product", product_id, product.name, [product.sku, product.category, *tags]
    )


def check_sku_free(session: Session, sku_key: str, product_id: int | None = None) -> None:
    """A SKU names one product, deleted ones included (their purchases still name it)."""
    holder = session.exec(select(Product).where(Product.sku_key == sku_key)).first()
    if holder is not None and holder.id != product_id:
        gone = " (deleted: crm product restore)" if holder.deleted_at else ""
        raise Conflict(f"SKU '{holder.sku}' is taken by product {holder.id}{gone}")


def add(
    session: Session,
    name: str,
    *,
    sku: str,
    price: str,
    cost: str | None = None,
    currency: str | None = None,
    category: str | None = None,
    active: bool = True,
    tags: Sequence[str] = (),
    fields: Mapping[str, object] | None = None,
    notes: str | None = None,
) -> Product:
    given: dict[str, object] = {"name": name, "sku": sku, "price": price, "active": active}
    given.update(readers.asked({"cost": cost, "currency": currency}))
    given.update({"category": category, "notes": notes})
    values = product_type.read(given, new=True, currency=config.default_currency())
    check_sku_free(session, values["sku_key"])
    product = Product(**values)
    product.updated_at = product.created_at
    clean_tags = validate.tags(tags)
    session.add(product)
    session.flush()
    attributes.set_tags(session, "product", id_of(product), clean_tags)
    attributes.set_fields(session, "product", id_of(product), fields or {}, replace=False)
    reindex(session, product)
    return product


def edit(session: Session, ref: str | Product, changes: ProductChanges) -> Product:
    product = ref if isinstance(ref, Product) else refs.product(session, ref, deleted=None)
    given = readers.asked(
        {
            "name": changes.name,
            "sku": changes.sku,
            "category": changes.category,
            "price": changes.price,
            "cost": changes.cost,
            "currency": changes.currency,
            "active": changes.active,
            "notes": changes.notes,
        }
    )
    if changes.clear_cost:
        if changes.cost is not None:
            raise InvalidInput("--cost and --no-cost cannot be used together")
        given["cost"] = None
    if "currency" in given and "price" not in given:
        raise InvalidInput("a new --currency needs the --price (and --cost) in it")
    values = product_type.read(given, currency=product.currency)
    if "sku_key" in values:
        check_sku_free(session, values["sku_key"], id_of(product))
    for key, value in values.items():
        setattr(product, key, value)
    attributes.update_tags(
        session,
        "product",
        id_of(product),
        validate.tags(changes.add_tags),
        validate.tags(changes.remove_tags),
    )
    attributes.set_fields(session, "product", id_of(product), changes.fields, replace=False)
    product.updated_at = utcnow()
    session.add(product)
    session.flush()
    reindex(session, product)
    return product


def remove(session: Session, ref: str | Product) -> Product:
    product = ref if isinstance(ref, Product) else refs.product(session, ref, deleted=None)
    if product.deleted_at is not None:
        raise InvalidInput(f"product {product.id} is already deleted")
    product.deleted_at = product.updated_at = utcnow()
    session.add(product)
    return product


def restore(session: Session, ref: str | Product) -> Product:
    product = ref if isinstance(ref, Product) else refs.product(session, ref, deleted=True)
    if product.deleted_at is None:
        raise InvalidInput(f"product {product.id} is not deleted")
    product.deleted_at = None
    product.updated_at = utcnow()
    session.add(product)
    return product
