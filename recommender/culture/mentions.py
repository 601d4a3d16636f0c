"""Which catalog artists (and tracks) a document names, and how much it is about each.

Catalog names and aliases in; per document a list of `Mention` (entity id, occurrence count,
character positions, whether the title names it, and a weight) out. Matching is on whole
tokens (case- and accent-insensitive, word boundaries), longest name first. A name made only
of common words ("Yes", "Low", "The Who") is *guarded*: an occurrence counts only with more
evidence (see `NameMatcher`). A title mention makes the page about the artist (weight 1); a
passing mention counts less.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from recommender.culture.text import Token, name_tokens, tokenize
from recommender.culture.wordlists import COMMON_WORDS, MUSIC_CUES

ABOUT_WEIGHT = 1.0  # the title names the artist: the page is about it
PASSING_WEIGHT = 0.25  # each body-only occurrence
PASSING_CAP = 0.75  # a page that never names the artist in its title is never fully about it
CUE_WINDOW = 6  # tokens either side searched for a music word (guarded names)
MAX_GAP_CHARS = 3  # characters allowed between the words of one name ("AC/DC", "Mr. Oizo")
MAX_POSITIONS = 100  # positions kept per mention
SHORT_NAME_CHARS = 2  # a one-word name this short ("M", "X2") is guarded too
_QUOTES = "\"'“”‘’«»"
_SENTENCE_END = ".!?:;\n"
_END = ""  # trie key under which a node lists the entities whose name ends there
_JOINING_WORDS = frozenset({"a", "an", "and", "at", "for", "in", "n", "of", "on", "the", "to"})


@dataclass(frozen=True)
class Mention:
    """One entity named in one document."""

    entity_id: int
    count: int  # occurrences in the body text
    spans: tuple[tuple[int, int], ...]  # [start, end) of each body occurrence (first 100)
    in_title: bool
    weight: float  # how much the document is about the entity, 0..1

    @property
    def positions(self) -> list[int]:
        return [start for start, _ in self.spans]


def mention_weight(count: int, in_title: bool) -> float:
    """1 when the title names the entity; else 0.25 per occurrence, at most 0.75."""
    if in_title:
        return ABOUT_WEIGHT
    return min(PASSING_CAP, PASSING_WEIGHT * count)


def is_guarded(tokens: Sequence[str], common_words: frozenset[str] = COMMON_WORDS) -> bool:
    """Does a bare match of this name prove too little? All words common, or one short word."""
    if not tokens:
        return True
    if len(tokens) == 1 and (len(tokens[0]) <= SHORT_NAME_CHARS or tokens[0].isdigit()):
        return True
    return all(t in common_words for t in tokens)


class NameMatcher:
    """Finds names (artist names, aliases, track titles) in text, token by token.

    `ids[i]` is named `names[i]`; several names may share an id (aliases). A guarded name's
    occurrence counts only if it is written capitalized (as a name is) and, for a one-word
    name, is not the first word of a sentence and has a music word within `CUE_WINDOW` tokens
    ("the new Low album") or sits in quotes; or if the document's title names it.
    """

    def __init__(
        self,
        ids: Sequence[int],
        names: Sequence[str],
        *,
        common_words: frozenset[str] = COMMON_WORDS,
        guard_all: bool = False,
    ) -> None:
        if len(ids) != len(names):
            raise ValueError("ids and names must have the same length")
        # A trie over name tokens: matching walks it along the text, so its cost per
        # position is the length of the longest name, however many names share a first word.
        self._root: dict = {}
        self._size = 0
        for entity_id, name in zip(ids, names, strict=True):
            tokens = name_tokens(name)
            if not tokens:
                continue  # a name made only of symbols cannot be found on word boundaries
            node = self._root
            for token in tokens:
                node = node.setdefault(token, {})
            ends = node.setdefault(_END, {})
            if int(entity_id) not in ends:
                ends[int(entity_id)] = guard_all or is_guarded(tokens, common_words)
                self._size += 1

    def __len__(self) -> int:
        return self._size

    def occurrences(
        self, text: str, tokens: list[Token] | None = None
    ) -> list[tuple[int, int, int, bool]]:
        """(entity id, start, end, evidenced) for each non-overlapping match, longest first."""
        tokens = tokenize(text) if tokens is None else tokens
        found: list[tuple[int, int, int, bool]] = []
        i, n = 0, len(tokens)
        while i < n:
            length = self._match_at(text, tokens, i, found)
            i += max(length, 1)
        return found

    def _match_at(self, text: str, tokens: list[Token], i: int, found: list) -> int:
        node = self._root.get(tokens[i].text)
        size, longest, ends = 1, 0, None
        while node is not None:
            if _END in node:
                longest, ends = size, node[_END]
            k = i + size
            if k >= len(tokens) or tokens[k].start - tokens[k - 1].end > MAX_GAP_CHARS:
                break
            node = node.get(tokens[k].text)
            size += 1
        if not longest:
            return 0
        start, end = tokens[i].start, tokens[i + longest - 1].end
        evidence = None
        for entity_id, guarded in ends.items():
            if guarded and evidence is None:
                evidence = _has_evidence(text, tokens, i, longest)
            found.append((entity_id, start, end, not guarded or evidence))
        return longest


def _has_evidence(text: str, tokens: list[Token], i: int, size: int) -> bool:
    words = tokens[i : i + size]
    if not _capitalized(text, words):
        return False
    if size > 1:
        return True
    if _quoted(text, words[0]):
        return True
    if _sentence_initial(text, words[0].start):
        return False
    lo, hi = max(0, i - CUE_WINDOW), min(len(tokens), i + size + CUE_WINDOW)
    return any(tokens[k].text in MUSIC_CUES for k in range(lo, hi) if not i <= k < i + size)


def _capitalized(text: str, words: list[Token]) -> bool:
    """Written as a name is: every word starts with a capital (or a digit); small joining
    words after the first ("of", "the", "and") may stay lower case."""
    for k, word in enumerate(words):
        first = text[word.start]
        if first.isupper() or not first.isalpha():
            continue
        if k and word.text in _JOINING_WORDS:
            continue
        return False
    return True


def _quoted(text: str, token: Token) -> bool:
    before = text[token.start - 1] if token.start > 0 else ""
    after = text[token.end] if token.end < len(text) else ""
    return before in _QUOTES and before != "" and after in _QUOTES and after != ""


def _sentence_initial(text: str, start: int) -> bool:
    k = start - 1
    while k >= 0 and (text[k].isspace() or text[k] in _QUOTES or text[k] in "([-–—*•"):
        k -= 1
    return k < 0 or text[k] in _SENTENCE_END


def _collect(
    body_hits: list[tuple[int, int, int, bool]],
    title_ids: set[int],
) -> list[Mention]:
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for entity_id, start, end, evidenced in body_hits:
        if evidenced or entity_id in title_ids:
            spans[entity_id].append((start, end))
    mentions = []
    for entity_id in sorted(set(spans) | title_ids):
        found = spans.get(entity_id, [])
        in_title = entity_id in title_ids
        mentions.append(
            Mention(
                entity_id=entity_id,
                count=len(found),
                spans=tuple(found[:MAX_POSITIONS]),
                in_title=in_title,
                weight=mention_weight(len(found), in_title),
            )
        )
    return mentions


class ArtistMatcher:
    """Catalog artists (names plus aliases) found in a document's title and body."""

    def __init__(
        self,
        artist_ids: Sequence[int],
        names: Sequence[str],
        aliases: Mapping[int, Iterable[str]] | None = None,
        *,
        common_words: frozenset[str] = COMMON_WORDS,
    ) -> None:
        ids, all_names = list(artist_ids), list(names)
        for artist_id, extra in (aliases or {}).items():
            for alias in extra:
                ids.append(artist_id)
                all_names.append(alias)
        self.names = NameMatcher(ids, all_names, common_words=common_words)
        self._name_words: dict[int, set[str]] = defaultdict(set)
        for artist_id, name in zip(ids, all_names, strict=True):
            self._name_words[int(artist_id)].update(
                t for t in name_tokens(name) if len(t) > SHORT_NAME_CHARS and t not in common_words
            )

    def name_word_spans(
        self, text: str, artist_ids: Iterable[int], tokens: list[Token] | None = None
    ) -> list[tuple[int, int]]:
        """Spans of single words of these artists' names ("Clapton", "Gaga"): a page about an
        artist calls them by part of their name, which is not a term about them."""
        words = set().union(*(self._name_words.get(int(a), set()) for a in artist_ids))
        if not words:
            return []
        tokens = tokenize(text) if tokens is None else tokens
        return [(t.start, t.end) for t in tokens if t.text in words]

    def find(self, text: str, title: str = "", tokens: list[Token] | None = None) -> list[Mention]:
        """Mentions in the body `text` (positions are offsets into it) and the `title`.

        In a title every match counts (a page titled "Low" is about Low); in the body a guarded
        name needs evidence unless the title already named it.
        """
        title_ids = {hit[0] for hit in self.names.occurrences(title)} if title else set()
        return _collect(self.names.occurrences(text, tokens), title_ids)


class TrackMatcher:
    """Catalog track titles found in a document, for artists the document already names.

    A title counts only next to its artist (the document mentions that artist), and every
    title is guarded: it must be capitalized or quoted as a title is written ("Teardrop").
    """

    def __init__(
        self,
        track_ids: Sequence[int],
        titles: Sequence[str],
        track_artist: Mapping[int, int],
    ) -> None:
        self.track_artist = {int(k): int(v) for k, v in track_artist.items()}
        self.names = NameMatcher(track_ids, titles, guard_all=True)

    def find(
        self,
        text: str,
        artist_ids: Iterable[int],
        title: str = "",
        tokens: list[Token] | None = None,
    ) -> list[Mention]:
        artists = set(artist_ids)
        if not artists:
            return []

        def keep(hits):
            return [h for h in hits if self.track_artist.get(h[0]) in artists]

        title_ids = {hit[0] for hit in keep(self.names.occurrences(title))} if title else set()
        return _collect(keep(self.names.occurrences(text, tokens)), title_ids)
