#!/usr/bin/env python3
"""Write small EVTX files for tests/unit/test_evtx_native.c and the fuzz_evtx seed corpus.

    scripts/gen-evtx-fixtures.py [OUTDIR [SEEDDIR]]
    (defaults: tests/fixtures/evtx and fuzz/corpus/evtx)

Everything is built from scratch here (file header, chunks, records, binary XML with
templates), so the files are reproducible and carry no third-party data:

  types.evtx        one chunk: template A defined inline (record 1) and reused by offset
                    (record 2) with every value type, arrays, and a null optional value;
                    record 3 a UserData whose content is a nested BinXml value (its own
                    template instance, defined inside the value); record 4 no template at
                    all (elements without dependency identifiers, like Defender's)
  two-chunks.evtx   two chunks of 3 records each, a template per chunk
  bad-chunk-crc.evtx      types.evtx with a wrong chunk header CRC32 (warn, read all)
  bad-records-crc.evtx    types.evtx with a wrong event-records CRC32 (warn, read all)
  bad-chunk-magic.evtx    two-chunks.evtx, second chunk signature destroyed (warn, all 6 read)
  slack.evtx              records 1-2 live, 3 past the free-space offset, then a copy of 1
  truncated.evtx          types.evtx cut inside record 3 (2 records, 1 skip, warnings)
  bad-offset.evtx         record 2's template offset points past the chunk (1 skip)
  template-cycle.evtx     record 2's template contains an instance of itself (1 skip)
  deep-nesting.evtx       record 1 nests BinXml values 100 deep (1 skip)
  bad-name.evtx           record 4's element name offset out of range (1 skip)
The expected counts are asserted in the test.
"""
import os
import struct
import sys
import zlib

NS = "http://schemas.microsoft.com/win/2004/08/events/event"

# value types
NULL, STRING, ANSI, I8, U8, I16, U16, I32, U32, I64, U64, R32, R64, BOOL, BINARY, GUID, SIZET, \
    FILETIME, SYSTEMTIME, SID, HEX32, HEX64 = range(0x16)
BINXML = 0x21
ARRAY = 0x80


def u16s(s):
    return s.encode("utf-16-le")


