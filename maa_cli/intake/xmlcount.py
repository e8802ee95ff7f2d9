"""Counting what an XML part holds while it is unpacked, without building it.

The readers build a tree of every element of a part, so its bytes alone do not bound
their time or memory. :mod:`maa_cli.intake.safety` feeds each part here as it unpacks
it, and refuses the file when a part goes past a bound: too many elements or
attributes (in the part, or in the file), nesting too deep, too many attributes on one
element, or one tag, comment or instruction too long.

How each part is counted:

* a part that starts like XML (after a byte-order mark and blanks) goes through expat with
  a start, an end and a text handler, so nothing is built and the cost is about a
  microsecond per element;
* a part expat gives up on part-way (LibreOffice can write such a body, and the Word
  reader recovers it) is counted on from there by its bytes, '<' for elements and '=' for
  attributes, both upper bounds; only libxml2 reads such a part, with its own 256-level
  depth limit and the whole part in one buffer, so neither depth nor tag length matters;
* XML in an encoding expat cannot read but libxml2 can (UCS-4, EBCDIC, UTF-7 ...) is
  refused: Office writes only UTF-8 and UTF-16;
* pictures and other binary parts are skipped: no reader parses a part that does not
  start with '<'.

Most parts take a quicker road (:meth:`PartCount.whole`), about ten times faster, because
the expat handlers above run Python for every element. A small UTF-8 part is parsed once by
libxml2 (no DTD, no entities, no network) and its tree is measured in C: elements counted,
depth and the attributes of each element checked by XPath. Its bytes bound what XPath does
not measure exactly: a part of S bytes holds at most S/4 elements and S/5 attributes, so it is
taken this road only when those bounds are within what the limits still allow, and no tag
can be longer than the longest stretch between two '<' (UTF-8 only, where a '<' byte is
always the character; comments and instructions, which may hold '<', send a part the slow
road). A part the quick road cannot vouch for, for any reason, is counted by expat as
before, so every refusal, and its reason, comes from that one road.
"""

from __future__ import annotations

import hashlib
import re
from xml.parsers import expat

from .packed import lookup, remember

#: Parts up to this size may be measured in one libxml2 parse; a bigger one is streamed through expat.
WHOLE_BYTES = 4 * 1024 * 1024
_UTF8_DECL = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']\s*utf-?8\s*[\"']", re.IGNORECASE)
_ANY_DECL = re.compile(rb"<\?xml[^>]*?encoding", re.IGNORECASE)
_INSTRUCTION = re.compile(rb"<\?")  # a compiled search finds these two bytes about twice as fast as bytes.find
_XPATHS: dict = {}
#: Parts already measured, by digest and limits: the forms of one run share most of their parts
#: (styles, theme, settings), so each is parsed once per process. A digest, not a CRC: a part
#: cannot be made to pass for one that was measured.
_MEASURED: dict = {}
_MEASURED_KEPT = 512
#: The trees of the parts measured last, for a reader about to parse the same bytes (:func:`parsed`):
#: (length, the bytes themselves up to _TREE_BYTES_HELD else their digest, tree). Comparing a form's
#: body byte for byte is quicker than hashing it, here and in the reader.
_TREES: list[tuple[int, bytes, object]] = []
_TREES_KEPT = 16
_TREE_BYTES_HELD = 1024 * 1024
_TREE_ELEMENTS = 50_000


def forget_trees() -> None:
    """Drop the trees kept for the readers: a new file is being inspected, and only its own parts are read next."""
    _TREES.clear()


def parsed(data: bytes):
    """The tree the safety check built from exactly these bytes, handed over once; None if there is none.

    The readers parse the parts the check has just measured (the document body, the form's sheet):
    taking its tree saves parsing them twice. It was built by the same kind of parser (no DTD,
    entities or network), from a part with no comments or instructions.
    """
    digest = None
    for i, (size, known_by, root) in enumerate(_TREES):
        if size != len(data):
            continue
        if size > _TREE_BYTES_HELD:
            digest = digest or _digest(data)
        if known_by == (data if size <= _TREE_BYTES_HELD else digest):
            del _TREES[i]
            return root
    return None


def _digest(data: bytes) -> bytes:
    """The key a part's bytes are known by here: a cryptographic digest, so no other bytes share it."""
    return hashlib.blake2b(data, digest_size=20).digest()


def _xpath(expression: str):
    """A compiled XPath, kept: compiling one costs more than running it on a form's part."""
    if expression not in _XPATHS:
        from lxml import etree

        _XPATHS[expression] = etree.XPath(expression)
    return _XPATHS[expression]


