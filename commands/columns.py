"""The columns each record type shows in tables, TSV and CSV (JSON always has every field)."""

from __future__ import annotations

from crmcli.commands.output import Column

CUSTOMER = [
    Column("id", "ID", "int"),
    Column("name", "Name", max_width=30),
    Column("email", "Email", max_width=32),
    Column("phone", "Phone"),
    Column("company", "Company", max_width=24),
    Column("tags", "Tags", "list"),
    Column("owner", "Owner"),
]
CUSTOMER_DETAIL = [
    *CUSTOMER[:2],
    Column("emails", "Emails", "list"),
    Column("phones", "Phones", "list"),
    Column("company", "Company"),
    Column("title", "Title"),
    Column("tags", "Tags", "list"),
    Column("owner", "Owner"),
    Column("fields", "Fields"),
    Column("notes", "Notes"),
    Column("created_at", "Created", "datetime"),
    Column("updated_at", "Updated", "datetime"),
    Column("deleted_at", "Deleted", "datetime"),
]
COMPANY = [
    Column("id", "ID", "int"),
    Column("name", "Name", max_width=30),
    Column("domain", "Domain"),
    Column("industry", "Industry"),
    Column("tags", "Tags", "list"),
    Column("owner", "Owner"),
]
COMPANY_DETAIL = [
    *COMPANY,
    Column("fields", "Fields"),
    Column("notes", "Notes"),
    Column("created_at", "Created", "datetime"),
    Column("updated_at", "Updated", "datetime"),
    Column("deleted_at", "Deleted", "datetime"),
]
DEAL = [
    Column("id", "ID", "int"),
    Column("title", "Title", max_width=30),
    Column("customer", "Customer", max_width=22),
    Column("stage", "Stage"),
    Column("value", "Value", "money", currency_key="currency"),
    Column("currency", "Cur"),
    Column("close_date", "Close"),
    Column("owner", "Owner"),
]
DEAL_DETAIL = [
    *DEAL[:3],
    Column("company", "Company"),
    Column("pipeline", "Pipeline"),
    Column("stage", "Stage"),
    Column("status", "Status"),
    Column("probability", "Probability %", "int"),
    Column("value", "Value", "money", currency_key="currency"),
    Column("currency", "Currency"),
    Column("weighted_value", "Weighted", "money", currency_key="currency"),
    Column("close_date", "Close"),
    Column("lost_reason", "Lost reason"),
    Column("owner", "Owner"),
    Column("tags", "Tags", "list"),
    Column("fields", "Fields"),
    Column("created_at", "Created", "datetime"),
    Column("stage_changed_at", "In stage since", "datetime"),
    Column("closed_at", "Closed", "datetime"),
]
BOARD = [
    Column("stage", "Stage"),
    Column("kind", "Kind"),
    Column("probability", "%", "int"),
    Column("count", "Deals", "int"),
    Column("rotting", "Rotting", "int"),
    Column("total", "Total", "money"),
    Column("weighted", "Weighted", "money"),
]
PRODUCT = [
    Column("id", "ID", "int"),
    Column("sku", "SKU"),
    Column("name", "Name", max_width=30),
    Column("category", "Category"),
    Column("price", "Price", "money", currency_key="currency"),
    Column("currency", "Cur"),
    Column("cost", "Cost", "money", currency_key="currency"),
    Column("active", "Active"),
]
PRODUCT_DETAIL = [
    *PRODUCT,
    Column("tags", "Tags", "list"),
    Column("fields", "Fields"),
    Column("notes", "Notes"),
    Column("created_at", "Created", "datetime"),
    Column("updated_at", "Updated", "datetime"),
    Column("deleted_at", "Deleted", "datetime"),
]
PURCHASE = [
    Column("id", "ID", "int"),
    Column("at", "When", "datetime"),
    Column("customer", "Customer", max_width=22),
    Column("channel", "Channel"),
    Column("amount", "Amount", "money", currency_key="currency"),
    Column("currency", "Cur"),
    Column("quantity", "Qty", "int"),
    Column("refund_of", "Refund of", "int"),
    Column("note", "Note", max_width=30),
]
PURCHASE_DETAIL = [
    *PURCHASE[:4],
    Column("deal", "Deal"),
    Column("amount", "Amount", "money", currency_key="currency"),
    Column("currency", "Currency"),
    Column("cost", "Cost", "money", currency_key="currency"),
    Column("quantity", "Quantity", "int"),
    Column("refund_of", "Refund of", "int"),
    Column("note", "Note"),
    Column("by", "By"),
    Column("created_at", "Recorded", "datetime"),
]
PURCHASE_ITEM = [
    Column("product", "SKU"),
    Column("name", "Product", max_width=30),
    Column("quantity", "Qty", "int"),
    Column("unit_price", "Unit price", "money", currency_key="currency"),
    Column("amount", "Amount", "money", currency_key="currency"),
    Column("cost", "Cost", "money", currency_key="currency"),
]
STAGE_CHANGE = [
    Column("id", "ID", "int"),
    Column("at", "At", "datetime"),
    Column("from_stage", "From"),
    Column("to_stage", "To"),
    Column("by", "By"),
]
INTERACTION = [
    Column("id", "ID", "int"),
    Column("occurred_at", "When", "datetime"),
    Column("customer", "Customer", max_width=22),
    Column("channel", "Channel"),
    Column("direction", "Dir"),
    Column("summary", "Summary", max_width=40),
    Column("deal", "Deal", max_width=20),
]
INTERACTION_DETAIL = [*INTERACTION, Column("body", "Body"), Column("by", "By")]
REMINDER = [
    Column("id", "ID", "int"),
    Column("due_at", "Due", "datetime"),
    Column("customer", "Customer", max_width=22),
    Column("deal", "Deal", max_width=20),
    Column("text", "Text", max_width=40),
    Column("status", "Status"),
]
PIPELINE = [
    Column("id", "ID", "int"),
    Column("name", "Name"),
    Column("is_default", "Default"),
    Column("stages", "Stages"),
]
STAGE = [
    Column("id", "ID", "int"),
    Column("position", "#", "int"),
    Column("name", "Stage"),
    Column("probability", "Probability %", "int"),
    Column("kind", "Kind"),
    Column("rotting_days", "Rots after (days)", "int"),
]
TIMELINE = [
    Column("at", "When", "datetime"),
    Column("type", "Type"),
    Column("id", "ID", "int"),
    Column("text", "What", max_width=60),
]
SEARCH = [
    Column("type", "Type"),
    Column("id", "ID", "int"),
    Column("label", "Match", max_width=40),
    Column("detail", "Detail", max_width=40),
]
