// kiada view's page: draws the cluster from the `state` events and plays each `trace` event as a hop — the packet
// moves to the part of the figure that saw it, which lights up (red with the error text when it failed) — and
// lists the same events as text. Everything from the cluster is inserted as text, never as HTML.
/// <reference lib="dom" />
'use strict';

/** @typedef {{ name: string, internalIP: string | null, podCIDR: string | null, bridge: string | null, ready: boolean }} NodeView */
/** @typedef {{ namespace: string, name: string, node: string | null, ip: string | null, phase: string, ready: boolean, hostNetwork: boolean, deleting: boolean, ports: number[] }} PodView */
/** @typedef {{ context: string, namespace: string, apiServer: string, lab: boolean, nodes: NodeView[], pods: PodView[] }} ClusterView */
/** @typedef {{ seq: number, session: string, trace: string | null, method: string, namespace: string, pod: string, node: string | null, hop: string, ok: boolean, detail: string, error: string | null, clientIP: string | null, source: string, time: number }} TraceEvent */

/** @returns {HTMLElement} */
const $ = (/** @type {string} */ sel) => /** @type {HTMLElement} */ (document.querySelector(sel));
/** @param {string} tag @param {Record<string, string>} attrs @param {(Node | string)[]} children */
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
};

/** @type {ClusterView} */
let state = { nodes: [], pods: [], namespace: '', context: '', apiServer: '', lab: false };
/** @type {Map<string, { cls: string, text: string, until: number }>} What is lit or failed, by element key, re-applied after every redraw. */
const marks = new Map();
/** @type {Map<string, string>} The last client IP the app saw, by pod. */
const clientIPs = new Map();

const podKey = (/** @type {string} */ ns, /** @type {string} */ name) => `pod:${ns}/${name}`;
const podOf = (/** @type {string} */ ns, /** @type {string} */ name) => state.pods.find((p) => p.namespace === ns && p.name === name);
const podWithIP = (/** @type {string | null} */ ip) => state.pods.find((p) => p.ip && ip && ip.replace(/^::ffff:/, '') === p.ip);

/** @param {PodView} p */
function drawPod(p) {
  const key = podKey(p.namespace, p.name);
  const ip = p.hostNetwork ? `${p.ip ?? '—'} (the node's network)` : (p.ip ?? 'no IP yet');
  const box = el('div', { class: `pod${p.deleting ? ' deleting' : ''}`, 'data-key': key },
    el('h3', {}, p.name),
    el('div', { class: 'ip' }, 'IP ', el('span', { class: 'addr' }, ip)),
    el('div', { class: 'state' }, `${p.deleting ? 'Terminating' : p.phase}${p.ready ? ', Ready' : ''}`),
    el('div', { class: 'part', 'data-key': `${key}:eth0` }, 'eth0 ', el('span', { class: 'addr' }, p.hostNetwork ? '(node)' : (p.ip ?? '—'))),
    el('div', { class: 'part', 'data-key': `${key}:lo` }, 'lo ', el('span', { class: 'addr' }, '127.0.0.1')),
    el('div', { class: 'part', 'data-key': `${key}:app` }, `app${p.ports.length ? ` :${p.ports.join(', :')}` : ''}`),
    el('div', { class: 'clientip', 'data-key': `${key}:client-ip` }, clientIPs.get(key) ?? ''),
    el('div', { class: 'callout', 'data-key': `${key}:error`, hidden: '' }));
  return box;
}

/** @param {NodeView} n */
function drawNode(n) {
  const key = `node:${n.name}`;
  return el('div', { class: 'box node', 'data-key': key },
    el('h2', {}, n.name),
    el('div', {}, 'eth0 ', el('span', { class: 'addr' }, n.internalIP ?? '—')),
    el('div', { class: 'part', 'data-key': `${key}:shell` }, 'node shell'),
    el('div', { class: 'part', 'data-key': `${key}:kubelet` }, 'kubelet'),
    el('div', { class: 'part', 'data-key': `${key}:bridge` }, 'bridge cni0 ', el('span', { class: 'addr' }, n.bridge ?? '—')),
    el('div', { class: 'callout', 'data-key': `${key}:error`, hidden: '' }),
    el('div', { class: 'pods' }, ...state.pods.filter((p) => p.node === n.name).map(drawPod)));
}

