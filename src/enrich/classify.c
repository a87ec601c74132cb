/*
 * Image classification: the one table that says which programs are browsers, mail and chat
 * clients, script hosts, archive tools, LOLBins...  Matching is by file name, so per-user
 * installs (C:\Users\u\AppData\Local\Google\Chrome\Application\chrome.exe, ...\Programs\
 * Opera\opera.exe, ...\Discord\app-1.0.9\Discord.exe) classify like Program Files ones.  A
 * few generic names (launcher.exe, browser.exe) only count under their vendor's folder.
 */
#include "enrich-int.h"

typedef struct cls_row {
    const char *name;    /* lowercase file name */
    size_t len;          /* strlen(name) */
    const char *in_path; /* lowercase substring the full path must contain, or NULL */
    uint16_t primary;    /* the class that names the image */
    uint16_t also;       /* further classes */
} cls_row;

/* The length is computed from the literal so a row cannot disagree with its name. */
#define ROW(name, in_path, primary, also)                                                          \
    {                                                                                              \
        name, sizeof(name) - 1, in_path, primary, also                                             \
    }
#define B  LW_CLS_BROWSER
#define M  LW_CLS_MAIL
#define C  LW_CLS_CHAT
#define O  LW_CLS_OFFICE
#define P  LW_CLS_PDF
#define S  LW_CLS_SCRIPT_HOST
#define SH LW_CLS_SHELL
#define D  LW_CLS_DESKTOP
#define A  LW_CLS_ARCHIVE
#define I  LW_CLS_INSTALLER
#define L  LW_CLS_LOLBIN