def _parser():
    from lxml import etree

    # Nothing from outside the part is ever loaded: no DTD, no entities, no network; libxml2's own
    # depth limit stays on (huge_tree=False).
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_blank_text=False)


class PartRefused(Exception):
    """A part that must not reach a reader: ``code`` is a safety code, ``params`` fill its reason."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


# XML in UCS-4 or EBCDIC starts like this (XML 1.0, appendix F). libxml2 reads them, expat does not,
# and Office writes only UTF-8 and UTF-16, so such a part is refused rather than left uncounted.
_FOREIGN_STARTS = {
    b"\0\0\0<": "UCS-4", b"<\0\0\0": "UCS-4", b"\0\0<\0": "UCS-4", b"\0<\0\0": "UCS-4",
    b"\0\0\xfe\xff": "UCS-4", b"\xff\xfe\0\0": "UCS-4", b"\0\0\xff\xfe": "UCS-4", b"\xfe\xff\0\0": "UCS-4",
    b"Lo\xa7\x94": "EBCDIC",
}
_ENCODING_ERRORS = {expat.errors.codes[e] for e in (expat.errors.XML_ERROR_UNKNOWN_ENCODING, expat.errors.XML_ERROR_INCORRECT_ENCODING)}


class PackageCount:
    """The XML elements and attributes of one package, counted part by part as each is unpacked.

    ``limits`` is a :class:`maa_cli.intake.safety.Limits` (its ``max_part_elements``,
    ``max_file_elements``, ``max_depth``, ``max_part_attributes``, ``max_file_attributes``,
    ``max_element_attributes`` and ``max_tag_bytes``).
    """

    def __init__(self, limits):
        self.limits = limits
        self.elements = self.attributes = 0

    def part(self, name: str, keyed: bool = False) -> PartCount:
        """A part to count. ``keyed``: the caller knows the part by a key of its own, and remembers its
        :attr:`PartCount.measured` by that key (see :meth:`PartCount.recall`), so it is not hashed here."""
        return PartCount(self, name, keyed)


def _measure(data: bytes, digest: bytes | None, limits) -> tuple | None:
    """(mode, started, elements, attributes) of a whole part that is within the limits, from one
    libxml2 parse; None if that parse cannot vouch for it (expat must count it). ``digest`` is the
    part's :func:`_digest` if it was worked out already."""
    if b"\0" in data:
        return None  # UTF-16 or UTF-32 (with or without a byte-order mark), or binary: expat decides
    head = data.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if head[:1] != b"<":
        if head[:4] in _FOREIGN_STARTS or data[:2] in (b"\xff\xfe", b"\xfe\xff") or not head:
            return None
        return "skip", True, 0, 0  # not XML: no reader parses it
    declared = head.startswith(b"<?xml") and _ANY_DECL.match(head[:200])
    if declared and not _UTF8_DECL.match(head[:200]):
        return None  # another encoding: expat decides whether it can be read at all
    # In UTF-8 a '<' byte is always the character, and a tag ends before the next '<' (attribute
    # values cannot hold one); comments and instructions can, so a part with either is left to expat.
    # (A '!' is rare in a form's text, and looking for one byte is far quicker than for four.)
    if (b"!" in data and b"<!--" in data) or _INSTRUCTION.search(data, 1):
        return None
    # Every attribute takes at least five bytes ( a=""), so a tag no longer than this cannot hold too many.
    if _longer_than(data, min(limits.max_tag_bytes, 5 * limits.max_element_attributes + 4)):
        return None
    declarations = data.count(b"xmlns")  # at least the part's namespace declarations, which expat counts as attributes
    from lxml import etree

    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError):
        return None  # broken XML: expat finds where, and counts on by bytes as before
    elements = int(_xpath("count(//*)")(root))
    # Nesting deeper than the limit takes more elements than it; most parts have fewer, and need no look.
    if elements > limits.max_depth and _xpath("boolean(" + "/*" * (limits.max_depth + 1) + ")")(root):
        return None  # too deep: expat refuses it, with the reason
    if elements <= _TREE_ELEMENTS:  # a form's body or sheet; a tree near the limits is not worth its memory
        if len(_TREES) >= _TREES_KEPT:
            del _TREES[0]
        _TREES.append((len(data), data if len(data) <= _TREE_BYTES_HELD else digest or _digest(data), root))
    # Only elements carry attributes, and "//*/@*" is found quicker than "//@*", which also visits the text.
    return "xml", True, elements, int(_xpath("count(//*/@*)")(root)) + declarations  # expat counts xmlns declarations too


