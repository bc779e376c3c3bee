/*
 * The live graph of is-stream --serve: reads /events (Server-Sent Events,
 * one record per message), keeps the nodes and their latest status, and
 * draws them as SVG: nodes coloured by status, edges from deps, MetaGroups
 * as boxes around their members. Layers come from the records' "level"
 * (dense), or are computed here from deps. No libraries, no network but
 * this server.
 */
'use strict';

const COLORS = {
  PENDING: '#dadce0', CREATING: '#8ab4f8', UPDATING: '#8ab4f8', DELETING: '#f6aea9',
  READY: '#81c995', FAILED: '#ee675c', SKIPPED: '#f1f3f4', STALLED: '#fcc934',
  CANCELED: '#c58af9', DRIFTED: '#fdd663'
};
const ORDER = Object.keys(COLORS);
const NODE_W = 190, NODE_H = 40, GAP_X = 70, GAP_Y = 14, BAND_PAD = 26, MARGIN = 20;
const SVG_NS = 'http://www.w3.org/2000/svg';

const state = { nodes: new Map(), arrivals: 0, events: 0, run: null, dirty: false };
window.infrastream = state;

function isGroupId(id) { return id.startsWith('MetaGroup/'); }

function node(id) {
  let n = state.nodes.get(id);
  if (!n) {
    n = { id, kind: id.split('/')[0], name: id.slice(id.indexOf('/') + 1), status: 'PENDING',
          deps: [], group: null, members: [], level: null, order: null,
          arrival: state.arrivals++, isGroup: isGroupId(id), error: null };
    state.nodes.set(id, n);
  }
  return n;
}

/* Where a node sits, from a resource or group record or a first event. */
function place(n, r) {
  if (Array.isArray(r.deps)) n.deps = r.deps.filter((d) => typeof d === 'string');
  if (Array.isArray(r.members)) n.members = r.members.filter((m) => typeof m === 'string');
  if (typeof r.group === 'string') n.group = r.group;
  if (Number.isInteger(r.level)) n.level = r.level;
  if (Number.isInteger(r.order)) n.order = r.order;
  if (typeof r.kind === 'string') n.kind = r.kind;
}

function take(r) {
  if (!r || typeof r !== 'object') return;
  if ((r.type === 'resource' || r.type === 'group') && typeof r.id === 'string') {
    place(node(r.id), r);
  } else if (r.type === 'event' && typeof r.id === 'string') {
    const n = node(r.id);
    state.events++;
    place(n, r);
    if (typeof r.status === 'string') n.status = r.status;
    n.error = r.error || null;
  } else if (r.type === 'run') {
    state.run = r;
  } else {
    return;
  }
  state.dirty = true;
}

/* ---- layout ---- */

function groupMembers() {
  const members = new Map();
  const add = (g, id) => {
    if (!members.has(g)) members.set(g, new Set());
    members.get(g).add(id);
  };
  for (const n of state.nodes.values()) {
    if (n.isGroup) n.members.forEach((m) => add(n.id, m));
    else if (n.group) add('MetaGroup/' + n.group, n.id);
  }
  return members;
}

function layers(resources, members) {
  const layer = new Map();
  if (resources.length && resources.every((n) => n.level !== null)) {
    const levels = [...new Set(resources.map((n) => n.level))].sort((a, b) => a - b);
    resources.forEach((n) => layer.set(n.id, levels.indexOf(n.level)));
    return layer;
  }
  /* Longest path from deps; a dependency on a group waits for its members. */
  const depth = new Map(), busy = new Set();
  const visit = (id) => {
    if (depth.has(id)) return depth.get(id);
    if (busy.has(id)) return 0;
    busy.add(id);
    const n = state.nodes.get(id);
    let d = 0;
    if (n) {
      for (const dep of n.deps) d = Math.max(d, visit(dep) + (isGroupId(dep) ? 0 : 1));
      if (n.isGroup) {
        for (const m of members.get(id) || []) d = Math.max(d, visit(m) + 1);
      }
    }
    busy.delete(id);
    depth.set(id, d);
    return d;
  };
  resources.forEach((n) => layer.set(n.id, visit(n.id)));
  const used = [...new Set(layer.values())].sort((a, b) => a - b);
  layer.forEach((v, k) => layer.set(k, used.indexOf(v)));
  return layer;
}

function rank(n) { return n.order !== null ? n.order : 1e9 + n.arrival; }

function layout() {
  const all = [...state.nodes.values()];
  const resources = all.filter((n) => !n.isGroup).sort((a, b) => rank(a) - rank(b));
  const members = groupMembers();
  const layer = layers(resources, members);
  /* Bands: one per group, in the order of their first member; then the rest. */
  const bandOf = new Map();
  const bands = [];
  for (const n of resources) {
    const g = n.group ? 'MetaGroup/' + n.group
      : [...members.keys()].find((k) => members.get(k).has(n.id)) || '';
    if (!bandOf.has(g)) {
      bandOf.set(g, { id: g, rows: new Map(), y: 0, height: 0 });
      if (g) bands.push(bandOf.get(g));
    }
    const band = bandOf.get(g);
    const l = layer.get(n.id);
    if (!band.rows.has(l)) band.rows.set(l, []);
    band.rows.get(l).push(n);
  }
  if (bandOf.has('')) bands.push(bandOf.get(''));
  const pos = new Map(), boxes = new Map();
  let y = MARGIN, width = 0;
  for (const band of bands) {
    const top = y + (band.id ? BAND_PAD : 0);
    let rows = 0;
    band.rows.forEach((list, l) => {
      list.forEach((n, i) => {
        const x = MARGIN + 12 + l * (NODE_W + GAP_X);
        pos.set(n.id, { x, y: top + i * (NODE_H + GAP_Y) });
        width = Math.max(width, x + NODE_W + MARGIN + 12);
      });
      rows = Math.max(rows, list.length);
    });
    const bottom = top + rows * (NODE_H + GAP_Y) - GAP_Y;
    if (band.id) {
      const xs = [...band.rows.keys()];
      const x0 = MARGIN + Math.min(...xs) * (NODE_W + GAP_X);
      const x1 = MARGIN + 24 + Math.max(...xs) * (NODE_W + GAP_X) + NODE_W;
      boxes.set(band.id, { x: x0, y, w: x1 - x0, h: bottom - y + 12 });
    }
    y = bottom + 12 + GAP_Y * 2;
  }
  return { pos, boxes, width: Math.max(width, 300), height: y + MARGIN };
}

