"""Evaluation data for lurewatch's URL scorer (shared by bench/url/url-eval.py and
scripts/fit-url-model.py).

Malicious: OpenPhish public feed (300 phishing URLs) + URLhaus (21,918 malware URLs), from
../shared/data/url_lists.  Benign: there is no benign *URL* list in the shared data, only
the Tranco top-10k *domains*, so benign URLs are built from them: each Tranco domain gives
two URLs whose host is the domain, "www." + domain or a common subdomain, and whose path
comes from templates of what ordinary sites serve (articles, products, search, static
assets, docs, login/account pages with return URLs, API calls, software downloads
(.exe/.zip/.tar.gz/.pdf), video ids, tracking parameters, opaque tokens), drawn with a
fixed seed.  The hosts are real; the paths are synthetic, which is the main caveat of the
benign side (docs/url-intel.md).

Split: by host (SHA-1 of the lowercase host, 70% train / 30% test), so URLs of one host never
straddle the split and the test hosts were never seen while fitting.
"""
import csv
import hashlib
import os
import random
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("LW_SHARED_DIR", os.path.join(os.path.dirname(ROOT), "shared"))
LISTS = os.path.join(SHARED, "data", "url_lists")

WORDS = ("news world sport tech business science health travel food music video games "
         "review guide how-to best new update report market city school home garden cars "
         "money style culture event photo blog story release community forum help faq "
         "product pricing about careers contact privacy terms team open source cloud data "
         "design mobile app free online learn course weather maps finance energy").split()
SUBS = ("mail m en api cdn static img docs support help blog shop news accounts login auth "
        "app dl download media community developer portal store").split()


def _slug(r, n):
    return "-".join(r.choice(WORDS) for _ in range(n))


def _hex(r, n):
    return "".join(r.choice("0123456789abcdef") for _ in range(n))


def _b64(r, n):
    return "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
                   for _ in range(n))