class Chunk:
    """Binary XML is written straight into the chunk buffer, so offsets are known."""

    def __init__(self):
        self.b = bytearray(512)
        self.names = {}
        self.templates = {}  # key -> definition offset
        self.recs = []  # (offset, id)
        self.marks = {}

    def pos(self):
        return len(self.b)

    def put(self, data):
        self.b += data

    # -- binary XML pieces --
    def name(self, name):
        if name in self.names:
            self.put(struct.pack("<I", self.names[name]))
            return
        off = self.pos() + 4
        self.names[name] = off
        h = 0
        for ch in name:  # the hash Windows stores (not checked by readers)
            h = (h * 65599 + ord(ch)) & 0xFFFFFFFF
        self.put(struct.pack("<IIHH", off, 0, h & 0xFFFF, len(name)) + u16s(name) + b"\0\0")

    def open(self, name, attrs=(), dep=True):
        """attrs: list of (name, writer) where writer() writes the value tokens."""
        self.put(bytes([0x41 if attrs else 0x01]))
        if dep:
            self.put(b"\xff\xff")
        size_at = self.pos()
        self.put(b"\0\0\0\0")
        self.name(name)
        if attrs:
            alist_at = self.pos()
            self.put(b"\0\0\0\0")
            a0 = self.pos()
            for i, (an, w) in enumerate(attrs):
                self.put(bytes([0x46 if i + 1 < len(attrs) else 0x06]))
                self.name(an)
                w()
            struct.pack_into("<I", self.b, alist_at, self.pos() - a0)
        return size_at

    def close_elem(self, size_at, content=None):
        if content is None:
            self.put(b"\x03")
        else:
            self.put(b"\x02")
            content()
            self.put(b"\x04")
        struct.pack_into("<I", self.b, size_at, self.pos() - size_at - 4)

    def elem(self, name, content=None, attrs=(), dep=True):
        at = self.open(name, attrs, dep)
        self.close_elem(at, content)

    def text(self, s):
        self.put(b"\x05\x01" + struct.pack("<H", len(s)) + u16s(s))

    def sub(self, i, t, optional=False):
        self.put(bytes([0x0E if optional else 0x0D]) + struct.pack("<HB", i, t))

    def instance_header(self, key, body, tid):
        """Template instance token and its template: defined inline (body() writes the
        element(s)) the first time key is used, referred to by offset after that."""
        self.put(b"\x0c\x01" + struct.pack("<I", tid))
        if key in self.templates:
            self.marks["last_instance_offset_field"] = self.pos()
            self.put(struct.pack("<I", self.templates[key]))
            return
        off = self.pos() + 4
        self.templates[key] = off
        self.marks["last_instance_offset_field"] = self.pos()
        self.put(struct.pack("<I", off))
        self.put(struct.pack("<I", 0) + bytes(range(16)))
        size_at = self.pos()
        self.put(b"\0\0\0\0")
        d0 = self.pos()
        self.put(b"\x0f\x01\x01\x00")
        body()
        self.put(b"\x00")
        struct.pack_into("<I", self.b, size_at, self.pos() - d0)

    def instance(self, key, body, values, tid=0x1234):
        """Template instance: body() writes the template's element(s) the first time."""
        self.instance_header(key, body, tid)
        self.put(struct.pack("<I", len(values)))
        for t, data in values:
            self.put(struct.pack("<HBB", len(data), t, 0))
        for t, data in values:
            if callable(data):
                raise ValueError
            self.put(data)

    def record(self, rid, writer):
        off = self.pos()
        self.put(b"**\0\0" + b"\0\0\0\0" + struct.pack("<QQ", rid, 132500000000000000 + rid))
        self.put(b"\x0f\x01\x01\x00")
        writer()
        self.put(b"\x00")
        while (self.pos() - off + 4) % 8:
            self.put(b"\0")
        size = self.pos() - off + 4
        self.put(struct.pack("<I", size))
        struct.pack_into("<I", self.b, off + 4, size)
        self.recs.append((off, rid))

    def finish(self):
        assert len(self.b) <= 65536, len(self.b)
        free = len(self.b)
        last_off = self.recs[-1][0] if self.recs else 0
        self.b += bytes(65536 - len(self.b))
        first, last = (self.recs[0][1], self.recs[-1][1]) if self.recs else (0, 0)
        struct.pack_into("<8sQQQQIII", self.b, 0, b"ElfChnk\0", first, last, first, last, 128,
                         last_off, free)
        struct.pack_into("<I", self.b, 52, zlib.crc32(bytes(self.b[512:free])))
        struct.pack_into("<I", self.b, 120, 1)
        fix_chunk_crc(self.b)
        return bytes(self.b)


def fix_chunk_crc(b):
    struct.pack_into("<I", b, 124, zlib.crc32(bytes(b[0:120]) + bytes(b[128:512])))


def file_header(nchunks, next_id):
    h = bytearray(4096)
    struct.pack_into("<8sQQQIHHHH", h, 0, b"ElfFile\0", 0, max(nchunks - 1, 0), next_id, 128, 1, 3,
                     4096, nchunks)
    struct.pack_into("<I", h, 120, 0)
    struct.pack_into("<I", h, 124, zlib.crc32(bytes(h[0:120])))
    return bytes(h)


def evtx(chunks, next_id=100):
    return file_header(len(chunks), next_id) + b"".join(chunks)


# ---- values ----
def v_str(s):
    return (STRING, u16s(s))


def v_u16(n):
    return (U16, struct.pack("<H", n))


def v_u64(n):
    return (U64, struct.pack("<Q", n))


def v_filetime(ft):
    return (FILETIME, struct.pack("<Q", ft))


def v_sid(rev, auth, subs):
    return (SID, struct.pack("<BB", rev, len(subs)) + auth.to_bytes(6, "big") +
            b"".join(struct.pack("<I", x) for x in subs))


GUID_BYTES = struct.pack("<IHH", 0x0197231E, 0x005A, 0x6928) + bytes.fromhex("A50B000000000D00")


def system(c, first):
    """<System> with substitutions 0..5: provider, event id, time, record id, channel, computer."""
    c.elem("System", lambda: (
        c.elem("Provider", attrs=[("Name", lambda: c.sub(0, STRING))]),
        c.elem("EventID", lambda: c.sub(1, U16)),
        c.elem("TimeCreated", attrs=[("SystemTime", lambda: c.sub(2, FILETIME))]),
        c.elem("EventRecordID", lambda: c.sub(3, U64)),
        c.elem("Correlation", attrs=[("ActivityID", lambda: c.sub(6, GUID, True))]),
        c.elem("Channel", lambda: c.sub(4, STRING)),
        c.elem("Computer", lambda: c.sub(5, STRING)),
    ))


