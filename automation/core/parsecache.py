"""The last parse of the tabs, reused while its inputs are unchanged (a worker left
running polls every few minutes and most polls find the sheet as it was)."""

from __future__ import annotations

import functools
import gc
import hashlib
import io
import os
import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from automation.core.intake import Identities
from automation.core.rowmemo import UNPARSED, Earlier
from automation.core.table import find_columns
from automation.model import Cell, Member, Problem, Registry, Submission, Tab


@dataclass(frozen=True)
class Parsed:
    """One parse of the tabs, with what identifies its inputs (None: not known)."""

    form: int | None
    registry_tab: bytes  # registry_digest of the registry and suppression tabs (b"": unknown)
    fingerprints: dict[str, str]
    registry: Registry
    identities: Identities
    items: list[Submission]
    problems: list[Problem]
    form_tab: Tab | None = None  # the form as read: the cycle plans its writes in it
    version: str | None = None  # the sheet's content token when it was read
    # The registry tab's version (as the backend told it) with the suppression list and
    # settings, when the registry was read or known at it (b"": unknown).
    registry_version: bytes = b""


# Members (pickled), suppressed, problems, unreadable, and the index of members by their
# school name's key as (key, position) pairs: the form's rows are matched through it.
KeptRegistry = tuple[bytes, frozenset[str], tuple[Problem, ...], str, tuple[tuple[str, int], ...]]
Kept = tuple[Tab | None, KeptRegistry, Identities, list[Submission], list[Problem],
             dict[str, str]]
KEY = 32  # bytes of each key at the head of the store
# The keys at the head of the store: the sheet's version, everything parsing reads, the
# registry's tabs alone (with the settings and program that parse them), and the registry
# tab's version as the backend tells it (with the same).
VERSION, CONTENT, REGISTRY, REGISTRY_VERSION = range(4)
NO_KEY = bytes(KEY)
KEPT_FIELDS = 6  # the length of Kept

Parse = Callable[[Tab, Tab, "Tab | None", dict[str, str], "Registry | None",
                  "Earlier | None"],
                 tuple[Registry, Identities, list[Submission], list[Problem]]]


# Form columns the worker writes back and parsing never reads (UNPARSED): a poll right after
# a status write would otherwise parse every submission again for cells it ignores.
#
# The digests go row by row: a copy of a 40,000-row sheet, even a passing one, would be
# tens of MB more at the cycle's peak.

Line = tuple[bool, tuple[Cell, ...]]


def form_digest(form: Tab, aliases: Mapping[str, Sequence[str]]) -> int:
    """``digest`` of the form, blind to the UNPARSED columns' values. Parsing sees those
    cells only in one way, whether a row is blank (a blank row is skipped), so each row
    keeps a flag for "something there" in them."""
    return _hash(_lines(form, _unparsed(form, aliases)))


def stable_digest(form: Tab, registry_key: bytes, fingerprints: dict[str, str],
                  aliases: Mapping[str, Sequence[str]], context: object = None) -> bytes:
    """What ``refresh`` compares, as a digest that stays the same from one process to the
    next (``hash`` of a string does not): the key of the parse kept on disk. The ``repr``
    of a cell tells its type (1, 1.0, True and '1' all differ). ``registry_key``: the
    registry's and suppression list's ``registry_digest``."""
    hasher = hashlib.blake2b(registry_key, digest_size=KEY)
    for line in _lines(form, _unparsed(form, aliases)):
        hasher.update(repr(line).encode())
        hasher.update(b"\n")
    hasher.update(repr((sorted(fingerprints.items()), repr(context))).encode())
    return hasher.digest()


def registry_digest(registry_tab: Tab, suppression: Tab | None, context: object) -> bytes:
    """The registry's and suppression list's content with ``context`` (the settings and
    program that parse them), stable from one process to the next: the key under which
    their parse is kept when only the form changed."""
    hasher = hashlib.blake2b(digest_size=KEY)
    for tab in (registry_tab, suppression):
        for line in _lines(tab):
            hasher.update(repr(line).encode())
            hasher.update(b"\n")
    hasher.update(repr(context).encode())
    return hasher.digest()


def _unparsed(form: Tab, aliases: Mapping[str, Sequence[str]]) -> list[int]:
    return sorted({c - 1 for f, c in find_columns(form, aliases).by_field.items()
                   if f in UNPARSED}, reverse=True)


