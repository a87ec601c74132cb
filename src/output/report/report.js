/* lurewatch HTML report renderer.
 * Every value in the data block comes from attacker-controlled logs: it is only ever put
 * into the page with textContent / createTextNode or as the value of a harmless attribute
 * (class from a fixed list, title); never innerHTML, never href/src, never a handler. */
(function () {
  'use strict';
  var D;
  try {
    D = JSON.parse(document.getElementById('lw-data').textContent);
  } catch (e) {
    document.getElementById('ov').textContent = 'The report data could not be read: ' + e;
    return;
  }
  var LEVELS = ['critical', 'high', 'medium', 'low', 'informational'];
  var RANK = {critical: 5, high: 4, medium: 3, low: 2, informational: 1};
  var STAGES = ['Link', 'Download', 'Execution', 'Children', 'Connections'];
  var KINDS = ['link', 'file', 'proc', 'child', 'conn', 'other'];

  /* ---- DOM helpers: text only ---- */
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      parent.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    }
    return parent;
  }
  function lvClass(l) { return RANK[l] ? l : 'other'; }
  function lvBadge(l) { return el('span', 'lv lv-' + lvClass(l), l || '?'); }
  function fmtN(n) { return (n === undefined || n === null) ? '-' : Number(n).toLocaleString('en-US'); }
  function fmtBytes(n) {
    if (!n) return '0 B';
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return n.toFixed(i ? 1 : 0) + ' ' + u[i];
  }
  function fmtT(t) { return t ? String(t).replace('T', ' ').replace('Z', '') : '-'; }
  function str(v) {
    if (v === undefined || v === null) return '';
    if (Array.isArray(v)) return v.length ? str(v[0]) : '';
    return typeof v === 'string' ? v : JSON.stringify(v);
  }
  function fv(ev, name) {
    if (!ev || typeof ev !== 'object') return '';
    var v = str(ev[name]);
    return v === '-' ? '' : v;
  }
  function base(p) { var m = String(p).split(/[\\/]/); return m[m.length - 1] || p; }
  function rawToggle(parent, obj, label) {
    var b = el('button', 'raw', label || 'raw event');
    b.type = 'button';
    var pre = null;
    b.addEventListener('click', function () {
      if (pre) { pre.remove(); pre = null; return; }
      pre = el('pre', 'rawev', JSON.stringify(obj, null, 2));
      b.insertAdjacentElement('afterend', pre);
    });
    parent.appendChild(b);
  }
  /* as lw_event_headline (src/output/sink.c): a web request's URL, a Windows event's most
     telling field, or two fields of another network record */
  var HEAD = ['CommandLine', 'TargetFilename', 'QueryName', 'ImageLoaded', 'TargetObject',
              'DestinationIp', 'PipeName', 'ScriptBlockText', 'Image', 'ServiceName',
              'TargetUserName', 'Data'];
  var NET = ['filename', 'fileinfo.filename', 'mime_type', 'tx_hosts', 'query', 'dns.rrname',
             'server_name', 'tls.sni', 'alert.signature', 'id.resp_h', 'dest_ip'];
  function headline(ev) {
    var uri = fv(ev, 'c-uri');
    if (uri) return (uri.charAt(0) === '/' ? (fv(ev, 'cs-host') || '') : '') + uri;
    for (var i = 0; i < HEAD.length; i++) { var v = fv(ev, HEAD[i]); if (v) return v; }
    var out = [];
    for (var k = 0; k < NET.length && out.length < 2; k++) { var w = fv(ev, NET[k]); if (w) out.push(w); }
    return out.join(' ');
  }

  /* ---- alerts ---- */
  var alerts = (D.alerts || []).map(function (a, i) {
    var ev = a.event || {};
    return {i: i, a: a, time: a.time || '', t: Date.parse(a.time || '') || 0,
            level: (a.rule && a.rule.level) || '', title: (a.rule && a.rule.title) || '',
            host: a.host || '', cat: a.category || (a.correlation ? 'correlation' : ''),
            head: a.correlation ? (a.correlation.type + ': ' + groupText(a.correlation.group))
                                : headline(ev),
            src: a.source ? (a.source.path + ':' + a.source.record) : ''};
  });
  function groupText(g) {
    if (!g || typeof g !== 'object') return '';
    return Object.keys(g).map(function (k) { return k + '=' + str(g[k]); }).join(', ');
  }
  var urls = D.urls || {};
  function scoreOf(v) { return Object.prototype.hasOwnProperty.call(urls, v) ? urls[v] : null; }

  /* ---- overview ---- */
  function card(k, v, s) {
    var c = el('div', 'card');
    add(c, el('div', 'k', k), el('div', 'v', v), s ? el('div', 's', s) : null);
    return c;
  }
  function countTable(title, rows, cols, max) {
    var wrap = el('div');
    add(wrap, el('h3', null, title));
    var t = el('table'), tr = el('tr');
    cols.forEach(function (c) { add(tr, el('th', null, c)); });
    add(t, tr);
    rows.slice(0, max || 50).forEach(function (r) {
      var row = el('tr');
      r.forEach(function (c, j) {
        var td = el('td', typeof c === 'number' ? 'num' : null);
        if (c && typeof c === 'object') add(td, c); else td.textContent = typeof c === 'number' ? fmtN(c) : (c || '');
        add(row, td);
      });
      add(t, row);
    });
    if (rows.length > (max || 50)) add(wrap, el('p', 'muted', (rows.length - (max || 50)) + ' more not shown'));
    add(wrap, t);
    return wrap;
  }
  function renderOverview() {
    var ov = document.getElementById('ov');
    var st = D.stats, C = D.counts || {};
    var cards = el('div', 'cards');
    if (st) {
      add(cards, card('Inputs', fmtN(st.files) + ' read', fmtN(st.files_failed) + ' not read, ' + fmtBytes(st.bytes)));
      add(cards, card('Records', fmtN(st.records), fmtN(st.events) + ' decoded, ' + fmtN(st.skipped) + ' skipped'));
      add(cards, card('Rules', fmtN(st.rules), st.rules_rejected ? fmtN(st.rules_rejected) + ' rejected' : 'none rejected'));
    } else {
      add(cards, card('Inputs', '?', 'run statistics not available'));
    }
    add(cards, card('Alerts', fmtN(D.total), LEVELS.map(function (l) { return l[0].toUpperCase() + ' ' + fmtN((C.level || {})[l] || 0); }).join(' / ')));
    add(cards, card('Hosts with alerts', fmtN((C.host || []).length + (C.host_other ? 1 : 0)), ''));
    add(cards, card('Alert time range', D.time && D.time.first ? fmtT(D.time.first) : '-', D.time && D.time.last ? 'to ' + fmtT(D.time.last) : ''));
    add(ov, cards);
    if (D.capped) {
      add(ov, el('p', 'warn', 'This report embeds ' + fmtN(D.embedded) + ' of ' + fmtN(D.total) +
          ' alerts (limit ' + fmtN(D.cap) + ' alerts / ' + fmtBytes(D.cap_bytes) + '). Counts in the overview cover all alerts; ' +
          'chains, timeline and table show the embedded ones. Use -f jsonl for the complete list.'));
    }
    if (D.urls_capped) add(ov, el('p', 'muted', 'URL scores: the first ' + fmtN(D.urls_scored) + ' distinct URLs and hosts were scored; ' + fmtN(D.urls_capped) + ' more were not.'));
    if (!D.intel) add(ov, el('p', 'muted', 'URL scoring was not available for this report; URL nodes show what the alerts carry.'));
    var g = el('div', 'grid3');
    var lvRows = LEVELS.map(function (l) {
      var n = (C.level || {})[l] || 0, b = el('span');
      var bar = el('span', 'bar lv-' + l);
      bar.style.width = (D.total ? Math.max(2, Math.round(160 * n / D.total)) : 0) + 'px';
      add(b, bar, lvBadge(l));
      return [b, n];
    });
    if ((C.level || {}).other) lvRows.push([lvBadge('other'), C.level.other]);
    add(g, countTable('Alerts by level', lvRows, ['level', 'alerts']));
    add(g, countTable('Alerts by rule', (C.rule || []).map(function (r) { return [r[0], lvBadge(r[1]), r[2]]; })
        .concat(C.rule_other ? [['(other rules)', '', C.rule_other]] : []), ['rule', 'level', 'alerts']));
    add(g, countTable('Alerts by host', (C.host || []).map(function (r) { return [r[0], r[1]]; })
        .concat(C.host_other ? [['(other hosts)', C.host_other]] : []), ['host', 'alerts']));
    add(ov, g);
    if (st && st.reasons && st.reasons.length) {
      var rows = st.reasons.map(function (r) {
        var what = r.level === 1 ? 'inputs not read' : r.level === 2 ? 'warning (no record lost)' : 'records skipped';
        return [r.reason, what, r.count, (r.first || []).join(', ')];
      });
      add(ov, countTable('Skipped and why', rows, ['reason', 'what', 'count', 'first at']));
    } else if (st) {
      add(ov, el('p', 'muted', 'Nothing was skipped: every record read was decoded.'));
    }
    if (st && st.order_late) {
      add(ov, el('p', 'warn', 'Read order: ' + fmtN(st.order_late) + ' enrichment look-ups came ' +
          'before the process or Mark of the Web they needed (read later, dated earlier), so ' +
          'ancestry and download fields are incomplete. Hunt again with --two-pass.'));
    }
    if (st && st.outside_window) {
      add(ov, el('p', 'muted', 'Time window: ' + fmtN(st.outside_window) + ' events outside ' +
          '--from / --to were read for ancestry and evidence but not matched.'));
    }
    if (st && st.primed) {
      add(ov, el('p', 'muted', 'Two passes: the first recorded ' + fmtN(st.primed) +
          ' process creations and Mark-of-the-Web streams before the hunt.'));
    }
    if (st && st.correlation) {
      var k = st.correlation;
      add(ov, el('p', 'muted', 'Correlation: ' + fmtN(k.rules) + ' rules, ' + fmtN(k.matches) + ' matches, ' +
          fmtN(k.alerts) + ' alerts; ' + fmtN(k.dropped) + ' dropped by limits.'));
    }
  }

  /* ---- chains ---- */
  var LINK_FIELDS = ['HostUrl', 'ReferrerUrl', 'CommandLineUrl', 'ImageHostUrl', 'ImageReferrerUrl',
                     'CommandLineTargetHostUrl', 'QueryName', 'c-uri', 'cs-host', 'query',
                     'dns.query', 'dns.rrname', 'http.hostname', 'tls.sni', 'server_name'];
  var BROWSERISH = {browser: 1, mail_client: 1, chat_client: 1};
  function normGuid(g) { return String(g || '').replace(/[{}]/g, '').toLowerCase(); }
  /* Network evidence of a chain (alert.evidence[], role "network-evidence"): the transfer
   * goes to the Download stage, the server it came from to the Link stage. */
  function evidenceNodes(x, node) {
    var e = x.event || {}, m = x.match || {};
    var srv = m.server ? String(m.server) + (m.port !== null && m.port !== undefined ? ':' + m.port : '') : '';
    var host = fv(e, 'cs-host'), uri = fv(e, 'c-uri');
    var url = host && uri && uri.charAt(0) === '/' ? 'http://' + host + uri : (/^[a-z]+:\/\//i.test(uri) ? uri : '');
    if (url) node('link', url, ['network: ' + (x.channel || '')], {url: url});
    else if (srv) node('link', srv, ['network: ' + (x.channel || ''), 'server'], {url: m.server});
    var name = fv(e, 'DownloadFileName') || fv(e, 'mime_type') || fv(e, 'sc-content-type') || fv(e, 'fileinfo.magic') ||
               (fv(e, 'id') ? 'PE ' + fv(e, 'machine') : '') || 'transfer';
    node('file', name, ['network evidence: ' + (x.channel || '') + ' (by ' + (m.by || '?') + ')',
                        (m.client ? m.client + ' \u2190 ' : '') + srv,
                        fv(e, 'mime_type') || fv(e, 'sc-content-type') || fv(e, 'fileinfo.magic'),
                        fv(e, 'seen_bytes') ? fv(e, 'seen_bytes') + ' bytes' : (fv(e, 'sc-bytes') ? fv(e, 'sc-bytes') + ' bytes' : ''),
                        fv(e, 'sha256') || fv(e, 'md5'),
                        typeof m.offset_ms === 'number' ? (m.offset_ms >= 0 ? '+' : '') + (m.offset_ms / 1000).toFixed(1) + ' s from the chain' : ''],
         {net: true});
  }
  function eventNodes(x) {
    /* x: {rule, time, host, category, source, event}.  Returns [{kind, label, lines, key}] */
    var e = x.event || {}, cat = x.category || '', out = [];
    var user = fv(e, 'User');
    function node(kind, label, lines, extra) {
      var n = {kind: kind, label: label, lines: lines.filter(Boolean), key: kind + '|' + String(label).toLowerCase()};
      for (var k in extra) n[k] = extra[k];
      out.push(n);
      return n;
    }
    if (x.role === 'network-evidence') {
      evidenceNodes(x, node);
      return out;
    }
    LINK_FIELDS.forEach(function (f) {
      var v = fv(e, f);
      if (!v || v.length < 3 || /^[a-z]:\\|^\\\\/i.test(v)) return; /* local paths (extracted files) */
      if ((f === 'query' || f === 'QueryName') && !/\./.test(v)) return;
      node('link', v, [f], {url: v});
    });
    var img = fv(e, 'Image'), cls = fv(e, 'ImageClass');
    if (cat === 'network_connection' || cat === 'firewall') {
      var dh = fv(e, 'DestinationHostname'), dip = fv(e, 'DestinationIp') || fv(e, 'dst_ip'),
          dp = fv(e, 'DestinationPort') || fv(e, 'dst_port');
      if (BROWSERISH[cls] && (dh || dip)) {
        node('link', dh || dip, ['connection by ' + base(img), dh && dip ? dip + ':' + dp : ''], {url: dh || dip});
      } else if (dip || dh) {
        node('conn', (dh ? dh + ' ' : '') + (dip || '') + (dp ? ':' + dp : ''),
             [img ? 'by ' + base(img) : '', fv(e, 'Protocol')], {url: dh || dip, guid: normGuid(fv(e, 'ProcessGuid'))});
      }
    } else if (cat === 'file_event' || cat === 'create_stream_hash') {
      var fp = fv(e, 'TargetFilenameBase') || fv(e, 'TargetFilename');
      if (fp) node('file', fp, [img ? 'written by ' + base(img) : '', fv(e, 'ZoneId') ? 'ZoneId=' + fv(e, 'ZoneId') : '',
                                fv(e, 'Hash') || fv(e, 'Hashes')], {});
    } else if (cat === 'process_creation') {
      var cmd = fv(e, 'CommandLine');
      node('proc', base(img || cmd) || '?', [img, cmd !== img ? cmd : '', fv(e, 'ParentImage') ? 'parent ' + base(fv(e, 'ParentImage')) : '',
            fv(e, 'Hashes'), fv(e, 'IntegrityLevel') ? 'integrity ' + fv(e, 'IntegrityLevel') : ''],
           {guid: normGuid(fv(e, 'ProcessGuid')), pguid: normGuid(fv(e, 'ParentProcessGuid')),
            pid: (fv(e, 'ProcessId') + '|' + base(img)).toLowerCase(), ppid: (fv(e, 'ParentProcessId') + '|' + base(fv(e, 'ParentImage'))).toLowerCase()});
      var tgt = fv(e, 'CommandLineTarget');
      if (tgt && fv(e, 'CommandLineTargetKind') === 'file') node('file', tgt, ['opened by ' + base(img)], {});
    } else if (!out.length) {
      node('other', headline(e) || cat || 'event', [cat], {});
    }
    out.forEach(function (n) { n.user = user; });
    return out;
  }
  function buildStory(list, title, level, kindLabel, corr) {
    /* list: events {rule, time, host, category, source, event} in time order */
    var nodes = {}, order = [], users = {}, rules = {}, hosts = {}, t0 = '', t1 = '', nnet = 0;
    list.forEach(function (x) {
      if (x.role === 'network-evidence') nnet++;
      else if (x.time) { if (!t0 || x.time < t0) t0 = x.time; if (!t1 || x.time > t1) t1 = x.time; }
      if (x.host) hosts[x.host] = 1;
      if (x.rule && x.rule.title) rules[x.rule.title] = 1;
      eventNodes(x).forEach(function (n) {
        if (n.user) users[n.user] = 1;
        var m = nodes[n.key];
        if (!m) { m = nodes[n.key] = n; n.events = []; n.times = []; n.rules = {}; order.push(n); }
        m.events.push(x);
        if (x.time) m.times.push(x.time);
        if (x.rule && x.rule.title) m.rules[x.rule.title] = 1;
        n.lines.forEach(function (l) { if (m.lines.indexOf(l) < 0 && m.lines.length < 8) m.lines.push(l); });
      });
    });
    /* processes whose parent is another process of the story are its children */
    var guids = {}, pids = {};
    order.forEach(function (n) { if (n.kind === 'proc') { if (n.guid) guids[n.guid] = 1; pids[n.pid] = 1; } });
    order.forEach(function (n) {
      if (n.kind === 'proc' && ((n.pguid && guids[n.pguid] && n.pguid !== n.guid) || (n.ppid && pids[n.ppid] && n.ppid !== n.pid))) n.kind = 'child';
    });
    var cols = [[], [], [], [], [], []];
    order.forEach(function (n) { cols[KINDS.indexOf(n.kind)].push(n); });
    return {title: title, level: level, kind: kindLabel, corr: corr, cols: cols, users: Object.keys(users),
            rules: Object.keys(rules), hosts: Object.keys(hosts), t0: t0, t1: t1, n: list.length - nnet, nnet: nnet};
  }
  function renderNode(n) {
    var d = el('div', 'node k-' + n.kind + (n.net ? ' net' : ''));
    add(d, el('div', 'lab', n.kind === 'file' || n.kind === 'proc' || n.kind === 'child' ? base(n.label) : n.label));
    if ((n.kind === 'file') && base(n.label) !== n.label) add(d, el('div', 'ln mono', n.label));
    var times = n.times.slice().sort();
    if (times.length) add(d, el('div', 'ln', fmtT(times[0]) + (times.length > 1 && times[times.length - 1] !== times[0] ? ' \u2026 ' + fmtT(times[times.length - 1]) : '')));
    n.lines.forEach(function (l) { if (l !== n.label) add(d, el('div', 'ln mono', l)); });
    if (n.url) {
      var s = scoreOf(n.url);
      if (s) {
        var sc = el('div', 'ln');
        var badge = el('span', 'score ' + (s.verdict === 'malicious' || s.verdict === 'suspicious' ? s.verdict : 'benign'), 'score ' + s.score);
        badge.title = s.verdict || '';
        add(sc, badge, ' ', s.verdict || '', s.domain ? ' \u00b7 ' + s.domain : '', s.brand ? ' \u00b7 imitates ' + s.brand : '');
        add(d, sc);
        if (s.reasons && s.reasons.length) {
          var ul = el('ul', 'reasons');
          s.reasons.slice(0, 6).forEach(function (r) { add(ul, el('li', null, r.text || r.code)); });
          add(d, ul);
        }
      }
    }
    var rk = Object.keys(n.rules || {});
    if (rk.length) add(d, el('div', 'ln', 'rule: ' + rk.join('; ')));
    rawToggle(d, n.events.length === 1 ? n.events[0] : n.events, n.events.length > 1 ? 'raw events (' + n.events.length + ')' : 'raw event');
    return d;
  }
  function renderStory(s) {
    var c = el('div', 'chain lvb-' + lvClass(s.level));
    var h = el('div', 'chain-head');
    add(h, lvBadge(s.level), el('span', 't', s.title), el('span', 'm', s.kind),
        el('span', 'm', 'host ' + (s.hosts.join(', ') || '?')),
        el('span', 'm', 'user ' + (s.users.join(', ') || '?')),
        el('span', 'm', fmtT(s.t0) + (s.t1 && s.t1 !== s.t0 ? ' \u2192 ' + fmtT(s.t1) : '')),
        el('span', 'm', s.n + ' event' + (s.n === 1 ? '' : 's')),
        s.nnet ? el('span', 'm', '+ ' + s.nnet + ' network record' + (s.nnet === 1 ? '' : 's')) : null);
    add(c, h);
    if (s.rules.length) add(c, el('div', 'muted', 'rules: ' + s.rules.join('; ')));
    var flow = el('div', 'flow');
    var names = STAGES.slice();
    if (s.cols[5].length) names.push('Other');
    names.forEach(function (nm, i) {
      if (i) add(flow, el('div', 'arrow', '\u2192'));
      var col = el('div', 'col');
      add(col, el('div', 'ch', nm));
      if (!s.cols[i].length) add(col, el('div', 'node empty', 'not seen'));
      s.cols[i].forEach(function (n) { add(col, renderNode(n)); });
      add(flow, col);
    });
    add(c, flow);
    if (s.corr) rawToggle(c, s.corr, 'raw alert');
    return c;
  }
  /* Detection alerts without a correlation rule: group per host by what links them (same
   * process, parent process, file, or domain), like an analyst would. */
  function reconstruct(list) {
    var parent = list.map(function (_, i) { return i; });
    function find(i) { while (parent[i] !== i) { parent[i] = parent[parent[i]]; i = parent[i]; } return i; }
    function uni(a, b) { a = find(a); b = find(b); if (a !== b) parent[b] = a; }
    var seen = {};
    list.forEach(function (x, i) {
      var e = x.a.event || {}, keys = [];
      ['ProcessGuid', 'ParentProcessGuid'].forEach(function (f) { var g = normGuid(fv(e, f)); if (g) keys.push('g:' + g); });
      ['TargetFilename', 'TargetFilenameBase', 'Image', 'CommandLineTarget'].forEach(function (f) {
        var v = fv(e, f).toLowerCase();
        if (!v || f === 'Image' && x.cat !== 'process_creation') return;
        v = v.replace(/:zone\.identifier$/, '');
        keys.push('f:' + v);
        var m = /\\temp\d*_([^\\]+\.(zip|7z|rar))\\/.exec(v);
        if (m) keys.push('b:' + m[1]);
        keys.push('b:' + base(v));
      });
      ['HostUrl', 'DestinationHostname', 'QueryName'].forEach(function (f) {
        var v = fv(e, f).toLowerCase();
        var m = /^[a-z]+:\/\/([^\/:?#]+)/.exec(v);
        if (m) v = m[1];
        if (v && v.indexOf('.') > 0) keys.push('d:' + v);
      });
      keys.forEach(function (k) {
        k = x.host + '\u0000' + k;
        if (Object.prototype.hasOwnProperty.call(seen, k)) uni(seen[k], i); else seen[k] = i;
      });
    });
    var groups = {};
    list.forEach(function (x, i) { var r = find(i); (groups[r] = groups[r] || []).push(x); });
    return Object.keys(groups).map(function (k) { return groups[k]; });
  }
  function asEvent(x) {
    return {rule: x.a.rule, time: x.a.time, host: x.a.host, category: x.a.category, source: x.a.source, event: x.a.event};
  }
  function renderChains() {
    var ch = document.getElementById('ch');
    var corr = alerts.filter(function (x) { return x.a.correlation; });
    var det = alerts.filter(function (x) { return !x.a.correlation; });
    var stories = [];
    corr.forEach(function (x) {
      var evs = Array.isArray(x.a.events) && x.a.events.length ? x.a.events : [asEvent(x)];
      if (Array.isArray(x.a.evidence) && x.a.evidence.length) {
        evs = evs.concat(x.a.evidence.filter(function (v) { return v && typeof v === 'object'; })
          .map(function (v) { return {role: 'network-evidence', match: v.match || {}, channel: v.channel, time: v.time,
                                      host: '', category: v.category, source: v.source, event: v.event}; }));
      }
      var s = buildStory(evs, x.title, x.level, 'correlation ' + (x.a.correlation.type || ''), x.a);
      if (x.a.correlation.events_omitted) s.kind += ' (' + x.a.correlation.events_omitted + ' events not listed)';
      stories.push(s);
    });
    var groups = reconstruct(det).filter(function (g) {
      var cats = {};
      g.forEach(function (x) { cats[x.cat] = 1; });
      return Object.keys(cats).length >= 2;
    });
    groups.forEach(function (g) {
      g.sort(function (a, b) { return a.t - b.t; });
      var best = g.reduce(function (m, x) { return (RANK[x.level] || 0) > (RANK[m.level] || 0) ? x : m; }, g[0]);
      var rk = {};
      g.forEach(function (x) { rk[x.title] = 1; });
      var s = buildStory(g.map(asEvent), best.title + (Object.keys(rk).length > 1 ? ' (+' + (Object.keys(rk).length - 1) + ' more rules)' : ''),
                         best.level, 'reconstructed from ' + g.length + ' related detections', null);
      stories.push(s);
    });
    stories.sort(function (a, b) {
      return (RANK[b.level] || 0) - (RANK[a.level] || 0) || (b.corr ? 1 : 0) - (a.corr ? 1 : 0) ||
             (a.t0 < b.t0 ? -1 : a.t0 > b.t0 ? 1 : 0);
    });
    if (!stories.length) {
      add(ch, el('p', 'muted', 'No chains: no correlation alert, and no detections on one host that link to each other.'));
      return;
    }
    add(ch, el('p', 'muted', stories.length + ' chain' + (stories.length === 1 ? '' : 's') + ' (' + corr.length +
        ' from correlation rules, ' + groups.length + ' reconstructed from detections that share a process, file or domain).'));
    var max = 200;
    stories.slice(0, max).forEach(function (s) { add(ch, renderStory(s)); });
    if (stories.length > max) add(ch, el('p', 'warn', (stories.length - max) + ' more chains not drawn; see the table.'));
  }

  /* ---- timeline ---- */
  var SVGNS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    return e;
  }
  var LVCOL = {critical: '#7a0019', high: '#c62828', medium: '#e08a00', low: '#2e7d32', informational: '#4a6fa5'};
  function renderTimeline() {
    var tl = document.getElementById('tl');
    var timed = alerts.filter(function (x) { return x.t; });
    if (!timed.length) { add(tl, el('p', 'muted', 'No timed alerts.')); return; }
    var hosts = {}, hl = [];
    timed.forEach(function (x) { if (!hosts[x.host]) { hosts[x.host] = []; hl.push(x.host); } hosts[x.host].push(x); });
    hl.sort();
    var maxHosts = 60;
    var tmin = Math.min.apply(null, timed.map(function (x) { return x.t; })),
        tmax = Math.max.apply(null, timed.map(function (x) { return x.t; }));
    if (tmax === tmin) tmax = tmin + 1000;
    var L = 230, W = 1000, R = 20, rowH = 26, hN = Math.min(hl.length, maxHosts);
    var s = svg('svg', {width: L + W + R, height: 40 + hN * rowH, role: 'img'});
    for (var k = 0; k <= 5; k++) {
      var x = L + W * k / 5, tt = new Date(tmin + (tmax - tmin) * k / 5).toISOString();
      s.appendChild(svg('line', {x1: x, y1: 20, x2: x, y2: 24 + hN * rowH, stroke: '#d9dee5'}));
      var lab = svg('text', {x: x, y: 14, 'text-anchor': k === 0 ? 'start' : k === 5 ? 'end' : 'middle'});
      lab.textContent = fmtT(tt).slice(0, 19);
      s.appendChild(lab);
    }
    hl.slice(0, maxHosts).forEach(function (h, r) {
      var y = 24 + r * rowH + rowH / 2;
      var ht = svg('text', {x: 4, y: y + 4});
      ht.textContent = h.length > 32 ? h.slice(0, 31) + '\u2026' : h;
      s.appendChild(ht);
      s.appendChild(svg('line', {x1: L, y1: y, x2: L + W, y2: y, stroke: '#eef1f5'}));
      hosts[h].sort(function (a, b) { return (RANK[a.level] || 0) - (RANK[b.level] || 0); }).forEach(function (x) {
        var c = svg('circle', {cx: L + W * (x.t - tmin) / (tmax - tmin), cy: y, r: 3 + (RANK[x.level] || 0),
                               fill: LVCOL[x.level] || '#777', 'class': 'dot'});
        var ti = svg('title', {});
        ti.textContent = fmtT(x.time) + '  ' + x.level + '  ' + x.title + (x.head ? '\n' + x.head : '');
        c.appendChild(ti);
        c.addEventListener('click', function () { showAlert(x.i); });
        s.appendChild(c);
      });
    });
    var w = el('div', 'tl-wrap');
    add(w, s);
    add(tl, w);
    if (hl.length > maxHosts) add(tl, el('p', 'muted', (hl.length - maxHosts) + ' more hosts not drawn.'));
    add(tl, el('p', 'muted', 'One row per host; a dot per alert, coloured by level. Click a dot to open the alert in the table.'));
  }

  /* ---- table ---- */
  var sortKey = 'time', sortDir = 1, shown = 500, selected = -1;
  var fText, fLevel, fHost, tbody, info;
  var COLS = [['time', 'Time'], ['level', 'Level'], ['host', 'Host'], ['title', 'Rule'], ['cat', 'Category'], ['head', 'Detail'], ['src', 'Source']];
  function cmp(a, b) {
    var x, y;
    if (sortKey === 'level') { x = RANK[a.level] || 0; y = RANK[b.level] || 0; }
    else if (sortKey === 'time') { x = a.t; y = b.t; }
    else { x = String(a[sortKey]).toLowerCase(); y = String(b[sortKey]).toLowerCase(); }
    return (x < y ? -1 : x > y ? 1 : a.i - b.i) * sortDir;
  }
  function renderRows() {
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    var q = fText.value.toLowerCase(), lv = fLevel.value, ho = fHost.value;
    var rows = alerts.filter(function (x) {
      if (lv && x.level !== lv) return false;
      if (ho && x.host !== ho) return false;
      if (q && (x.time + ' ' + x.level + ' ' + x.host + ' ' + x.title + ' ' + x.cat + ' ' + x.head + ' ' + x.src).toLowerCase().indexOf(q) < 0) return false;
      return true;
    }).sort(cmp);
    rows.slice(0, shown).forEach(function (x) {
      var tr = el('tr', 'arow' + (x.i === selected ? ' sel' : ''));
      tr.id = 'alert-' + x.i;
      add(tr, el('td', 'mono', fmtT(x.time)));
      var l = el('td'); add(l, lvBadge(x.level)); add(tr, l);
      add(tr, el('td', null, x.host), el('td', null, x.title), el('td', null, x.cat),
          el('td', 'wrap', x.head.length > 300 ? x.head.slice(0, 300) + '\u2026' : x.head), el('td', 'wrap', x.src));
      var open = null;
      function toggle() {
        if (open) { open.remove(); open = null; return; }
        open = el('tr');
        var td = el('td');
        td.colSpan = COLS.length;
        add(td, el('pre', 'rawev', JSON.stringify(x.a, null, 2)));
        add(open, td);
        tr.insertAdjacentElement('afterend', open);
      }
      tr.addEventListener('click', toggle);
      if (x.i === selected) setTimeout(function () { toggle(); tr.scrollIntoView({block: 'center'}); }, 0);
      add(tbody, tr);
    });
    info.textContent = rows.length + ' of ' + alerts.length + ' embedded alerts match' +
        (rows.length > shown ? '; showing the first ' + shown + ' ' : '');
    if (rows.length > shown) {
      var more = el('button', 'raw', 'show all');
      more.type = 'button';
      more.addEventListener('click', function () { shown = rows.length; renderRows(); });
      add(info, more);
    }
  }
  function showAlert(i) {
    selected = i;
    fText.value = ''; fLevel.value = ''; fHost.value = '';
    shown = Math.max(shown, alerts.length);
    renderRows();
  }
  function renderTable() {
    var at = document.getElementById('at');
    var f = el('div', 'filters');
    fText = el('input'); fText.type = 'search'; fText.placeholder = 'filter: any text'; fText.id = 'f-text';
    fLevel = el('select'); fLevel.id = 'f-level';
    add(fLevel, el('option', null, 'all levels'));
    fLevel.firstChild.value = '';
    LEVELS.forEach(function (l) { var o = el('option', null, l); o.value = l; add(fLevel, o); });
    fHost = el('select'); fHost.id = 'f-host';
    add(fHost, el('option', null, 'all hosts'));
    fHost.firstChild.value = '';
    var hs = {};
    alerts.forEach(function (x) { hs[x.host] = 1; });
    Object.keys(hs).sort().forEach(function (h) { var o = el('option', null, h); o.value = h; add(fHost, o); });
    [fText, fLevel, fHost].forEach(function (c) { c.addEventListener('input', function () { selected = -1; renderRows(); }); });
    add(f, fText, fLevel, fHost);
    add(at, f);
    info = el('p', 'muted');
    add(at, info);
    var t = el('table'), thead = el('thead'), tr = el('tr');
    t.id = 'alert-table';
    COLS.forEach(function (c) {
      var th = el('th', 'sortable', c[1]);
      th.addEventListener('click', function () {
        if (sortKey === c[0]) sortDir = -sortDir; else { sortKey = c[0]; sortDir = c[0] === 'level' ? -1 : 1; }
        renderRows();
      });
      add(tr, th);
    });
    add(thead, tr); add(t, thead);
    tbody = el('tbody');
    add(t, tbody);
    add(at, t);
    renderRows();
  }

  renderOverview();
  renderChains();
  renderTimeline();
  renderTable();
  var foot = document.getElementById('foot');
  foot.textContent = 'Generated by lurewatch ' + (D.version || '') + ' at ' + fmtT(D.generated) +
      '. Self-contained: no network access. Values from the logs are shown as text.';
  document.title = 'lurewatch report: ' + fmtN(D.total) + ' alerts';
  document.body.setAttribute('data-rendered', 'yes');
})();