function draw() {
  $('#apiserver-url').textContent = state.apiServer;
  $('#nodes').replaceChildren(...state.nodes.map(drawNode));
  const pending = state.pods.filter((p) => !p.node || !state.nodes.some((n) => n.name === p.node));
  $('#unscheduled').replaceChildren(...(pending.length ? [el('h2', {}, 'Not on a node yet'), el('div', { class: 'pods' }, ...pending.map(drawPod))] : []));
  applyMarks();
}

function applyMarks() {
  const now = Date.now();
  for (const [key, m] of marks) {
    if (m.until < now) marks.delete(key);
  }
  for (const e of document.querySelectorAll('[data-key]')) {
    if (!(e instanceof HTMLElement)) continue;
    e.classList.remove('lit', 'failed');
    const m = marks.get(e.dataset.key ?? '');
    if (m) e.classList.add(m.cls);
  }
  for (const c of document.querySelectorAll('.callout')) {
    if (!(c instanceof HTMLElement) || !c.dataset.key) continue;
    const m = marks.get(c.dataset.key);
    c.hidden = !m;
    c.textContent = m ? m.text : '';
  }
}

/** The figure's parts a hop passed, in the order it passed them. @param {TraceEvent} ev @returns {string[]} */
function partsOf(ev) {
  const pod = podOf(ev.namespace, ev.pod);
  const node = ev.node ?? pod?.node;
  const p = podKey(ev.namespace, ev.pod);
  switch (ev.hop) {
    case 'local listener': return ['listener'];
    case 'tunnel': return ['kubectl', 'tunnel'];
    case 'API server': return ['apiserver'];
    case 'kubelet': return node ? [`node:${node}:kubelet`] : [];
    case 'pod loopback': return [`${p}:lo`];
    case 'node shell': return node ? [`node:${node}:shell`] : [];
    case 'pod eth0': return [...(node ? [`node:${node}:bridge`] : []), `${p}:eth0`];
    case 'client pod': return node ? [`node:${node}:shell`] : [];
    case 'app': {
      // A request only the app saw: its way in, from where the client IP says it came.
      if (ev.method === 'node') return [...(node ? [`node:${node}:bridge`] : []), `${p}:eth0`, `${p}:app`];
      if (ev.method === 'pod') {
        const client = podWithIP(ev.clientIP);
        return [...(client ? [`${podKey(client.namespace, client.name)}:eth0`] : []), ...(node ? [`node:${node}:bridge`] : []), `${p}:eth0`, `${p}:app`];
      }
      if (ev.method === 'loopback') return [`${p}:lo`, `${p}:app`];
      return [`${p}:app`];
    }
    default: return [];
  }
}

/** Where a failure is shown in words: the pod's, the node's or the API server's callout. @param {TraceEvent} ev */
function calloutOf(ev) {
  if (['pod loopback', 'app', 'pod eth0'].includes(ev.hop)) return `${podKey(ev.namespace, ev.pod)}:error`;
  if (ev.hop === 'kubelet' || ev.hop === 'node shell') {
    const node = ev.node ?? podOf(ev.namespace, ev.pod)?.node;
    return node ? `node:${node}:error` : `${podKey(ev.namespace, ev.pod)}:error`;
  }
  return 'apiserver:error';
}

const packet = $('#packet');
/** @param {string} key @param {boolean} failed */
function moveTo(key, failed) {
  const target = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
  if (!target) return;
  const r = target.getBoundingClientRect();
  packet.hidden = false;
  packet.classList.toggle('fail', failed);
  packet.style.left = `${r.left + window.scrollX + r.width / 2}px`;
  packet.style.top = `${r.top + window.scrollY + r.height / 2}px`;
}