def _lines(tab: Tab | None, skip: Sequence[int] = ()) -> Iterator[Line]:
    """The tab as parsing sees it, a line a row after one for the tab itself: the cells in
    the ``skip`` columns (from the right) left out of the data rows, but for a flag for
    "something there"."""
    if tab is None:
        yield False, ("\x00",)
        return
    yield False, ("\x00", tab.title, len(tab.rows))
    for number, row in enumerate(tab.rows):
        if not skip or number == 0:
            yield False, tuple(row)
            continue
        kept = list(row)
        filled = False
        for i in skip:
            if i < len(kept):
                filled = filled or kept[i] not in (None, "")
                del kept[i]
        yield filled, tuple(kept)


def _hash(lines: Iterable[Line]) -> int:
    return hash(tuple(hash((filled, cells, tuple(map(type, cells)))) for filled, cells in lines))


def program_stamp() -> str:
    """The program as installed (every module's size and time): an upgraded or edited
    program parses again instead of trusting a parse kept by another version."""
    root = Path(__file__).resolve().parents[1]
    stats = sorted((str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns)
                   for p in root.rglob("*.py"))
    return hashlib.blake2b(repr(stats).encode(), digest_size=16).hexdigest()


class ParseCache:
    """The last parse, reused while its inputs are unchanged.

    A worker left running polls every few minutes, and most polls find the sheet as it
    was: parsing 30,000 registry rows and 10,000 submissions again would be most of the
    cycle. Parsing is a pure function of the tabs and the known fingerprints, so the same
    inputs give the earlier result. The registry is kept on its own: an approval ticked in
    the form does not re-parse the registry. Only digests of the tabs are kept, not the
    tabs (but the form, which the cycle writes in), so a changed sheet is never held twice.

    A backend that tells its content's version cheaply (the local workbook: a digest of
    the file's bytes) is not even read while the version is the one parsed.
    """

    def __init__(self, form_aliases: Mapping[str, Sequence[str]],
                 store: Path | None = None, context: object = None) -> None:
        self.form_aliases = form_aliases
        self.last: Parsed | None = None
        # Where the last parse is kept between processes (a cron-style ``run --once`` each
        # few minutes): keyed by a digest of everything parsing reads, so any edited cell,
        # a changed fingerprint or ``context`` (the settings and the program that parse)
        # parses again.
        self.store = store
        self.context = context
        # The registry's members as last kept: a second save in the cycle (after the
        # worker's own write) does not pickle them again.
        self._members: tuple[Registry, bytes, tuple[tuple[str, int], ...]] | None = None
        # The last run's parse found by ``has_registry``, the base of the next ``refresh``.
        self._base: Parsed | None = None
        self._header: list[bytes] = []  # the keys of what ``_load`` last loaded

    def kept(self, version: str | None, fingerprints: dict[str, str]) -> Parsed | None:
        """The parse of the sheet at ``version``, if this process or the last run has it:
        then the tabs need not be read at all."""
        last = self.last
        if version is None or (last is not None and last.version != version):
            return None
        if last is not None:
            return last if last.fingerprints == fingerprints else None
        if self.store is None:
            return None
        found = self._load(self._version_key(version, fingerprints), VERSION)
        if found is None or found[0] is None:
            return None
        form, registry, identities, items, problems, _fingerprints = found
        self.last = Parsed(None, self._header[REGISTRY], fingerprints,
                           _LazyRegistry.of(registry), identities, items, problems,
                           form_tab=form, version=version,
                           registry_version=self._header[REGISTRY_VERSION])
        return self.last

    def registry_version(self, version: str, suppression: Tab | None) -> bytes:
        """The key of a registry known by the tab's version (``Versioned.tab_version``),
        with the suppression list and the settings and program that parse them."""
        return registry_digest(Tab("\x00version", [[version]]), suppression, self.context)

    def has_registry(self, registry_version: bytes) -> bool:
        """Whether the parse of the registry at ``registry_version`` is at hand (this
        process's or the last run's): then its tab need not even be read."""
        if self.last is not None:
            return self.last.registry_version == registry_version
        if self.store is None:
            return False
        self._base = self._earlier(registry_version, REGISTRY_VERSION)
        return self._base is not None

    def refresh(self, form: Tab, registry_tab: Tab | None, suppression: Tab | None,
                fingerprints: dict[str, str], parse: Parse, version: str | None = None,
                registry_version: bytes = b"") -> Parsed:
        """The parse of these tabs. ``registry_tab`` is left unread (None) only when
        ``has_registry(registry_version)`` said its parse is at hand."""
        base = self.last if self.last is not None else self._base
        if registry_tab is not None:
            registry_key = registry_digest(registry_tab, suppression, self.context)
        else:
            assert base is not None, "the registry tab is read unless its parse is at hand"
            registry_key = base.registry_tab
        if self.last is not None or self.store is None:
            return self._refresh(form, registry_tab, suppression, fingerprints, parse, version,
                                 registry_key, registry_version)
        key = stable_digest(form, registry_key, fingerprints, self.form_aliases, self.context)
        # With the last run's parse loaded already (``has_registry``), its rows are reused
        # row by row: the same file is not loaded a second time.
        kept = self._load(key, CONTENT) if self._base is None else None
        if kept is not None:
            _form, registry, identities, items, problems, _fingerprints = kept
            parsed = Parsed(form_digest(form, self.form_aliases), registry_key, fingerprints,
                            _LazyRegistry.of(registry), identities, items, problems,
                            form_tab=form, version=version, registry_version=registry_version)
        else:
            # Only the form changed (an approval, a new submission): the registry's parse
            # and the form's unchanged rows are taken from the last run's.
            self.last = base or self._earlier(registry_key, REGISTRY)
            parsed = self._refresh(form, registry_tab, suppression, fingerprints, parse,
                                   version, registry_key, registry_version)
        self._base = None
        self.last = parsed
        if kept is None or version is not None:
            # The file may have changed in cells parsing ignores (the worker's own status):
            # kept again under its new version, the next run need not read it.
            self._save(self._version_key(version, fingerprints), key, parsed)
        return parsed

    def _earlier(self, key: bytes, slot: int) -> Parsed | None:
        """The last run's parse, as the base of this one, when it was made from the same
        registry and settings (``key`` in ``slot``: REGISTRY or REGISTRY_VERSION); its form
        as then, to compare rows with."""
        found = self._load(key, slot)
        if found is None or found[0] is None:
            return None
        form, registry, identities, items, problems, fingerprints = found
        return Parsed(None, self._header[REGISTRY], fingerprints, _LazyRegistry.of(registry),
                      identities, items, problems, form_tab=form,
                      registry_version=self._header[REGISTRY_VERSION])

    def rewritten(self, form: Tab, version: str, fingerprints: dict[str, str],
                  parse: Parse) -> None:
        """The worker's own write changed the form (and only the form) from the version
        parsed to ``version``: kept for that version, so the next run need not read the
        file it left. Parsed again only when the write touched cells parsing reads (IDs)
        or the ledger learnt new fingerprints."""
        last = self.last
        if last is None or last.form_tab is None or self.store is None:
            return
        before = last.form if last.form is not None else form_digest(last.form_tab,
                                                                     self.form_aliases)
        key = form_digest(form, self.form_aliases)
        if key == before and last.fingerprints == fingerprints:
            parsed = replace(last, form=key, form_tab=form, version=version)
        else:
            registry = last.registry
            earlier = Earlier(last.form_tab, last.items, last.fingerprints)
            self.last = None
            # The registry is known: its tab is not read.
            found = parse(form, Tab(form.title, []), None, fingerprints, registry, earlier)
            parsed = Parsed(key, last.registry_tab, fingerprints, *found, form_tab=form,
                            version=version, registry_version=last.registry_version)
        self.last = parsed
        self._save(self._version_key(version, fingerprints), NO_KEY, parsed)

    def _version_key(self, version: str | None, fingerprints: dict[str, str]) -> bytes:
        if version is None:
            return NO_KEY
        content = (version, sorted(fingerprints.items()), repr(self.context))
        return hashlib.blake2b(repr(content).encode(), digest_size=KEY).digest()

    def _load(self, key: bytes, slot: int) -> Kept | None:
        """What the store keeps, if its key in ``slot`` is ``key``; its keys in
        ``_header``."""
        assert self.store is not None
        try:
            with self.store.open("rb") as fh:
                keys = [fh.read(KEY) for _slot in range(REGISTRY_VERSION + 1)]
                if keys[slot] != key or key in (NO_KEY, b""):
                    return None
                gc.disable()  # half a million objects: the collector would run for each
                try:
                    kept: Kept = pickle.load(fh)
                    if not isinstance(kept, tuple) or len(kept) != KEPT_FIELDS:
                        return None  # kept by another version: parse again
                    self._header = [b"" if k == NO_KEY else k for k in keys]
                    # ... and walk them all again later in the cycle: they are kept for the
                    # process's parse and hold no reference cycles, so it need not.
                    gc.freeze()
                finally:
                    gc.enable()
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
                TypeError, ValueError):
            return None  # none kept, or kept by another version: parse again
        return kept

    def _save(self, version_key: bytes, key: bytes, parsed: Parsed) -> None:
        assert self.store is not None
        temp = self.store.with_name(self.store.name + ".tmp")
        registry = parsed.registry
        if isinstance(registry, _LazyRegistry):
            members, schools = registry.kept, registry.schools
        elif self._members is not None and self._members[0] is registry:
            members, schools = self._members[1:]
        else:
            self._members = None
            members, schools = _pickled(registry.members), _schools(registry)
            self._members = (registry, members, schools)
        kept: Kept = (parsed.form_tab,
                      (members, registry.suppressed, registry.problems, registry.unreadable,
                       schools),
                      parsed.identities, parsed.items, parsed.problems, parsed.fingerprints)
        try:
            # Members' addresses: the owner's only, as the ledger beside it.
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                for k in (version_key, key, parsed.registry_tab, parsed.registry_version):
                    fh.write(k.ljust(KEY, b"\x00")[:KEY])
                pickle.dump(kept, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.store)
        except OSError:
            temp.unlink(missing_ok=True)  # a cache only: the next run parses again

    def _refresh(self, form: Tab, registry_tab: Tab | None, suppression: Tab | None,
                 fingerprints: dict[str, str], parse: Parse, version: str | None,
                 registry_key: bytes, registry_version: bytes) -> Parsed:
        last = self.last
        form_key = form_digest(form, self.form_aliases)
        same_registry = last is not None and last.registry_tab == registry_key
        if (last is not None and same_registry and last.form == form_key
                and last.fingerprints == fingerprints):
            self.last = replace(last, form_tab=form, version=version,
                                registry_version=registry_version)
            return self.last
        known = last.registry if last is not None and same_registry else None
        earlier = (Earlier(last.form_tab, last.items, last.fingerprints)
                   if last is not None and same_registry and last.form_tab is not None
                   else None)
        self.last = None  # rows not taken from it go with it once the new one is built
        if registry_tab is None:  # not read: its parse was at hand
            assert known is not None, "the registry tab is read unless its parse is at hand"
            registry_tab = Tab("", [])
        parsed = parse(form, registry_tab, suppression, fingerprints, known, earlier)
        self.last = Parsed(form_key, registry_key, fingerprints, *parsed, form_tab=form,
                           version=version, registry_version=registry_version)
        return self.last


