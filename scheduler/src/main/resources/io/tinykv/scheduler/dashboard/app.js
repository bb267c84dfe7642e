// The TinyKV status page: polls the scheduler's JSON API (/api/v1/...) and renders it. Every value
// goes into the page as text (textContent), never as HTML: keys are user data.
'use strict';

const REFRESH_MILLIS = Number(new URLSearchParams(location.search).get('refresh') || 2000);
const PAGE_SIZE = 100;
const regionState = { query: '', offset: 0, matched: 0 };
const charts = {};

async function api(path) {
  const r = await fetch('/api/v1/' + path);
  const body = await r.json();
  if (!r.ok) {
    throw new Error(body.error || ('HTTP ' + r.status));
  }
  return body;
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) {
    e.textContent = String(text);
  }
  if (cls) {
    e.className = cls;
  }
  return e;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    tr.appendChild(c instanceof Node ? c : el('td', c));
  }
  return tr;
}

function num(v) {
  return el('td', v, 'num');
}

function bytes(n) {
  if (!n) {
    return '0';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return n.toFixed(i === 0 ? 0 : 1) + ' ' + units[i];
}

function age(millis) {
  if (millis < 1000) {
    return millis + ' ms ago';
  }
  if (millis < 120000) {
    return (millis / 1000).toFixed(1) + ' s ago';
  }
  return Math.round(millis / 60000) + ' min ago';
}

function replaceBody(tableId, rows) {
  const tbody = document.querySelector('#' + tableId + ' tbody');
  tbody.replaceChildren(...rows);
}

function renderStores(data) {
  replaceBody('stores', data.stores.map(s => {
    const state = el('td', s.state, 'state-' + s.state);
    return row([num(s.id), s.address, state, bytes(s.capacity_bytes), bytes(s.used_bytes),
      bytes(s.available_bytes), num(s.region_count), num(s.leader_count), num(s.pending_peer_count),
      age(s.heartbeat_age_millis), s.version]);
  }));
}

function peerText(p) {
  return p.id + '@' + p.store_id;
}

function renderRegions(page) {
  const start = performance.now();
  regionState.matched = page.matched;
  replaceBody('regions', page.regions.map(r => row([
    num(r.id), el('td', r.start_key, 'key'), el('td', r.end_key === '' ? '(end)' : r.end_key, 'key'),
    r.version + '/' + r.conf_ver, r.peers.map(peerText).join(' '),
    r.leader ? 'store ' + r.leader.store_id : 'unknown', bytes(r.approximate_size_bytes), num(r.approximate_keys),
    r.pending_peers.join(' '), r.down_peers.join(' '), r.operator || ''])));
  const last = Math.min(page.offset + page.regions.length, page.matched);
  document.getElementById('region-count').textContent =
    page.matched === page.total ? page.total + ' regions' : page.matched + ' of ' + page.total + ' regions match';
  document.getElementById('region-page').textContent =
    page.matched === 0 ? 'none' : (page.offset + 1) + '–' + last + ' of ' + page.matched;
  document.getElementById('region-prev').disabled = page.offset === 0;
  document.getElementById('region-next').disabled = last >= page.matched;
  window.tinykvRegionRenderMillis = performance.now() - start;
}

function renderOperators(ops) {
  const now = Date.now();
  replaceBody('operators-running', ops.running.map(o => row([num(o.region_id), o.kind, o.steps.join(', then '),
    o.reason, age(now - o.created_at_millis)])));
  replaceBody('operators-recent', ops.recent.map(o => row([num(o.region_id), o.kind, o.steps.join(', then '),
    o.reason, age(now - o.ended_at_millis), o.status.replace('_', ' ')])));
}

function renderStatus(s) {
  document.getElementById('cluster-id').textContent = 'id ' + s.cluster_id;
  document.getElementById('summary').textContent = s.store_count + ' stores · ' + s.region_count +
    ' regions · max-replicas ' + s.max_replicas + ' · key mode ' + s.client_key_mode;
  const warnings = [];
  for (const u of s.under_replicated) {
    warnings.push('region ' + u.region_id + ': ' + u.healthy + ' of ' + u.wanted + ' replicas healthy — ' + u.reason);
  }
  for (const p of s.pauses) {
    if (p.paused) {
      warnings.push(p.name + ' is paused until ' + new Date(p.paused_until_millis).toLocaleString());
    }
  }
  const box = document.getElementById('warnings');
  box.hidden = warnings.length === 0;
  document.getElementById('warning-list').replaceChildren(...warnings.map(w => el('li', w)));
  const tso = s.tso;
  document.querySelector('#scheduler-state tbody').replaceChildren(
    row([el('th', 'TSO'), 'physical ' + new Date(tso.physical_millis).toISOString() + ', logical ' + tso.logical +
      ' (persisted limit ' + new Date(tso.persisted_limit_millis).toISOString() + ')']),
    row([el('th', 'ids'), 'last ' + s.ids.last + ', reserved up to ' + s.ids.reserved_end]),
    row([el('th', 'paused'), s.pauses.filter(p => p.paused).map(p => p.name).join(', ') || 'nothing']));
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function renderCharts(history) {
  const samples = history.samples;
  const storeIds = [...new Set(samples.flatMap(s => s.stores.map(x => x.store_id)))].sort((a, b) => a - b);
  const times = samples.map(s => s.at_millis / 1000);
  const series = field => storeIds.map(id => samples.map(s => {
    const x = s.stores.find(v => v.store_id === id);
    return x === undefined || x[field] === null || x[field] === undefined ? null : x[field];
  }));
  const fields = { ops: 'ops_per_second', p99: 'p99_millis', leaders: 'leaders', regions: 'regions' };
  const key = storeIds.join(',');
  for (const [name, field] of Object.entries(fields)) {
    const data = [times, ...series(field)];
    const c = charts[name];
    if (c && c.key === key) {
      c.plot.setData(data);
      continue;
    }
    if (c) {
      c.plot.destroy();
    }
    const opts = {
      width: 440, height: 180,
      series: [{}, ...storeIds.map((id, i) => ({ label: 'store ' + id, stroke: COLORS[i % COLORS.length], spanGaps: true }))],
      axes: [{}, { size: 50 }],
      scales: { x: { time: true } },
    };
    charts[name] = { key, plot: new uPlot(opts, data, document.getElementById('chart-' + name)) };
  }
  document.getElementById('chart-note').textContent =
    'one sample every ' + (history.interval_millis / 1000) + ' s, ' + samples.length + ' kept';
}

async function loadRegions() {
  const q = encodeURIComponent(regionState.query);
  try {
    renderRegions(await api('regions?q=' + q + '&offset=' + regionState.offset + '&limit=' + PAGE_SIZE));
    document.getElementById('region-error').textContent = '';
  } catch (e) {
    document.getElementById('region-error').textContent = e.message;
  }
}

async function refresh() {
  try {
    const [stores, status, ops, history] = await Promise.all([api('stores'), api('status'), api('operators'),
      api('history')]);
    renderStores(stores);
    renderStatus(status);
    renderOperators(ops);
    renderCharts(history);
    await loadRegions();
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById('updated').textContent = 'cannot reach the scheduler: ' + e.message;
  }
  window.tinykvRefreshes = (window.tinykvRefreshes || 0) + 1;
}

document.getElementById('region-search').addEventListener('submit', ev => {
  ev.preventDefault();
  regionState.query = document.getElementById('region-query').value;
  regionState.offset = 0;
  loadRegions();
});
document.getElementById('region-prev').addEventListener('click', () => {
  regionState.offset = Math.max(0, regionState.offset - PAGE_SIZE);
  loadRegions();
});
document.getElementById('region-next').addEventListener('click', () => {
  regionState.offset += PAGE_SIZE;
  loadRegions();
});

refresh();
setInterval(refresh, REFRESH_MILLIS);