static const cls_row cls_table[] = {
    /* browsers (Chromium and Gecko families, legacy IE/Edge) */
    ROW("chrome.exe", NULL, B, 0),
    ROW("msedge.exe", NULL, B, 0),
    ROW("firefox.exe", NULL, B, 0),
    ROW("iexplore.exe", NULL, B, 0),
    ROW("microsoftedge.exe", NULL, B, 0),
    ROW("microsoftedgecp.exe", NULL, B, 0),
    ROW("opera.exe", NULL, B, 0),
    ROW("opera_gx.exe", NULL, B, 0),
    ROW("launcher.exe", "\\opera", B, 0),
    ROW("brave.exe", NULL, B, 0),
    ROW("vivaldi.exe", NULL, B, 0),
    ROW("chromium.exe", NULL, B, 0),
    ROW("browser.exe", "\\yandex\\", B, 0),
    ROW("waterfox.exe", NULL, B, 0),
    ROW("librewolf.exe", NULL, B, 0),
    ROW("palemoon.exe", NULL, B, 0),
    ROW("seamonkey.exe", NULL, B, 0),
    ROW("maxthon.exe", NULL, B, 0),
    ROW("whale.exe", NULL, B, 0),
    ROW("arc.exe", NULL, B, 0),
    ROW("duckduckgo.exe", NULL, B, 0),
    ROW("safari.exe", NULL, B, 0),
    /* mail clients */
    ROW("outlook.exe", NULL, M, O),
    ROW("olk.exe", NULL, M, 0), /* new Outlook */
    ROW("hxoutlook.exe", NULL, M, 0),
    ROW("hxmail.exe", NULL, M, 0),
    ROW("thunderbird.exe", NULL, M, 0),
    ROW("winmail.exe", NULL, M, 0),
    ROW("msimn.exe", NULL, M, 0),
    ROW("mailbird.exe", NULL, M, 0),
    ROW("mailclient.exe", NULL, M, 0), /* eM Client */
    ROW("postbox.exe", NULL, M, 0),
    ROW("thebat.exe", NULL, M, 0),
    ROW("thebat64.exe", NULL, M, 0),
    /* chat clients (links arrive there too) */
    ROW("teams.exe", NULL, C, 0),
    ROW("ms-teams.exe", NULL, C, 0),
    ROW("slack.exe", NULL, C, 0),
    ROW("discord.exe", NULL, C, 0),
    ROW("telegram.exe", NULL, C, 0),
    ROW("whatsapp.exe", NULL, C, 0),
    ROW("signal.exe", NULL, C, 0),
    ROW("skype.exe", NULL, C, 0),
    ROW("lync.exe", NULL, C, 0),
    ROW("zoom.exe", NULL, C, 0),
    ROW("element.exe", NULL, C, 0),
    /* office and document readers */
    ROW("winword.exe", NULL, O, 0),
    ROW("excel.exe", NULL, O, 0),
    ROW("powerpnt.exe", NULL, O, 0),
    ROW("msaccess.exe", NULL, O, 0),
    ROW("mspub.exe", NULL, O, 0),
    ROW("onenote.exe", NULL, O, 0),
    ROW("onenotem.exe", NULL, O, 0),
    ROW("visio.exe", NULL, O, 0),
    ROW("eqnedt32.exe", NULL, O, 0),
    ROW("acrord32.exe", NULL, P, 0),
    ROW("acrobat.exe", NULL, P, 0),
    ROW("foxitreader.exe", NULL, P, 0),
    ROW("foxitpdfreader.exe", NULL, P, 0),
    ROW("sumatrapdf.exe", NULL, P, 0),
    /* script hosts */
    ROW("wscript.exe", NULL, S, L),
    ROW("cscript.exe", NULL, S, L),
    ROW("mshta.exe", NULL, S, L),
    ROW("powershell.exe", NULL, S, 0),
    ROW("powershell_ise.exe", NULL, S, 0),
    ROW("pwsh.exe", NULL, S, 0),
    ROW("autoit3.exe", NULL, S, 0),
    ROW("autohotkey.exe", NULL, S, 0),
    ROW("autohotkey64.exe", NULL, S, 0),
    ROW("autohotkeyu64.exe", NULL, S, 0),
    /* shells */
    ROW("cmd.exe", NULL, SH, 0),
    ROW("explorer.exe", NULL, D, 0),
    /* archive tools */
    ROW("7z.exe", NULL, A, 0),
    ROW("7zg.exe", NULL, A, 0),
    ROW("7zfm.exe", NULL, A, 0),
    ROW("7za.exe", NULL, A, 0),
    ROW("winrar.exe", NULL, A, 0),
    ROW("rar.exe", NULL, A, 0),
    ROW("unrar.exe", NULL, A, 0),
    ROW("winzip.exe", NULL, A, 0),
    ROW("winzip64.exe", NULL, A, 0),
    ROW("bandizip.exe", NULL, A, 0),
    ROW("bz.exe", NULL, A, 0),
    ROW("peazip.exe", NULL, A, 0),
    ROW("izarc.exe", NULL, A, 0),
    ROW("tar.exe", NULL, A, L),
    /* installers */
    ROW("msiexec.exe", NULL, I, L),
    ROW("appinstaller.exe", NULL, I, 0),
    ROW("wusa.exe", NULL, I, 0),
    /* LOLBins that open or fetch what they are given */
    ROW("rundll32.exe", NULL, L, 0),
    ROW("regsvr32.exe", NULL, L, 0),
    ROW("control.exe", NULL, L, 0),
    ROW("hh.exe", NULL, L, 0),
    ROW("certutil.exe", NULL, L, 0),
    ROW("bitsadmin.exe", NULL, L, 0),
    ROW("curl.exe", NULL, L, 0),
    ROW("wmic.exe", NULL, L, 0),
    ROW("cmstp.exe", NULL, L, 0),
    ROW("installutil.exe", NULL, L, 0),
    ROW("regasm.exe", NULL, L, 0),
    ROW("regsvcs.exe", NULL, L, 0),
    ROW("msbuild.exe", NULL, L, 0),
    ROW("forfiles.exe", NULL, L, 0),
    ROW("pcalua.exe", NULL, L, 0),
    ROW("msxsl.exe", NULL, L, 0),
    ROW("odbcconf.exe", NULL, L, 0),
    ROW("ieexec.exe", NULL, L, 0),
    ROW("infdefaultinstall.exe", NULL, L, 0),
    ROW("esentutl.exe", NULL, L, 0),
    ROW("expand.exe", NULL, L, 0),
    ROW("extrac32.exe", NULL, L, 0),
    ROW("presentationhost.exe", NULL, L, 0),
    ROW("msdt.exe", NULL, L, 0),
    ROW("finger.exe", NULL, L, 0),
    ROW("scriptrunner.exe", NULL, L, 0),
    ROW("syncappvpublishingserver.exe", NULL, L, 0),
    ROW("mavinject.exe", NULL, L, 0),
    ROW("certoc.exe", NULL, L, 0),
    ROW("desktopimgdownldr.exe", NULL, L, 0),
    ROW("ftp.exe", NULL, L, 0),
    ROW("xwizard.exe", NULL, L, 0),
    ROW("verclsid.exe", NULL, L, 0),
    ROW("wsl.exe", NULL, L, 0),
    ROW("bash.exe", NULL, L, 0),
    ROW("schtasks.exe", NULL, L, 0),
    ROW("dfsvc.exe", NULL, L, 0),
};