class _LazyRegistry(Registry):
    """The registry as kept on disk: its members (two thirds of the time it takes to load
    the kept parse) are unpickled when first asked for, which a quiet cycle never does."""

    kept: bytes  # the members as kept on disk
    schools: tuple[tuple[str, int], ...]  # the school-name index, as kept

    @classmethod
    def of(cls, kept: KeptRegistry) -> Registry:
        members, suppressed, problems, unreadable, schools = kept
        registry = object.__new__(cls)
        for name, value in (("kept", members), ("suppressed", suppressed),
                            ("problems", problems), ("unreadable", unreadable),
                            ("schools", schools)):
            object.__setattr__(registry, name, value)
        return registry

    @functools.cached_property
    def _by_school_key(self) -> dict[str, Member]:
        members = self.members
        return {key: members[i] for key, i in self.schools}

    @property
    def members(self) -> tuple[Member, ...]:
        loaded: tuple[Member, ...] | None = self.__dict__.get("_members")
        if loaded is None:
            gc.disable()
            try:
                loaded = pickle.loads(self.kept)
            finally:
                gc.enable()
            object.__setattr__(self, "_members", loaded)
        return loaded


def _schools(registry: Registry) -> tuple[tuple[str, int], ...]:
    """The registry's school-name index as (key, position of the member) pairs."""
    position = {id(m): i for i, m in enumerate(registry.members)}
    return tuple((key, position[id(m)]) for key, m in registry.by_school_key().items())


def _pickled(members: tuple[Member, ...]) -> bytes:
    """The members pickled without a memo: no object among them is shared or refers back,
    and remembering every one of them would be MB at the cycle's peak."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(members)
    return buffer.getvalue()
