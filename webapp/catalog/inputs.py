"""Checks for values that arrive from outside: MusicBrainz ids, storable text, name lengths.

Raw values from the API, listen-history files and admin searches in; a parsed UUID, a clipped
name, or where a text cannot be stored out. Every part of the project that reads such values
uses these, so an MBID or a NUL is judged the same way everywhere.
"""

import re
import uuid

#: Longest artist name, track title and release name the catalog stores (its columns' length).
#: Longer names are cut to this before any other work, so no request pays for the rest.
NAME_MAX_LENGTH = 300

_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
NUL = "nul"
SURROGATE = "surrogate"


def mbid_parse(value: object) -> uuid.UUID | None:
    """The UUID in `value`, or None for anything that is not one.

    Accepts what ListenBrainz accepts (uuid.UUID's spellings: dashes or none, braces,
    `urn:uuid:`); surrounding whitespace is not stripped here, callers that forgive it strip.
    """
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def is_mbid(value: object) -> bool:
    """Whether mbid_parse would find a UUID in value; the common spelling without parsing."""
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return True
    return mbid_parse(value) is not None


def name_clip(name: str) -> str:
    """A submitted name trimmed and cut to NAME_MAX_LENGTH characters."""
    return name.strip()[:NAME_MAX_LENGTH]


def text_problem(text: str) -> str | None:
    """NUL when text holds U+0000 (PostgreSQL cannot store it), SURROGATE when it holds a lone
    UTF-16 surrogate (not text in any UTF-8 database), else None."""
    if "\x00" in text:
        return NUL
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE
    return None


def unstorable_text(value: object) -> tuple[str, str] | None:
    """The first string anywhere in value (nested dicts and lists) that text_problem refuses,
    with its problem; None when every string can be stored.

    Iterative, so a document nested just short of the JSON parser's limit cannot overflow
    the stack.
    """
    pending = [value]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if problem := text_problem(value):
                return value, problem
        elif isinstance(value, dict):
            pending.extend(reversed(value.values()))
        elif isinstance(value, list):
            pending.extend(reversed(value))
    return None
