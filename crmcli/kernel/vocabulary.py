"""The fixed words of the data model: channels, directions and stage kinds.

Plain constants with no imports, so the schema, the validators, the benchmark generator and
the models all name the same words without pulling in the ORM.
"""

CHANNELS = (
    "email",
    "call",
    "meeting",
    "sms",
    "chat",
    "social",
    "web",
    "letter",
    "questionnaire",
    "note",
)
DIRECTIONS = ("in", "out")
STAGE_KINDS = ("open", "won", "lost")
#: Where a purchase was made. `field` is a sale closed by a salesperson (a won deal's
#: purchase); `other` for a source that fits none of these.
PURCHASE_CHANNELS = ("web", "store", "phone", "email", "partner", "marketplace", "field", "other")