def sys_values(rid, eid, chan="Lurewatch/Test", host="host-a.example"):
    return [v_str("Lurewatch-Test"), v_u16(eid), v_filetime(133000000000000000 + rid * 10000000),
            v_u64(rid), v_str(chan), v_str(host), (NULL, b"")]


# Template A: every value type in EventData (substitutions 7..)
TYPED = [
    ("String", STRING, u16s("caf\u00e9 <&> \"q\" \U0001F600") + b"\0\0"),
    ("Ansi", ANSI, b"plain ansi\0"),
    ("Int8", I8, struct.pack("<b", -5)),
    ("UInt8", U8, struct.pack("<B", 250)),
    ("Int16", I16, struct.pack("<h", -30000)),
    ("UInt16", U16, struct.pack("<H", 65000)),
    ("Int32", I32, struct.pack("<i", -2000000000)),
    ("UInt32", U32, struct.pack("<I", 4000000000)),
    ("Int64", I64, struct.pack("<q", -9000000000000000000)),
    ("UInt64", U64, struct.pack("<Q", 18000000000000000000)),
    ("Real32", R32, struct.pack("<f", 1.5)),
    ("Real64", R64, struct.pack("<d", 3199.234)),
    ("Bool", BOOL, struct.pack("<I", 1)),
    ("Binary", BINARY, bytes([0, 1, 0xAB, 0xFF])),
    ("ProcessGuid", GUID, GUID_BYTES),
    ("SizeT", SIZET, struct.pack("<Q", 0x1234)),
    ("FileTime", FILETIME, struct.pack("<Q", 132514456812990045)),
    ("SystemTime", SYSTEMTIME, struct.pack("<8H", 2020, 12, 5, 11, 12, 28, 1, 177)),
    ("Sid", SID, v_sid(1, 5, [21, 4230534742, 2542757381, 3142984815, 1111])[1]),
    ("Hex32", HEX32, struct.pack("<I", 0x1FFFFF)),
    ("Hex64", HEX64, struct.pack("<Q", 0x3B5CB2)),
    ("Null", NULL, b""),
    ("EmptyString", STRING, b""),
    ("Strings", STRING | ARRAY, u16s("one\0two\0three\0")),
    ("Numbers", U32 | ARRAY, struct.pack("<3I", 7, 8, 9)),
]


def template_a(c):
    def body():
        def data():
            for i, (name, t, _) in enumerate(TYPED):
                optional = name in ("Null",)
                c.elem("Data", lambda i=i, t=t, optional=optional: c.sub(7 + i, t, optional),
                       attrs=[("Name", lambda name=name: c.text(name))])
        c.elem("Event", lambda: (system(c, True), c.elem("EventData", data)),
               attrs=[("xmlns", lambda: c.text(NS))])
    return body


def typed_values(rid):
    vals = sys_values(rid, 4688)
    for name, t, data in TYPED:
        if name == "String" and rid == 2:
            data = u16s("second record") + b"\0\0"
        vals.append((t, data))
    return vals


def nested_value(c):
    """A BinXml value: fragment header + an instance of template C defined right here.
    Written into a scratch chunk at the offset it will have, so its offsets are right."""
    return None


