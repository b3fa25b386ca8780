"""Counts of things in words, one rule for every face: `1 deal`, `10,000 deals`."""

from __future__ import annotations

__all__ = ["count"]


def count(number: int, noun: str, plural: str | None = None) -> str:
    """`number` with thousands separators and `noun` agreeing with it (`plural`, or the
    noun with an `s`, for anything but exactly one)."""
    word = noun if number == 1 else (plural or f"{noun}s")
    return f"{number:,} {word}"