def _path(r, domain):
    k = r.random()
    if k < 0.15:
        return r.choice(["/", "", "/index.html", "/en-us/", "/home"])
    if k < 0.35:
        return r.choice([
            "/news/%d/%02d/%s" % (r.randint(2015, 2025), r.randint(1, 12), _slug(r, r.randint(3, 7))),
            "/%s/%s-%d" % (r.choice(WORDS), _slug(r, r.randint(2, 6)), r.randint(1000, 9999999)),
            "/blog/%s" % _slug(r, r.randint(2, 6)),
            "/%s/%s/%s/%s" % (r.choice(WORDS), r.choice(WORDS), r.choice(WORDS), _slug(r, r.randint(5, 12))),
            "/search?q=%s&sxsrf=%s&ei=%s&ved=%s" % (_slug(r, 3), _b64(r, 40), _b64(r, 22), _b64(r, 30)),
            "/article/%d.html" % r.randint(10000, 99999999)])
    if k < 0.43:
        return r.choice(["/product/%s/%d" % (_slug(r, 3), r.randint(100, 999999)),
                         "/p/%d" % r.randint(100, 99999999),
                         "/dp/B0%s" % _b64(r, 8).upper()])
    if k < 0.51:
        return "/search?q=%s+%s" % (r.choice(WORDS), r.choice(WORDS))
    if k < 0.66:
        return r.choice(["/static/js/main.%s.js" % _hex(r, 8),
                         "/assets/css/app.%s.css" % _hex(r, 8),
                         "/images/%s_%d.jpg" % (r.choice(WORDS), r.randint(1, 9999)),
                         "/wp-content/uploads/%d/%02d/%s.png" % (r.randint(2015, 2025), r.randint(1, 12), _slug(r, 2)),
                         "/favicon.ico", "/robots.txt", "/sitemap.xml"])
    if k < 0.74:
        return r.choice(["/docs/%s/%s" % (r.choice(WORDS), r.choice(WORDS)),
                         "/help/%s" % _slug(r, 3), "/support/article/%d" % r.randint(1, 99999)])
    if k < 0.80:
        ret = urllib.parse.quote("https://%s/%s" % (domain, r.choice(WORDS)), safe="")
        return r.choice(["/login", "/signin?continue=%s" % ret, "/account/settings",
                         "/auth/callback?code=%s&state=%s" % (_hex(r, 32), _hex(r, 16)),
                         "/user/login?destination=/%s" % r.choice(WORDS), "/account/verify-email"])
    if k < 0.84:
        v = "%d.%d.%d" % (r.randint(1, 30), r.randint(0, 20), r.randint(0, 99))
        w = r.choice(WORDS).capitalize()
        return r.choice(["/download/%sSetup-%s.exe" % (w, v), "/files/%s-%s.zip" % (w.lower(), v),
                         "/releases/%s-%s.tar.gz" % (w.lower(), v), "/docs/%s.pdf" % _slug(r, 2),
                         "/dl/%s_%s_x64.msi" % (w, v)])
    if k < 0.90:
        return "/api/v%d/%s/%d?format=json" % (r.randint(1, 3), r.choice(WORDS), r.randint(1, 99999))
    if k < 0.93:
        # third-party sign-in, sharing and integrations: brand names in benign paths
        b = r.choice(["google", "facebook", "apple", "microsoft", "github", "twitter", "linkedin",
                      "paypal", "amazon", "dropbox", "slack", "zoom"])
        return r.choice(["/auth/%s/callback?code=%s" % (b, _hex(r, 24)), "/integrations/%s" % b,
                         "/share/%s?url=%s" % (b, urllib.parse.quote("https://%s/%s" % (domain, _slug(r, 3)), safe="")),
                         "/login/%s" % b, "/connect/%s" % b, "/help/%s-%s" % (b, _slug(r, 2))])
    if k < 0.95:
        return r.choice(["/watch?v=%s" % _b64(r, 11), "/user/%s%d" % (r.choice(WORDS), r.randint(1, 999)),
                         "/@%s" % r.choice(WORDS)])
    return "/%s/%s" % (_hex(r, 32), _b64(r, 20))


def benign_urls(n_per_domain=2, seed=1204):
    r = random.Random(seed)
    out = []
    with open(os.path.join(LISTS, "tranco_top10k", "top-10k.csv"), encoding="utf-8") as f:
        for row in f:
            d = row.strip().lower()
            if not d or d == "domain":
                continue
            for _ in range(n_per_domain):
                scheme = "https" if r.random() < 0.92 else "http"
                k = r.random()
                host = ("www." + d) if k < 0.45 else d if k < 0.80 else (r.choice(SUBS) + "." + d)
                path = _path(r, d)
                if r.random() < 0.10 and "?" not in path:
                    path += "?utm_source=%s&utm_medium=email&utm_campaign=%s" % (r.choice(WORDS), _slug(r, 2))
                out.append(("benign", "tranco-synth", "%s://%s%s" % (scheme, host, path)))
    return out


def malicious_urls():
    out = []
    with open(os.path.join(LISTS, "openphish_public_feed", "feed.txt"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(("malicious", "openphish", line.strip()))
    with open(os.path.join(LISTS, "urlhaus_via_scam_detector_model", "urlhaus.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row.get("url"):
                out.append(("malicious", "urlhaus", row["url"].strip()))
    return out


def host_of(url):
    try:
        h = urllib.parse.urlsplit(url if "://" in url else "http://" + url).hostname or url
    except ValueError:
        h = url
    return h.lower().rstrip(".")


def split_of(url):
    h = hashlib.sha1(host_of(url).encode("utf-8", "replace")).digest()
    return "train" if h[0] % 10 < 7 else "test"


def dataset():
    """[(label, source, split, url)]"""
    rows = benign_urls() + malicious_urls()
    return [(l, s, split_of(u), u) for (l, s, u) in rows if "\n" not in u]
