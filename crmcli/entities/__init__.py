"""Record types: how each is found by REF, serialised to JSON and described by JSON Schema."""