const LIT_MS = 4000;
const FAIL_MS = 120_000;
/** @param {TraceEvent} ev */
function play(ev) {
  const now = Date.now();
  const parts = partsOf(ev);
  for (const key of parts) marks.set(key, { cls: ev.ok ? 'lit' : 'failed', text: '', until: now + (ev.ok ? LIT_MS : FAIL_MS) });
  if (!ev.ok) marks.set(calloutOf(ev), { cls: 'failed', text: `${ev.hop}: ${ev.error ?? 'failed'}`, until: now + FAIL_MS });
  else if (ev.hop === 'app') marks.delete(`${podKey(ev.namespace, ev.pod)}:error`);
  if (ev.hop === 'app' && ev.clientIP) {
    const key = podKey(ev.namespace, ev.pod);
    const text = `client IP ${ev.clientIP} (${ev.method})`;
    clientIPs.set(key, text);
    const c = document.querySelector(`[data-key="${CSS.escape(`${key}:client-ip`)}"]`);
    if (c) c.textContent = text;
    $('#client-ip').textContent = `${ev.namespace}/${ev.pod} saw client IP ${ev.clientIP} (${ev.method})`;
  }
  applyMarks();
  if (parts.length) moveTo(parts[parts.length - 1], !ev.ok);
}

// The list: one line per hop, as it is played.
/** @type {Map<string, number>} */
const requestNumbers = new Map();
const requestOf = (/** @type {TraceEvent} */ ev) => {
  const key = ev.trace ?? ev.session.split('.')[0];
  if (!requestNumbers.has(key)) requestNumbers.set(key, requestNumbers.size + 1);
  return requestNumbers.get(key);
};
/** @param {TraceEvent} ev */
function listEvent(ev) {
  const list = $('#events');
  const time = new Date(ev.time).toISOString().slice(11, 23);
  const li = el('li', { class: ev.ok ? 'ok' : 'fail', 'data-hop': ev.hop, 'data-pod': `${ev.namespace}/${ev.pod}`, 'data-method': ev.method },
    el('span', { class: 'req' }, `#${requestOf(ev)} ${ev.method} → ${ev.namespace}/${ev.pod}`), ` ${time} `,
    el('span', { 'aria-hidden': 'true' }, ev.ok ? '✔ ' : '✘ '), el('span', { class: 'sr' }, ev.ok ? 'ok: ' : 'failed: '),
    el('strong', {}, ev.hop), `: ${ev.ok ? ev.detail : ev.error ?? 'failed'}`,
    ...(ev.clientIP ? [` — client IP ${ev.clientIP}`] : []));
  list.append(li);
  while (list.children.length > 300) list.firstElementChild?.remove();
  list.scrollTop = list.scrollHeight;
}

// Events are played one by one, a step apart, so a burst (the lab reports a port-forward's hops within
// milliseconds) is seen travelling; a trace's events wait a moment first and go in the order they happened (kiada
// reports its own side when it has it, which can be after the lab's).
/** @type {TraceEvent[]} */
const queue = [];
let playing = false;
/** @returns {void} */
function step() {
  const ev = queue.shift();
  if (!ev) return void (playing = false);
  playing = true;
  listEvent(ev);
  play(ev);
  setTimeout(step, Math.max(60, 300 - queue.length * 25));
}
/** @type {TraceEvent[]} */
const held = [];
/** @type {ReturnType<typeof setTimeout> | undefined} */
let holdTimer;
/** @param {TraceEvent} ev */
function receive(ev) {
  if (ev.hop === 'end') return;
  if (!ev.trace) {
    queue.push(ev);
  } else {
    held.push(ev);
    clearTimeout(holdTimer);
    holdTimer = setTimeout(() => {
      queue.push(...held.splice(0).sort((a, b) => a.time - b.time));
      if (!playing) step();
    }, 400);
    return;
  }
  if (!playing) step();
}

setInterval(applyMarks, 1000);

const source = new EventSource('events');
source.addEventListener('state', (/** @type {MessageEvent} */ m) => {
  state = JSON.parse(m.data);
  $('#status').textContent = `${state.context}, namespace ${state.namespace}${state.lab ? ' — the lab reports every hop' : ' — not the lab: what kiada trace sees is drawn, the cluster reports no hops'}`;
  draw();
});
source.addEventListener('trace', (/** @type {MessageEvent} */ m) => receive(JSON.parse(m.data)));
source.addEventListener('error', () => {
  $('#status').textContent = 'Lost the connection to kiada view; retrying…';
});