def rec_nested(c, rid):
    # Template B: <Event><System/><UserData>%7</UserData></Event>, value 7 is BinXml.
    def body_b():
        c.elem("Event", lambda: (system(c, True), c.elem("UserData", lambda: c.sub(7, BINXML))),
               attrs=[("xmlns", lambda: c.text(NS))])

    # The BinXml value's bytes hold chunk offsets, so it is written in place: write the
    # instance header by hand, then the value bytes where they land.
    c.instance_header("B", body_b, 0x5678)
    vals = sys_values(rid, 1102)
    # 8 values: 7 fixed + the BinXml; descriptors need the BinXml size, patched after.
    c.put(struct.pack("<I", len(vals) + 1))
    desc_at = c.pos()
    for t, data in vals:
        c.put(struct.pack("<HBB", len(data), t, 0))
    c.put(struct.pack("<HBB", 0, BINXML, 0))
    for t, data in vals:
        c.put(data)
    v0 = c.pos()
    c.put(b"\x0f\x01\x01\x00")

    def body_c():
        c.elem("LogFileCleared", lambda: (
            c.elem("SubjectUserName", lambda: c.sub(0, STRING)),
            c.elem("SubjectLogonId", lambda: c.sub(1, HEX64)),
            c.elem("SubjectUserSid", lambda: c.sub(2, SID)),
        ), attrs=[("xmlns", lambda: c.text("http://manifests.microsoft.com/win/2004/08/windows/eventlog"))])

    c.instance("C", body_c, [v_str("admmig"), (HEX64, struct.pack("<Q", 0x1F4C65F)),
                             v_sid(1, 5, [18])])
    c.put(b"\x00")
    struct.pack_into("<H", c.b, desc_at + 4 * len(vals), c.pos() - v0)


def rec_raw(c, rid, dep=False):
    """A record without a template: literal elements and text."""
    c.elem("Event", lambda: (
        c.elem("System", lambda: (
            c.elem("Provider", attrs=[("Name", lambda: c.text("Raw-Provider"))], dep=dep),
            c.elem("EventID", lambda: c.text("7045"), dep=dep),
            c.elem("TimeCreated", attrs=[("SystemTime", lambda: c.text("2021-05-06T07:08:09.123Z"))], dep=dep),
            c.elem("EventRecordID", lambda: c.text(str(rid)), dep=dep),
            c.elem("Channel", lambda: c.text("System"), dep=dep),
            c.elem("Computer", lambda: c.text("raw-host"), dep=dep),
        ), dep=dep),
        c.elem("EventData", lambda: (
            c.elem("Data", lambda: c.text("svc & <co>"), attrs=[("Name", lambda: c.text("ServiceName"))], dep=dep),
            c.elem("Data", lambda: (c.text("a"), c.put(b"\x08\x41\x00"), c.text("b")),
                   attrs=[("Name", lambda: c.text("CharRef"))], dep=dep),
            c.elem("Data", lambda: c.put(b"\x07\x03\x00" + u16s("x<y")),
                   attrs=[("Name", lambda: c.text("CData"))], dep=dep),
        ), dep=dep),
    ), attrs=[("xmlns", lambda: c.text(NS))], dep=dep)


def types_chunk(marks=None):
    c = Chunk()
    c.record(1, lambda: c.instance("A", template_a(c), typed_values(1)))
    c.record(2, lambda: c.instance("A", template_a(c), typed_values(2)))
    if marks is not None:
        marks["rec2_def_field"] = c.marks["last_instance_offset_field"]
    c.record(3, lambda: rec_nested(c, 3))
    c.record(4, lambda: rec_raw(c, 4))
    if marks is not None:
        marks["recs"] = list(c.recs)
    return c


