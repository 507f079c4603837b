// heartbridge dashboard: vanilla JS, no build step. Everything shown comes from the admin API.
// Safety rule: data is only ever written with textContent (el() below) — never innerHTML — so a hostile
// string in a payload (`<img src=x onerror=…>`) is shown as text and cannot run. The page's CSP also
// forbids inline scripts.

const TOKEN_KEY = 'heartbridge.adminToken';
const REFRESH_MS = 5000;
const STATES = ['pending', 'running', 'retrying', 'done', 'dead'];

let timer = null;
let busy = false;
/** Payloads the operator has expanded stay expanded across the 5 s refresh. */
const openPayloads = new Set();

const $ = (id) => document.getElementById(id);

/** Creates an element; children are elements or strings (strings become text nodes). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'data') for (const [dk, dv] of Object.entries(v)) node.dataset[dk] = String(dv);
    else node.setAttribute(k, String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

function text(value) {
  return value === null || value === undefined ? '' : String(value);
}

function when(ms) {
  if (!ms) return '-';
  const d = new Date(ms);
  const ago = Math.round((Date.now() - ms) / 1000);
  const rel =
    ago < 60 ? `${ago}s ago` : ago < 3600 ? `${Math.round(ago / 60)}m ago` : `${Math.round(ago / 3600)}h ago`;
  return `${d.toISOString().replace('T', ' ').slice(0, 19)} (${rel})`;
}

function duration(ms) {
  if (!ms) return '0 s';
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

class AuthError extends Error {}

async function api(path, options) {
  const headers = { accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  const init = { method: 'GET', headers, ...options };
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(init.body);
  }
  const res = await fetch(path, init);
  const body = await res.json().catch(() => null);
  if (res.status === 401) throw new AuthError(body?.message || 'not signed in');
  if (!res.ok) throw new Error(body?.message || `HTTP ${res.status}`);
  return body;
}

function showLogin(message) {
  stopRefresh();
  $('app').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('status').textContent = '';
  $('token').focus();
}

function showApp() {
  $('login').hidden = true;
  $('app').hidden = false;
  $('logout').hidden = false;
}

function say(message, isError) {
  const node = $('action-message');
  node.textContent = message;
  node.className = isError ? 'error' : 'ok';
}

function renderSummary(summary) {
  const cards = STATES.map((state) =>
    el(
      'div',
      { class: `card state-${state}`, data: { state } },
      el('div', { class: 'count' }, text(summary.jobs[state] ?? 0)),
      el('div', { class: 'label' }, state),
    ),
  );
  $('job-states').replaceChildren(...cards);
  const open = summary.open;
  $('summary-line').textContent =
    `Open: ${open.deadLetters} dead letter(s), ${open.quarantine} quarantined, ${open.review} to review. ` +
    `Oldest pending job waits ${duration(summary.oldestPendingAgeMs)}. ` +
    (summary.lastEvents.length
      ? `Last event: ${summary.lastEvents[0].topic} ${when(summary.lastEvents[0].receivedAt)}.`
      : 'No events yet.');
}

async function act(label, fn) {
  try {
    const message = await fn();
    say(message, false);
  } catch (err) {
    if (err instanceof AuthError) return showLogin(err.message);
    say(`${label} failed: ${err.message}`, true);
  }
  await refresh();
}

function renderDeadLetters(list) {
  $('dl-count').textContent = list.length ? String(list.length) : '';
  $('dl-empty').hidden = list.length > 0;
  const rows = list.map((d) =>
    el(
      'tr',
      { class: `dl kind-${d.kind}`, data: { id: d.id } },
      el('td', {}, text(d.id)),
      el('td', {}, el('span', { class: `pill ${d.kind}` }, d.kind)),
      el(
        'td',
        {},
        el('div', {}, text(d.task)),
        el('div', { class: 'muted mono' }, text(d.entityKey)),
        el(
          'details',
          Object.assign(
            {
              ontoggle: (event) => {
                if (event.target.open) openPayloads.add(d.id);
                else openPayloads.delete(d.id);
              },
            },
            openPayloads.has(d.id) ? { open: '' } : {},
          ),
          el('summary', {}, 'payload'),
          el('pre', { class: 'payload' }, JSON.stringify(d.payload, null, 2)),
        ),
      ),
      el(
        'td',
        { class: 'reason' },
        el('div', { class: 'mono code' }, text(d.errorCode)),
        el('div', {}, text(d.errorMessage)),
        d.attempts ? el('div', { class: 'muted' }, `after ${d.attempts} attempt(s)`) : null,
      ),
      el('td', { class: 'fix' }, text(d.suggestedFix || '-')),
      el('td', { class: 'muted' }, when(d.createdAt)),
      el(
        'td',
        { class: 'actions' },
        el(
          'button',
          {
            type: 'button',
            class: 'replay',
            onclick: () =>
              act('Replay', async () => {
                const r = await api(`/admin/dead-letters/${d.id}/replay`, { method: 'POST', body: {} });
                return `Replayed #${d.id} as job ${r.replayed[0] ? r.replayed[0].jobId : '?'}.`;
              }),
          },
          'Replay',
        ),
        el(
          'button',
          {
            type: 'button',
            class: 'discard secondary',
            onclick: () => {
              const reason = window.prompt(
                `Discard #${d.id}? It will not be run again. Reason (optional):`,
                '',
              );
              if (reason === null) return;
              act('Discard', async () => {
                await api(`/admin/dead-letters/${d.id}/discard`, {
                  method: 'POST',
                  body: reason.trim() ? { reason: reason.trim() } : {},
                });
                return `Discarded #${d.id}.`;
              });
            },
          },
          'Discard',
        ),
      ),
    ),
  );
  $('dead-letters').replaceChildren(...rows);
}

function candidateList(item) {
  const list = Array.isArray(item.candidates) ? item.candidates : [];
  return list.map((c) => {
    const name = [c.first_name, c.last_name].filter(Boolean).join(' ');
    return el(
      'div',
      { class: 'candidate' },
      el('span', {}, `${text(c.id)} ${name} <${text(c.email || '-')}>`),
      item.status === 'open'
        ? resolveButton(
            item,
            'Use',
            { use: Number(c.id) },
            `using customer ${text(c.id)}; the order is replayed.`,
            'secondary small',
          )
        : null,
    );
  });
}

/** Kinds decided by approve / reject (a held order, a held price); the others are customer matches. */
const ANOMALY_KINDS = new Set(['order.risk', 'catalog.price_anomaly']);

