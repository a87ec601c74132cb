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

A second benign source, "platform-synth", holds tenants of hosting platforms (github.io,
netlify.app, vercel.app, pages.dev, workers.dev, blogspot.com, herokuapp.com, web.app,
firebaseapp.com, azurewebsites.net, cloudfront.net, onrender.com, glitch.me, wixsite.com,
weebly.com, r2.dev, webflow.io, ...).  Tranco lists registrable domains only, so without
it the platform features could not be measured at all (every tenant in the data would be
malicious).  Tenant names follow each platform's own conventions (netlify's
adjective-noun-hex6 auto names, vercel's project-hash-team previews, pages.dev hex
previews, heroku's adjective-noun-1234, cloudfront's d + 13 random characters, GitHub user
and repository names ...), with ordinary paths, 6% login/account paths and 3% tenant names
that mention a brand in a developer context (discord-bot, stripe-demo).  Synthetic, fixed
seed 4711: it measures FPR on what platform tenants *look like*, not on real traffic.

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


ADJ = ("fluffy clever gilded sunny admirable gleeful magenta silly brave calm eager fancy "
       "jolly kind lively proud witty quiet rapid shiny tiny vivid warm bright cosmic "
       "dreamy frosty golden hidden lucky mellow misty noble polished radiant").split()
NOUN = ("churros baklava vacherin tiramisu mousse cylinder heart rain goat river forest "
        "meadow falcon otter panda comet nebula harbor canyon island lantern maple pebble "
        "quartz willow zephyr biscuit cupcake dolphin ember glacier").split()
PROJ = ("portfolio my-portfolio website personal-site blog landing-page todo-app react-todo "
        "weather-app calculator dashboard admin-panel docs documentation api-docs demo "
        "playground resume cv notes wiki game snake-game tic-tac-toe chat-app recipe-app "
        "shop store ecommerce-demo movie-app quiz-app expense-tracker timer pomodoro "
        "markdown-editor design-system ui-kit components storybook static-site homepage "
        "photography gallery music-player course-project final-project capstone "
        "hackathon-2024 conference meetup event-site wedding church school-project "
        "cafe restaurant bakery studio agency consulting clinic").split()
FIRST = ("alex maria john priya wei ana luca sara omar yuki li chen david emma noah olivia "
         "liam sofia ivan nina raj kofi amara mateo elena hana").split()
LAST = ("smith garcia kumar wang silva rossi kim nguyen patel mueller dubois okafor "
        "santos ivanova tanaka jensen lopez novak").split()
DEV_BRANDS = ("discord-bot slack-app stripe-demo shopify-theme github-stats spotify-stats "
              "google-sheets-api telegram-bot paypal-sdk-demo twitter-card-preview").split()


def _user(r):
    k = r.random()
    if k < 0.4:
        return r.choice(FIRST) + r.choice(LAST) + (str(r.randint(1, 999)) if r.random() < 0.4 else "")
    if k < 0.7:
        return r.choice(FIRST) + "-" + r.choice(LAST)
    return r.choice(WORDS) + r.choice(["dev", "codes", "lab", "hq", "io", ""]) + str(r.randint(0, 99))


def _alnum(r, n):
    return "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


def _project(r):
    if r.random() < 0.03:
        return r.choice(DEV_BRANDS)
    return r.choice(PROJ)