def _longer_than(data: bytes, most: int) -> bool:
    """Whether some stretch of ``data`` between two '<' (or an end) is longer than ``most`` bytes.

    Such a stretch, were it 2B-1 bytes or longer, would cover one of the blocks of B bytes that
    ``data`` is cut into from its start, with no '<' in it. So when every block holds a '<', no
    stretch is longer than 2B-2 <= ``most``; only when some block holds none is each stretch measured.
    """
    block = most // 2 + 1
    if len(data) // block <= 4096:  # else blocks this short save nothing (only ever with tiny test limits)
        find = data.find
        if all(find(b"<", start, start + block) != -1 for start in range(0, len(data) - block + 1, block)):
            return False
    return max(map(len, data.split(b"<"))) > most


class PartCount:
    """One part: :meth:`feed` it the unpacked bytes in order, then :meth:`close` it."""

    def __init__(self, owner: PackageCount, name: str, keyed: bool = False):
        self.owner, self.name, self.keyed = owner, name, keyed
        self.mode = "start"  # then "xml", "broken" (counting bytes) or "skip"; "start" while only blanks came
        self.started = False
        self.parser = None
        self.counts = lambda: (0, 0)  # (elements, attributes) expat has seen
        self.events = lambda: True  # whether expat reported anything since it was last asked
        self.quiet = 0  # bytes fed since expat last reported anything: the length of an unfinished tag
        self.extra = [0, 0]  # (elements, attributes) counted by bytes after expat stopped
        self.measured: tuple | None = None  # (mode, started, elements, attributes, size) of a part counted from one measurement

    def feed(self, chunk: bytes) -> None:
        if self.mode == "start":
            self.mode = self._sniff(chunk)
            if self.mode != "skip" and self.parser is None:
                self.parser = self._parser()
            self.started = True
        if self.mode in ("xml", "start"):
            try:
                self.parser.Parse(chunk, False)
            except (ValueError, LookupError) as exc:  # pyexpat: a declared encoding it cannot read (UTF-7, Shift_JIS ...)
                raise PartRefused("bad_encoding", part=self.name, detail=str(exc) or type(exc).__name__) from None
            except expat.ExpatError as exc:
                if exc.code in _ENCODING_ERRORS:
                    raise PartRefused("bad_encoding", part=self.name, detail=expat.errors.messages[exc.code]) from None
                self.mode, self.parser = "broken", None
                self._add_bytes(chunk)
                return
            # Text is reported as it arrives, so only one tag, comment or instruction keeps expat quiet.
            self.quiet = 0 if self.events() else self.quiet + len(chunk)
            if self.quiet > self.owner.limits.max_tag_bytes:
                raise PartRefused("huge_tag", part=self.name, detail=f"a single tag, comment or instruction over {self.owner.limits.max_tag_bytes // 1024:,} KB long")
        elif self.mode == "broken":
            self._add_bytes(chunk)

    def whole(self, data: bytes) -> None:
        """Count a part unpacked in full: in one libxml2 parse when that is sure to agree, else as :meth:`feed` would."""
        if not self._measured(data):
            for i in range(0, len(data), 64 * 1024):
                self.feed(data[i:i + 64 * 1024])
        self.close()

    def _measured(self, data: bytes) -> bool:
        """True if the part was counted in one parse and is within every limit; False to count it with expat."""
        if not self._may_recall(len(data)):
            return False
        if self.keyed:  # the caller remembers the measurement by its own key
            measured = _measure(data, None, self.owner.limits)
            if measured is None:
                return False
        else:
            digest = _digest(data)
            key = (digest, self.owner.limits)
            measured = lookup(_MEASURED, key)
            if measured is None:
                measured = _measure(data, digest, self.owner.limits)
                if measured is None:
                    return False
                remember(_MEASURED, key, measured, _MEASURED_KEPT)
        self._take((*measured, len(data)))
        return True

    def recall(self, measured: tuple) -> bool:
        """Count a part from the :attr:`measured` of a part with the very same bytes, without them.

        True, and the part is counted and closed, exactly as :meth:`whole` would count those bytes:
        the same measurement, and the same checks against the file's totals so far. False if
        :meth:`whole` would not count them from one measurement here: then nothing was counted,
        and the bytes must be fed as usual.
        """
        if not self._may_recall(measured[4]):
            return False
        self._take(measured)
        self.close()
        return True

    def _may_recall(self, size: int) -> bool:
        """Whether a whole part of ``size`` bytes may be counted from one measurement (else expat counts it)."""
        limits, owner = self.owner.limits, self.owner
        if self.started or size > WHOLE_BYTES or not size:
            return False
        # A count could pass a limit: expat counts it exactly, and says which.
        return not (size // 4 > min(limits.max_part_elements, limits.max_file_elements - owner.elements)
                    or size // 5 > min(limits.max_part_attributes, limits.max_file_attributes - owner.attributes))

    def _take(self, measured: tuple) -> None:
        self.mode, self.started, elements, attributes, _size = measured
        self.counts = lambda: (elements, attributes)
        self.measured = measured

    def close(self) -> None:
        """The part ended: add its elements and attributes to the file's totals."""
        elements, attributes = self.counts()
        self.owner.elements += elements + self.extra[0]
        self.owner.attributes += attributes + self.extra[1]
        self.parser = None

    def _sniff(self, head: bytes) -> str:
        """How to count a part, from its first bytes: parsers read only what starts with '<' (after a BOM and blanks)."""
        if not self.started:
            if head[:4] in _FOREIGN_STARTS:
                raise PartRefused("bad_encoding", part=self.name, detail=_FOREIGN_STARTS[head[:4]])
            if head[:2] in (b"\xff\xfe", b"\xfe\xff", b"<\0", b"\0<"):
                return "xml"  # UTF-16, which expat reads
            head = head.removeprefix(b"\xef\xbb\xbf")
        text = head.lstrip(b" \t\r\n")
        if not text:
            return "start"  # blanks so far, which every XML parser skips: decide on the next chunk
        return "xml" if text[:1] == b"<" else "skip"

    def _parser(self):
        # Closures over plain ints: the handlers run once per element, so they do as little as possible.
        limits, name, owner = self.owner.limits, self.name, self.owner
        max_depth, per_element = limits.max_depth, limits.max_element_attributes
        stop = min(limits.max_part_elements, limits.max_file_elements - owner.elements)
        stop_attributes = min(limits.max_part_attributes, limits.max_file_attributes - owner.attributes)
        count = depth = attributes = 0
        heard = False

        def start(_tag, pairs):
            nonlocal count, depth, attributes, heard
            heard = True
            count += 1
            depth += 1
            attributes += len(pairs) >> 1  # ordered_attributes: [name, value, name, value, ...]
            if depth > max_depth:
                raise PartRefused("too_deep", part=name, limit=max_depth)
            if len(pairs) > 2 * per_element:
                raise PartRefused("huge_tag", part=name, detail=f"an element with more than {per_element:,} attributes")
            if count > stop or attributes > stop_attributes:
                self._over(count, attributes)

        def end(_tag):
            nonlocal depth, heard
            heard = True
            depth -= 1

        def text(_data):
            nonlocal heard
            heard = True

        def doctype(*_args):
            raise PartRefused("doctype", part=name)

        def events() -> bool:
            nonlocal heard
            was, heard = heard, False
            return was

        parser = expat.ParserCreate()
        parser.ordered_attributes = True  # a list per element is cheaper to build than a dict
        parser.StartElementHandler, parser.EndElementHandler = start, end
        parser.CharacterDataHandler, parser.StartDoctypeDeclHandler = text, doctype
        self.counts, self.events = (lambda: (count, attributes)), events
        return parser

    def _add_bytes(self, chunk: bytes) -> None:
        # Deleting NULs makes UTF-16 text ASCII-like. Every element starts with a '<' that is not
        # '</', and every attribute has an '='.
        plain = chunk.translate(None, b"\0")
        self.extra[0] += plain.count(b"<") - plain.count(b"</")
        self.extra[1] += plain.count(b"=")
        elements, attributes = self.counts()
        self._over(elements + self.extra[0], attributes + self.extra[1])

    def _over(self, elements: int, attributes: int) -> None:
        limits, owner = self.owner.limits, self.owner
        for code, count, part_limit, file_limit, total in (
            ("too_many_elements", elements, limits.max_part_elements, limits.max_file_elements, owner.elements),
            ("too_many_attributes", attributes, limits.max_part_attributes, limits.max_file_attributes, owner.attributes),
        ):
            if count > part_limit:
                raise PartRefused(code, detail=f"Part '{self.name}' inside the file holds", limit=part_limit)
            if total + count > file_limit:
                raise PartRefused(code, detail="The parts of the file hold", limit=file_limit)