/* ---- drawing ---- */

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function edge(parent, from, to, cls) {
  const x0 = from.x, y0 = from.y, x1 = to.x, y1 = to.y;
  const dx = Math.max(30, Math.abs(x1 - x0) / 2);
  el('path', { d: `M ${x0} ${y0} C ${x0 + dx} ${y0}, ${x1 - dx} ${y1}, ${x1} ${y1}`,
               class: cls, 'marker-end': 'url(#arrow)' }, parent);
}

function draw() {
  state.dirty = false;
  const svg = document.getElementById('graph');
  const gGroups = document.getElementById('groups');
  const gEdges = document.getElementById('edges');
  const gNodes = document.getElementById('nodes');
  const { pos, boxes, width, height } = layout();
  /* Natural size, scaled down to fit the window when wider. */
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.style.maxWidth = `${width}px`;
  gGroups.replaceChildren();
  gEdges.replaceChildren();
  gNodes.replaceChildren();
  document.getElementById('empty').hidden = pos.size > 0;

  for (const [id, b] of boxes) {
    const g = state.nodes.get(id);
    const status = g ? g.status : 'PENDING';
    const e = el('g', { class: `group status-${status}`, 'data-id': id, 'data-status': status },
                 gGroups);
    el('rect', { x: b.x, y: b.y, width: b.w, height: b.h }, e);
    el('text', { x: b.x + 10, y: b.y + 16 }, e).textContent =
      `${id.slice(10)} \u00b7 ${status.toLowerCase()}`;
  }
  const anchorOut = (id) => {
    if (pos.has(id)) { const p = pos.get(id); return { x: p.x + NODE_W, y: p.y + NODE_H / 2 }; }
    if (boxes.has(id)) { const b = boxes.get(id); return { x: b.x + b.w, y: b.y + b.h / 2 }; }
    return null;
  };
  for (const n of state.nodes.values()) {
    let to;
    if (pos.has(n.id)) {
      const p = pos.get(n.id);
      to = { x: p.x, y: p.y + NODE_H / 2 };
    } else if (boxes.has(n.id)) {
      const b = boxes.get(n.id);
      to = { x: b.x, y: b.y + b.h / 2 };
    } else {
      continue;
    }
    for (const d of n.deps) {
      const from = anchorOut(d);
      if (from) edge(gEdges, from, to, isGroupId(d) ? 'edge from-group' : 'edge');
    }
  }
  for (const [id, p] of pos) {
    const n = state.nodes.get(id);
    const fill = COLORS[n.status] || '#ffffff';
    const e = el('g', { class: `node status-${n.status}`, 'data-id': id, 'data-status': n.status,
                        transform: `translate(${p.x},${p.y})` }, gNodes);
    el('rect', { width: NODE_W, height: NODE_H, fill }, e);
    el('text', { x: 10, y: 17, class: 'name' }, e).textContent = n.name;
    el('text', { x: 10, y: 32, class: 'kind' }, e).textContent =
      `${n.kind} \u00b7 ${n.status.toLowerCase()}`;
    el('title', {}, e).textContent = n.error ? `${id}: ${n.status}\n${n.error}` : `${id}: ${n.status}`;
  }
  drawHeader();
}

function drawHeader() {
  const counts = {};
  let failure = null;
  for (const n of state.nodes.values()) {
    if (n.isGroup) continue;
    counts[n.status] = (counts[n.status] || 0) + 1;
    if (n.status === 'FAILED' && !failure) failure = `${n.id}: ${n.error || 'failed'}`;
  }
  const ul = document.getElementById('counts');
  ul.replaceChildren();
  for (const s of ORDER.concat(Object.keys(counts).filter((s) => !COLORS[s]))) {
    if (!counts[s]) continue;
    const li = document.createElement('li');
    li.style.background = COLORS[s] || '#fff';
    li.dataset.status = s;
    li.textContent = `${s.toLowerCase()} ${counts[s]}`;
    ul.appendChild(li);
  }
  const r = state.run;
  document.getElementById('run').textContent = r
    ? `run ${r.run} \u00b7 ${r.status || r.phase}` +
      (Number.isInteger(r.elapsed_ms) ? ` \u00b7 ${(r.elapsed_ms / 1000).toFixed(1)} s` : '')
    : 'waiting for a run';
  document.getElementById('failure').textContent = failure || '';
  document.getElementById('nevents').textContent = state.events;
}

function schedule() {
  if (state.dirty && !state.frame) {
    state.frame = requestAnimationFrame(() => { state.frame = 0; draw(); });
  }
}

function connect() {
  const conn = document.getElementById('conn');
  const es = new EventSource('events');
  es.onopen = () => { conn.textContent = 'live'; conn.className = 'conn live'; };
  es.onerror = () => {
    conn.textContent = es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting';
    conn.className = 'conn lost';
  };
  es.onmessage = (m) => {
    try { take(JSON.parse(m.data)); } catch (e) { return; }
    schedule();
  };
}

draw();
connect();