def small_chunk(first_id):
    c = Chunk()
    for rid in range(first_id, first_id + 3):
        c.record(rid, lambda rid=rid: c.instance("A", template_a(c), typed_values(rid)))
    return c.finish()


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests/fixtures/evtx")
    seeds = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "fuzz/corpus/evtx")
    os.makedirs(out, exist_ok=True)
    os.makedirs(seeds, exist_ok=True)
    files = {}

    marks = {}
    types = types_chunk(marks).finish()
    files["types.evtx"] = evtx([types], 5)
    files["two-chunks.evtx"] = evtx([small_chunk(1), small_chunk(4)], 7)

    b = bytearray(types)
    struct.pack_into("<I", b, 124, struct.unpack_from("<I", b, 124)[0] ^ 0xDEAD)
    files["bad-chunk-crc.evtx"] = evtx([bytes(b)], 5)

    b = bytearray(types)
    struct.pack_into("<I", b, 52, struct.unpack_from("<I", b, 52)[0] ^ 0xBEEF)
    fix_chunk_crc(b)
    files["bad-records-crc.evtx"] = evtx([bytes(b)], 5)

    two = bytearray(files["two-chunks.evtx"])
    two[4096 + 65536:4096 + 65536 + 8] = b"XXXXXXXX"
    files["bad-chunk-magic.evtx"] = bytes(two)

    rec3 = marks["recs"][2][0]
    files["truncated.evtx"] = files["types.evtx"][:4096 + rec3 + 40]

    b = bytearray(types)
    struct.pack_into("<I", b, marks["rec2_def_field"], 0x00FFFF00)
    fix_records(b)
    files["bad-offset.evtx"] = evtx([bytes(b)], 5)

    # record 2 refers (by offset) to a template whose body holds an instance of itself
    c = Chunk()
    c.record(1, lambda: c.instance("A", template_a(c), typed_values(1)))
    cyc = {}

    def cyclic():
        c.put(b"\x0c\x01" + struct.pack("<I", 0x9999))
        off = c.pos() + 4
        cyc["off"] = off
        c.put(struct.pack("<I", off) + struct.pack("<I", 0) + bytes(range(16)))
        size_at = c.pos()
        c.put(b"\0\0\0\0")
        d0 = c.pos()
        c.put(b"\x0f\x01\x01\x00")
        at = c.open("Event")
        c.put(b"\x02\x0c\x01" + struct.pack("<II", 0x9999, off) + struct.pack("<I", 0) + b"\x04")
        struct.pack_into("<I", c.b, at, c.pos() - at - 4)
        c.put(b"\x00")
        struct.pack_into("<I", c.b, size_at, c.pos() - d0)
        c.put(struct.pack("<I", 0))
    c.record(2, cyclic)
    c.record(3, lambda: c.instance("A", template_a(c), typed_values(3)))
    files["template-cycle.evtx"] = evtx([c.finish()], 4)

    # BinXml values nested 100 deep: template D = <Event>%0</Event>, value 0 BinXml of the same
    c = Chunk()

    def deep():
        def body_d():
            c.elem("Event", lambda: c.sub(0, BINXML))
        # innermost first is impossible in place, so write outward-in with patched sizes
        levels = []
        for depth in range(100):
            c.instance_header("D", body_d, 0xD)
            c.put(struct.pack("<I", 1))
            desc = c.pos()
            c.put(struct.pack("<HBB", 0, BINXML, 0))
            levels.append((desc, c.pos()))
            c.put(b"\x0f\x01\x01\x00")
        c.elem("Leaf", lambda: c.text("bottom"), dep=False)
        c.put(b"\x00")
        end = c.pos()
        for desc, v0 in levels:
            struct.pack_into("<H", c.b, desc, end - v0)
    c.record(1, deep)
    c.record(2, lambda: c.instance("A", template_a(c), typed_values(2)))
    files["deep-nesting.evtx"] = evtx([c.finish()], 3)

    # record 4 (no template): first element's name offset far out of range
    b = bytearray(types)
    r4 = marks["recs"][3][0]
    name_field = r4 + 24 + 4 + 1 + 4  # record header, fragment header, token, data size
    struct.pack_into("<I", b, name_field, 0x7FFF0000)
    fix_records(b)
    files["bad-name.evtx"] = evtx([bytes(b)], 5)

    # slack space: record 3 lies past the free-space offset (a lost record), followed by a
    # copy of live record 1 (a stale copy)
    c = Chunk()
    for rid in (1, 2, 3):
        c.record(rid, lambda rid=rid: c.instance("A", template_a(c), typed_values(rid)))
    (r1, _), (r2, _), (r3, _) = c.recs
    copy = bytes(c.b[r1:r2])
    b = bytearray(c.finish())
    b[r3 + 700:r3 + 700 + len(copy)] = copy  # well past record 3's end
    struct.pack_into("<QQQQ", b, 8, 1, 2, 1, 2)
    struct.pack_into("<I", b, 44, r2)
    struct.pack_into("<I", b, 48, r3)
    fix_records(b)
    files["slack.evtx"] = evtx([bytes(b)], 3)

    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    for name in ("types.evtx", "two-chunks.evtx", "template-cycle.evtx", "truncated.evtx"):
        with open(os.path.join(seeds, name), "wb") as f:
            f.write(files[name])
    print("wrote %d fixtures to %s" % (len(files), out))


def fix_records(b):
    free = struct.unpack_from("<I", b, 48)[0]
    struct.pack_into("<I", b, 52, zlib.crc32(bytes(b[512:free])))
    fix_chunk_crc(b)


if __name__ == "__main__":
    main()