#undef ROW
#undef B
#undef M
#undef C
#undef O
#undef P
#undef S
#undef SH
#undef D
#undef A
#undef I
#undef L

static const char *const cls_names[LW_CLS__COUNT] = {
    "browser", "mail_client", "chat_client",  "office",    "pdf_reader", "script_host",
    "shell",   "desktop",     "archive_tool", "installer", "lolbin",
};

lw_str lw_path_basename(lw_str path)
{
    for (size_t i = path.n; i > 0; i--)
        if (path.p[i - 1] == '\\' || path.p[i - 1] == '/')
            return (lw_str){path.p + i, path.n - i};
    return path;
}

uint16_t lw_image_classes(lw_str image, uint16_t *primary)
{
    if (primary)
        *primary = 0;
    /* Quotes and blanks around an image happen in hand-made logs. */
    while (image.n && (image.p[image.n - 1] == '"' || image.p[image.n - 1] == ' '))
        image.n--;
    lw_str base = lw_path_basename(image);
    if (base.n < 5 || base.n > 40) /* shortest "hh.exe"-like name is 5+ ("7z.exe" 6) */
        return 0;
    for (size_t i = 0; i < sizeof cls_table / sizeof cls_table[0]; i++) {
        const cls_row *r = &cls_table[i];
        /* Cheap rejections first: length and first byte. */
        size_t n = r->len;
        if (n != base.n || lw_lower((unsigned char)base.p[0]) != (unsigned char)r->name[0])
            continue;
        if (!lw_str_ieq(base, (lw_str){r->name, n}))
            continue;
        if (r->in_path && lw_str_ifind(image, lw_str_c(r->in_path)) < 0)
            continue;
        if (primary)
            *primary = r->primary;
        return (uint16_t)(r->primary | r->also);
    }
    return 0;
}

uint16_t lw_image_classes_cached(lw_cls_cache *c, lw_str image)
{
    if (!image.n || image.n > UINT32_MAX)
        return 0;
    uint64_t k = lw_str_ihash(image) | 1; /* 0 marks an empty slot */
    size_t slot = (size_t)(k >> 7) & (LW_CLS_CACHE_SIZE - 1);
    if (c->key[slot] == k && c->len[slot] == image.n)
        return c->cls[slot];
    uint16_t cls = lw_image_classes(image, NULL);
    c->key[slot] = k;
    c->len[slot] = (uint32_t)image.n;
    c->cls[slot] = cls;
    return cls;
}

const char *lw_class_name(uint16_t bit)
{
    for (unsigned i = 0; i < LW_CLS__COUNT; i++)
        if (bit == (1u << i))
            return cls_names[i];
    return "";
}

lw_str lw_classes_join(uint16_t mask, char *buf, size_t cap)
{
    size_t k = 0;
    for (unsigned i = 0; i < LW_CLS__COUNT; i++) {
        if (!(mask & (1u << i)))
            continue;
        size_t n = strlen(cls_names[i]);
        if (k + (k ? 1 : 0) + n > cap)
            break;
        if (k)
            buf[k++] = ',';
        memcpy(buf + k, cls_names[i], n);
        k += n;
    }
    return (lw_str){buf, k};
}