def _tenant_host(r):
    """(host, kind): one tenant host on a hosting platform, named as the platform names."""
    k = r.randrange(17)
    if k == 0:
        return "%s.github.io" % _user(r), "gh"
    if k == 1:
        return r.choice(["%s-%s-%s.netlify.app" % (r.choice(ADJ), r.choice(NOUN), _hex(r, 6)),
                         "%s.netlify.app" % _project(r),
                         "deploy-preview-%d--%s.netlify.app" % (r.randint(1, 400), _project(r)),
                         "%s--%s.netlify.app" % (_hex(r, 24), _project(r))]), "site"
    if k == 2:
        p = _project(r)
        return r.choice(["%s.vercel.app" % p, "%s-%s.vercel.app" % (p, _user(r)),
                         "%s-git-%s-%s.vercel.app" % (p, r.choice(["main", "dev", "staging", "feat-ui"]), _user(r)),
                         "%s-%s-%s-projects.vercel.app" % (p, _alnum(r, 9), _user(r))]), "site"
    if k == 3:
        p = _project(r)
        return r.choice(["%s.pages.dev" % p, "%s.%s.pages.dev" % (_hex(r, 8), p),
                         "%s.%s.pages.dev" % (r.choice(["main", "dev", "preview"]), p)]), "site"
    if k == 4:
        return "%s.%s.workers.dev" % (r.choice(["api", "proxy", "cors", "worker", "redirect", "hello-world", "image-resizer"]) +
                                      r.choice(["", "-" + r.choice(NOUN)]), _user(r)), "api"
    if k == 5:
        return "%s%s.blogspot.com" % (r.choice(WORDS), r.choice(WORDS + FIRST)), "blog"
    if k == 6:
        return r.choice(["%s-%s-%d.herokuapp.com" % (r.choice(ADJ), r.choice(NOUN), r.randint(1000, 99999)),
                         "%s.herokuapp.com" % _project(r),
                         "%s-%s.herokuapp.com" % (_project(r), _hex(r, 12))]), "site"
    if k == 7:
        return r.choice(["%s.web.app" % _project(r), "%s-%s.web.app" % (_project(r), _alnum(r, 5)),
                         "%s-%d.firebaseapp.com" % (_project(r), r.randint(100, 99999))]), "site"
    if k == 8:
        return r.choice(["%s.azurewebsites.net" % _project(r),
                         "%s-%s.azurewebsites.net" % (_project(r), r.choice(["prod", "dev", "api", "test"])),
                         "%s-%s.%s-01.azurewebsites.net" % (_project(r), _alnum(r, 16),
                                                           r.choice(["westeurope", "eastus", "centralus"]))]), "site"
    if k == 9:
        return "d%s.cloudfront.net" % _alnum(r, 13), "cdn"
    if k == 10:
        return r.choice(["%s.onrender.com" % _project(r), "%s-%s.onrender.com" % (_project(r), _alnum(r, 4))]), "site"
    if k == 11:
        return "%s-%s-%s.glitch.me" % (r.choice(ADJ), r.choice(NOUN), r.choice(NOUN)), "site"
    if k == 12:
        return "%s.wixsite.com" % _user(r).replace("-", ""), "wix"
    if k == 13:
        return "%s.weebly.com" % (r.choice(WORDS) + r.choice(WORDS)), "site"
    if k == 14:
        return "pub-%s.r2.dev" % _hex(r, 32), "cdn"
    if k == 15:
        return "%s.webflow.io" % _project(r), "site"
    return r.choice(["%s.gitlab.io" % _user(r), "%s.surge.sh" % _project(r), "%s.fly.dev" % _project(r),
                     "%s.up.railway.app" % _project(r), "%s.deno.dev" % _project(r)]), "site"


def _tenant_path(r, kind):
    k = r.random()
    if kind == "cdn":
        return r.choice(["/assets/%s.%s.js" % (r.choice(WORDS), _hex(r, 8)), "/img/%s_%d.jpg" % (r.choice(WORDS), r.randint(1, 9999)),
                         "/static/media/%s.%s.woff2" % (r.choice(WORDS), _hex(r, 8)), "/%s/%s.png" % (_hex(r, 8), r.choice(WORDS)),
                         "/uploads/%s.pdf" % _slug(r, 2)])
    if kind == "gh" and k < 0.6:
        return "/%s/%s" % (_project(r), r.choice(["", "index.html", "docs/", "about.html"]))
    if kind == "wix":
        return "/%s%s" % (r.choice(WORDS), r.choice(["", "/about", "/contact", "/blog"]))
    if kind == "blog" and k < 0.6:
        return "/%d/%02d/%s.html" % (r.randint(2010, 2025), r.randint(1, 12), _slug(r, r.randint(2, 6)))
    if kind == "api" and k < 0.7:
        return "/%s/%s" % (r.choice(["api", "v1", "proxy"]), r.choice(WORDS))
    if k < 0.35:
        return r.choice(["/", ""])
    if k < 0.55:
        return "/%s" % r.choice(["about", "projects", "contact", "blog", "docs", "pricing", "faq", "team"])
    if k < 0.70:
        return "/%s/%s" % (r.choice(WORDS), _slug(r, r.randint(1, 4)))
    if k < 0.80:
        return r.choice(["/assets/index-%s.js" % _b64(r, 8), "/static/css/main.%s.css" % _hex(r, 8),
                         "/favicon.ico", "/manifest.json"])
    if k < 0.86:
        return r.choice(["/login", "/signin", "/account", "/auth/callback?code=%s" % _hex(r, 20), "/register"])
    if k < 0.93:
        return "/%s?id=%d" % (r.choice(WORDS), r.randint(1, 99999))
    return "/#/%s" % r.choice(WORDS)


def platform_urls(n_hosts=1500, seed=4711):
    r = random.Random(seed)
    out = []
    for _ in range(n_hosts):
        host, kind = _tenant_host(r)
        for _ in range(r.choice([1, 2])):
            scheme = "https" if r.random() < 0.95 else "http"
            out.append(("benign", "platform-synth", "%s://%s%s" % (scheme, host, _tenant_path(r, kind))))
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
    rows = benign_urls() + platform_urls() + malicious_urls()
    return [(l, s, split_of(u), u) for (l, s, u) in rows if "\n" not in u]