function resolveButton(item, label, body, done, cls = 'secondary') {
  return el(
    'button',
    {
      type: 'button',
      class: cls,
      onclick: () =>
        act('Resolve', async () => {
          await api(`/admin/review/${item.id}/resolve`, { method: 'POST', body });
          return `Review #${item.id}: ${done}`;
        }),
    },
    label,
  );
}

function reviewActions(item) {
  if (ANOMALY_KINDS.has(item.kind)) {
    const order = item.kind === 'order.risk';
    return [
      resolveButton(
        item,
        'Approve',
        { approve: true },
        order ? 'approved; the order goes to Heartland.' : 'approved; the price is published.',
      ),
      resolveButton(
        item,
        'Reject',
        { reject: true },
        order ? 'rejected; cancel and refund it in BigCommerce.' : 'rejected; the price stays unpublished.',
        'discard secondary',
      ),
    ];
  }
  return [
    resolveButton(
      item,
      'New customer',
      { create: true },
      'a new customer will be created; the order is replayed.',
    ),
  ];
}

function renderReview(items) {
  $('review-count').textContent = items.length ? String(items.length) : '';
  $('review-empty').hidden = items.length > 0;
  const rows = items.map((item) =>
    el(
      'tr',
      { data: { id: item.id } },
      el('td', {}, text(item.id)),
      el('td', { class: 'mono' }, text(item.entityKey)),
      el('td', {}, text(item.reason)),
      el('td', {}, ANOMALY_KINDS.has(item.kind) ? '' : candidateList(item)),
      el('td', {}, ...reviewActions(item)),
    ),
  );
  $('review').replaceChildren(...rows);
}

function renderAudit(entries) {
  const rows = entries.map((a) =>
    el(
      'tr',
      {},
      el('td', { class: 'muted' }, when(a.at)),
      el('td', {}, text(a.actor)),
      el('td', { class: 'mono' }, text(a.action)),
      el('td', { class: 'mono' }, text(a.target)),
      el('td', { class: 'muted detail' }, a.detail ? JSON.stringify(a.detail) : ''),
    ),
  );
  $('audit').replaceChildren(...rows);
}

async function refresh() {
  if (busy) return;
  busy = true;
  try {
    const [summary, dl, review, audit] = await Promise.all([
      api('/admin/summary'),
      api('/admin/dead-letters?status=open&limit=200'),
      api('/admin/review?status=open&limit=100'),
      api('/admin/audit?limit=20'),
    ]);
    showApp();
    renderSummary(summary);
    renderDeadLetters(dl.deadLetters);
    renderReview(review.items);
    renderAudit(audit.entries);
    $('status').textContent = `updated ${new Date().toLocaleTimeString()}`;
    $('status').className = 'muted';
  } catch (err) {
    if (err instanceof AuthError) {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin(err.message);
    } else {
      $('status').textContent = `cannot reach heartbridge: ${err.message}`;
      $('status').className = 'error';
    }
  } finally {
    busy = false;
  }
}

function startRefresh() {
  stopRefresh();
  timer = setInterval(refresh, REFRESH_MS);
}

function stopRefresh() {
  if (timer) clearInterval(timer);
  timer = null;
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
    $('token').value = '';
    await refresh();
    if (!$('app').hidden) startRefresh();
  });
  $('logout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin('');
  });
  if (sessionStorage.getItem(TOKEN_KEY)) {
    refresh().then(() => {
      if (!$('app').hidden) startRefresh();
    });
  } else showLogin('');
});
