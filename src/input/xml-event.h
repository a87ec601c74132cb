/*
 * Windows event XML: one <Event>...</Event> into an lw_event.
 *
 * Shared by the XML decoder (input-xml.c: wevtutil /f:xml, Get-WinEvent ToXml(), Splunk
 * XmlWinEventLog) and the EVTX decoders (evtx-native.c renders each record's binary XML as
 * this XML; input-evtx.c's libevtx decoder, kept as the oracle, renders it too).  The parser is
 * small and zero-copy: names and values are views into the caller's buffer unless they hold
 * an entity or CDATA, in which case the decoded text is copied into ev->arena.  It is
 * "strict enough": tags must nest and match, but it does not validate the rest of XML
 * (no DTDs, no namespace resolution: prefixes are dropped, "e:Data" is "Data").
 *
 * What becomes what:
 *  - System: Provider@Name -> ev->provider, EventID -> ev->event_id (Qualifiers ignored, as
 *    evtx_dump and Windows do), TimeCreated@SystemTime -> ev->time_ms, EventRecordID ->
 *    ev->record, Channel -> ev->channel, Computer -> ev->host.  System values are NOT added as
 *    fields: lw_event_normalize() does that for every decoder alike.
 *  - EventData: <Data Name="N">v</Data> -> field N = v.  Unnamed <Data>v</Data> elements
 *    become param1, param2, ... (Winlogbeat's names for them) and, in addition, one field
 *    "Data" holding all unnamed values joined with "\n" (the way SigmaHQ rules such as the
 *    classic PowerShell and Application Error ones use "Data|contains" over the whole
 *    event data).  <Binary>hex</Binary> -> field "Binary".  Any other child -> field named
 *    after its local name.  An empty element gives an empty value (not LW_FIELD_NULL:
 *    Windows XML cannot tell an empty string from a missing substitution).
 *  - UserData: the children of the wrapper element (<LogFileCleared xmlns=..>) become
 *    fields named after their local names; deeper elements are flattened to their leaves.
 *  - RenderingInfo: only <Message> is kept, as field "Message".
 *
 * Value normalization (LW_XML_EVTX_DUMP_VALUES): libevtx (and wevtutil) render some typed
 * values differently from evtx_dump, whose JSON is what SigmaHQ's regression data and most
 * EVTX-derived JSON use.  With this flag, values of EventData/UserData fields are rewritten
 * to evtx_dump's form so the EVTX, XML and JSON paths give identical field values:
 *    "{0197231E-005A-6928-A50B-000000000D00}" -> "0197231E-005A-6928-A50B-000000000D00"
 *      when the value is exactly a braced GUID and the field name ends in "Guid" (any
 *      case): evtx_dump prints win:GUID values without braces, but the XML does not say
 *      which values were GUID-typed, and string values such as a registry "Details" of
 *      "{00000001-...}" must keep theirs (ProcessGuid, LogonGuid, SourceProcessGUID,
 *      ObjectGUID... are the GUID-typed ones in Sysmon and Security events),
 *    "0x00000000003b5cb2" -> "0x3b5cb2", "0x001fffff" -> "0x1fffff"
 *      (exactly 0x + 8 or 16 hex digits: libevtx zero-pads HexInt32/HexInt64),
 *    leading/trailing whitespace trimmed (evtx_dump trims text values; Sysmon's
 *      ParentCommandLine '"C:\Windows\system32\cmd.exe" ' becomes '..cmd.exe"').
 *  Line ends are kept as they are ("\r\n" stays, as in evtx_dump), unlike a strict XML
 *  parser that would fold them to "\n".
 */
#ifndef LW_XML_EVENT_H
#define LW_XML_EVENT_H

#include <stddef.h>

#include "input.h"

#define LW_XML_MAX_DEPTH 64 /* element nesting inside <Event> */
#define LW_XML_MAX_ATTRS 64 /* attributes per start tag */

enum {
    LW_XML_EVTX_DUMP_VALUES = 1u << 0, /* normalize values to evtx_dump's rendering */
};

typedef struct lw_xml_error {
    size_t offset;   /* byte offset of the problem from the start of the given buffer */
    const char *msg; /* static text, e.g. "mismatched end tag" */
} lw_xml_error;

/*
 * Parse one Windows event from s[0..n): optional BOM, XML declaration, comments and
 * whitespace, then one <Event> element; anything after its end tag is ignored.  Fills ev
 * (which the caller has reset): system properties, fields, product = LW_PRODUCT_WINDOWS.
 * Views point into s, so s must outlive the event; decoded copies live in ev->arena.
 * Returns LW_OK, LW_EFORMAT (err says what and where; ev may hold partial data and should
 * be reset), or LW_ENOMEM.  err may be NULL.  Never reads outside s[0..n).
 */
lw_status lw_xml_event_parse(const char *s, size_t n, lw_event *ev, unsigned flags,
                             lw_xml_error *err);

/*
 * The same, skipping the fields of events no rule wants: once <System> has been read and
 * lw_want_event(want, channel, provider, event id) is false, EventData, UserData and
 * RenderingInfo are validated exactly as when decoded (the same errors), no fields are
 * added, and on LW_OK ev->partial is set.  want NULL: like lw_xml_event_parse().
 */
lw_status lw_xml_event_parse_want(const char *s, size_t n, lw_event *ev, unsigned flags,
                                  const lw_want *want, lw_xml_error *err);

extern const lw_decoder lw_decoder_xml;
extern const lw_decoder lw_decoder_evtx;

#endif
