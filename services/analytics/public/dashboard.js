// The live dashboard: one server-sent-events stream (/dashboard/stream) feeds every panel; the journey view and the
// dead-letter actions call the service's JSON API. Plain browser JavaScript, uPlot for the charts, no build step.
/* global uPlot */
(() => {
  'use strict';
  const $ = (sel) => document.querySelector(sel);
  const fmt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'));
  const money = (minor, currency) =>
    (minor / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + ' ' + currency;
  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'class') e.className = v;
      else if (k.startsWith('data-')) e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  };
  const get = (obj, path) => path.split('.').reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);

  const FUNNEL = [
    ['created', 'Created'],
    ['validated', 'Validated'],
    ['reserved', 'Reserved'],
    ['paid', 'Paid'],
    ['fulfilled', 'Fulfilled'],
  ];
  const EXITS = [
    ['rejected', 'Rejected', 'bad'],
    ['outOfStock', 'Out of stock', 'bad'],
    ['paymentFailed', 'Payment failed', 'bad'],
    ['fulfillmentFailed', 'Fulfillment failed', 'bad'],
    ['refunded', 'Refunded', 'comp'],
    ['released', 'Stock released', 'comp'],
    ['notified', 'Emailed', ''],
  ];

  // ---- charts -----------------------------------------------------------------------------------------------
  const WINDOW = 300; // seconds of history kept on the charts
  const axis = { stroke: '#8b98a9', grid: { stroke: '#222b36' }, ticks: { stroke: '#222b36' } };
  function chart(target, series) {
    const width = () => Math.max(300, target.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 220,
        series: [{}, ...series.map(([label, stroke]) => ({ label, stroke, width: 2, points: { show: false } }))],
        axes: [axis, axis],
        scales: { x: { time: true } },
        legend: { live: true },
      },
      [[], ...series.map(() => [])],
      target,
    );
    window.addEventListener('resize', () => plot.setSize({ width: width(), height: 220 }));
    return plot;
  }
  const throughput = chart($('#chart-throughput'), [
    ['events/s', '#4f8cff'],
    ['orders/s', '#2fbf71'],
  ]);
  const latency = chart($('#chart-latency'), [
    ['end-to-end p50', '#2fbf71'],
    ['end-to-end p95', '#f5a623'],
    ['payment p95', '#a371f7'],
    ['fulfillment p95', '#f0506e'],
  ]);
  const series = { t: [], events: [], orders: [], e2e50: [], e2e95: [], pay95: [], ful95: [] };
  let previous;

  function pushSeries(snap) {
    const t = snap.at / 1000;
    const s = snap.summary;
    let rate = null;
    let orders = null;
    if (previous) {
      const dt = t - previous.t;
      rate = dt > 0 ? Math.max(0, (s.eventsProcessed - previous.events) / dt) : null;
      orders = dt > 0 ? Math.max(0, (s.funnel.created - previous.orders) / dt) : null;
    }
    previous = { t, events: s.eventsProcessed, orders: s.funnel.created };
    const timings = s.stageTimingsMs;
    const row = {
      t,
      events: rate,
      orders,
      e2e50: timings.createdToFulfilled.p50,
      e2e95: timings.createdToFulfilled.p95,
      pay95: timings.reservedToPaid.p95,
      ful95: timings.paidToFulfilled.p95,
    };
    for (const k of Object.keys(series)) series[k].push(row[k]);
    while (series.t.length && series.t[0] < t - WINDOW) for (const k of Object.keys(series)) series[k].shift();
    throughput.setData([series.t, series.events, series.orders]);
    latency.setData([series.t, series.e2e50, series.e2e95, series.pay95, series.ful95]);
    $('#kpi-rate').textContent = rate === null ? '–' : rate.toFixed(1);
  }

  // ---- panels -----------------------------------------------------------------------------------------------
  function renderMetrics(snap) {
    for (const node of document.querySelectorAll('[data-metric]')) {
      const v = get(snap.summary, node.dataset.metric);
      node.dataset.value = String(v);
      node.textContent = fmt(v);
    }
    const f = snap.summary.funnel;
    $('#kpi-failed').textContent = fmt(f.rejected + f.outOfStock + f.paymentFailed + f.fulfillmentFailed);
  }

  function renderFunnel(f) {
    const top = Math.max(1, f.created);
    $('#funnel').replaceChildren(
      ...FUNNEL.map(([k, label]) => {
        const fill = el('div', { class: 'fill' });
        fill.style.width = `${(100 * f[k]) / top}%`;
        return el(
          'div',
          { class: `bar ${k}` },
          el('span', {}, label),
          el('div', { class: 'track' }, fill),
          el('span', { class: 'n', 'data-metric': `funnel.${k}`, 'data-value': String(f[k]) }, fmt(f[k])),
        );
      }),
    );
    $('#exits').replaceChildren(
      ...EXITS.map(([k, label, kind]) =>
        el(
          'div',
          { class: `exit ${kind}` },
          el('label', {}, label),
          el('strong', { 'data-metric': `funnel.${k}`, 'data-value': String(f[k]) }, fmt(f[k])),
        ),
      ),
    );
  }

  function renderRevenue(revenue) {
    $('#revenue').replaceChildren(
      ...(revenue.length
        ? revenue.map((r) =>
            el(
              'div',
              { 'data-currency': r.currency, 'data-value': String(r.netMinor) },
              money(r.netMinor, r.currency),
              el('span', {}, `charged ${money(r.chargedMinor, '')}· refunded ${money(r.refundedMinor, '')}`),
            ),
          )
        : [el('div', { class: 'muted' }, 'no payments yet')]),
    );
  }

  function renderReasons(reasons) {
    $('#reasons').replaceChildren(
      ...(reasons.length
        ? reasons.map((r) =>
            el(
              'tr',
              {},
              el('td', {}, r.stage),
              el('td', {}, el('code', {}, r.code)),
              el('td', { class: 'num' }, fmt(r.count)),
            ),
          )
        : [el('tr', {}, el('td', { class: 'muted', colSpan: 3 }, 'No failures recorded.'))]),
    );
  }

  function renderServices(services) {
    const age = (ms) => (ms > 0 ? `${(ms / 1000).toFixed(1)} s` : '–');
    $('#services').replaceChildren(
      ...services.map((s) =>
        el(
          'tr',
          { 'data-service': s.name },
          el('td', {}, el('b', {}, s.name), el('div', { class: 'muted' }, s.urls.join(' · '))),
          el('td', {}, el('span', { class: `pill ${s.status}` }, s.status)),
          el('td', {}, s.consumer ? s.consumer.state : '–'),
          el('td', { class: 'num' }, s.consumer ? fmt(s.consumer.processed) : '–'),
          el('td', { class: `num ${s.lag > 0 ? 'warn' : ''}`, 'data-lag': String(s.lag) }, fmt(s.lag)),
          el(
            'td',
            { class: `num ${s.outbox && s.outbox.pending > 0 ? 'warn' : ''}` },
            s.outbox ? fmt(s.outbox.pending) : '–',
          ),
          el('td', { class: 'num' }, s.outbox ? age(s.outbox.oldestAgeMs) : '–'),
          el(
            'td',
            { class: `num ${s.consumer && s.consumer.deadLettered ? 'badnum' : ''}` },
            s.consumer ? fmt(s.consumer.deadLettered) : '–',
          ),
        ),
      ),
    );
  }

  function renderDeadLetters(rows) {
    const waiting = rows.filter((d) => d.count > 0);
    const quiet = rows.length - waiting.length;
    $('#dead-letters').replaceChildren(
      ...waiting.map((d) =>
        el(
          'tr',
          { 'data-topic': d.type },
          el('td', {}, el('code', {}, d.type)),
          el('td', { class: 'num badnum' }, fmt(d.count)),
          el(
            'td',
            { class: 'num' },
            el('button', { class: 'ghost small', type: 'button', onclick: () => showDeadLetters(d.type) }, 'View'),
            ' ',
            el('button', { class: 'small', type: 'button', onclick: () => redrive(d.type) }, 'Redrive'),
          ),
        ),
      ),
      el(
        'tr',
        {},
        el(
          'td',
          { class: 'muted', colSpan: 3 },
          waiting.length ? `${quiet} other topics: none` : `None on any of the ${quiet} topics.`,
        ),
      ),
    );
  }

  function renderRebuild(r) {
    const box = $('#rebuild');
    if (!r) return box.replaceChildren(el('p', { class: 'muted' }, 'No rebuild yet.'));
    const bar = el('div', {});
    bar.style.width = `${(100 * r.fraction).toFixed(1)}%`;
    const diff = r.diff
      ? r.diff.empty
        ? `no difference over ${fmt(r.diff.comparedOrders)} orders (${fmt(r.diff.inFlight.events)} events in flight)`
        : `${fmt(r.diff.orders.count)} orders differ, ${fmt(r.diff.missingFromShadow)} events missing`
      : '–';
    box.replaceChildren(
      el(
        'div',
        { class: 'card-head' },
        el(
          'span',
          {
            class: `badge ${r.status === 'switched' ? 'FULFILLED' : r.status === 'failed' ? 'REJECTED' : 'IN_PROGRESS'}`,
          },
          r.status,
        ),
        el('span', { class: 'muted' }, `#${r.id} · started ${new Date(r.startedAt).toLocaleString()}`),
      ),
      el('div', { class: 'progress', 'data-fraction': String(r.fraction) }, bar),
      el(
        'div',
        { class: 'muted' },
        `${fmt(r.consumed)} / ${fmt(r.target)} records (${(100 * r.fraction).toFixed(1)}%)`,
      ),
      el(
        'dl',
        {},
        el('dt', {}, 'Consumer group'),
        el('dd', {}, el('code', {}, r.groupId)),
        el('dt', {}, 'Shadow schema'),
        el('dd', {}, el('code', {}, r.shadowSchema)),
        el('dt', {}, 'Diff at switch'),
        el('dd', {}, diff),
        ...(r.error ? [el('dt', {}, 'Error'), el('dd', { class: 'badnum' }, r.error)] : []),
      ),
    );
  }

  // ---- actions ----------------------------------------------------------------------------------------------
  let toastTimer;
  function toast(text) {
    const t = $('#toast');
    t.textContent = text;
    t.classList.remove('hidden');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => t.classList.add('hidden'), 4000);
  }

  const tokenInput = $('#admin-token');
  tokenInput.value = sessionStorage.getItem('orderflow-admin-token') || '';
  tokenInput.addEventListener('change', () => sessionStorage.setItem('orderflow-admin-token', tokenInput.value));

  async function showDeadLetters(type) {
    const res = await fetch(`/dashboard/dead-letters/${encodeURIComponent(type)}`);
    const body = await res.json();
    $('#dlq-detail').replaceChildren(
      el('div', {}, el('b', {}, type)),
      ...body.deadLetters.map((d) =>
        el('div', {}, `${d.key ?? '∅'} · ${d.errorCode ?? ''} · ${d.error ?? ''} (${d.service ?? ''})`),
      ),
    );
  }

  async function redrive(type) {
    if (!tokenInput.value) return toast('Enter the admin token first.');
    const res = await fetch('/dashboard/dead-letters/redrive', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenInput.value}` },
      body: JSON.stringify({ type }),
    });
    const body = await res.json();
    toast(
      res.ok
        ? `Redriven ${body.redriven} of ${body.scanned} dead letters of ${type}.`
        : `Redrive refused: ${body.error.message}`,
    );
  }

  // ---- journey ----------------------------------------------------------------------------------------------
  const COMPENSATION = new Set(['inventory.released', 'payment.refunded']);
  const FAILURE = new Set([
    'order.rejected',
    'inventory.rejected',
    'payment.failed',
    'fulfillment.failed',
    'notification.failed',
  ]);
  function kindOf(type) {
    if (COMPENSATION.has(type)) return 'compensation';
    if (FAILURE.has(type)) return 'failure';
    if (type === 'notification.sent') return 'email';
    if (type === 'order.fulfilled') return 'success';
    return '';
  }
  function detailOf(e) {
    const s = e.summary || {};
    if (e.type === 'notification.sent')
      return `${s.template} email to ${s.recipient ?? 'the customer'} (after ${s.triggeredBy})`;
    if (e.type === 'notification.failed') return `${s.template} email could not be delivered: ${s.reasonCode}`;
    if (s.reasonCodes) return `reason: ${s.reasonCodes.join(', ')}`;
    if (e.type === 'payment.processed' || e.type === 'payment.refunded')
      return `${money(s.amountMinor, s.currency)}${s.reason ? ` · after ${s.reason}` : ''}`;
    if (e.type === 'order.fulfilled') return `${s.carrier} ${s.trackingNumber}`;
    if (e.type === 'inventory.released') return `${s.units} units back in stock · after ${s.reason}`;
    if (e.type === 'order.created' || e.type === 'order.validated') return `${money(s.totalMinor, s.currency)}`;
    return Object.entries(s)
      .map(([k, v]) => `${k}: ${v}`)
      .join(' · ');
  }

  async function showJourney(orderId) {
    const res = await fetch(`/orders/${encodeURIComponent(orderId)}/timeline`);
    $('#journey').classList.remove('hidden');
    $('#journey-id').textContent = orderId;
    if (!res.ok) {
      $('#journey-stage').textContent = res.status === 404 ? 'NOT FOUND' : 'ERROR';
      $('#journey-stage').className = 'badge REJECTED';
      $('#journey-meta').replaceChildren(
        el('span', {}, res.status === 404 ? 'No event of this order has been recorded (yet).' : 'The lookup failed.'),
      );
      $('#journey-events').replaceChildren();
      return;
    }
    const t = await res.json();
    $('#journey-stage').textContent = t.stage;
    $('#journey-stage').className = `badge ${t.stage}`;
    const d = t.stageDurationsMs;
    const ms = (v) => (v === null ? '–' : `${fmt(v)} ms`);
    $('#journey-meta').replaceChildren(
      el('span', {}, 'Total ', el('b', {}, t.totalMinor === null ? '–' : money(t.totalMinor, t.currency))),
      el('span', {}, 'Events ', el('b', {}, String(t.events.length))),
      el('span', {}, 'Validation ', el('b', {}, ms(d.validation))),
      el('span', {}, 'Reservation ', el('b', {}, ms(d.reservation))),
      el('span', {}, 'Payment ', el('b', {}, ms(d.payment))),
      el('span', {}, 'Fulfillment ', el('b', {}, ms(d.fulfillment))),
      el('span', {}, 'End to end ', el('b', {}, ms(d.endToEnd))),
      ...(t.failureReason ? [el('span', {}, 'Failure ', el('b', { class: 'badnum' }, t.failureReason))] : []),
    );
    $('#journey-events').replaceChildren(
      ...t.events.map((e) => {
        const kind = kindOf(e.type);
        return el(
          'li',
          { class: kind, 'data-event-type': e.type },
          el(
            'div',
            { class: 'ev-head' },
            el('span', { class: 'ev-type' }, e.type),
            el('span', { class: 'ev-src' }, e.source),
            ...(kind && kind !== 'success' ? [el('span', { class: `ev-tag ${kind}` }, kind)] : []),
            el(
              'span',
              { class: 'ev-time' },
              `${new Date(e.occurredAt).toISOString().replace('T', ' ').slice(0, 23)}${e.sincePreviousMs === null ? '' : ` · +${fmt(e.sincePreviousMs)} ms`}`,
            ),
          ),
          el('div', { class: 'ev-detail' }, detailOf(e)),
        );
      }),
    );
    history.replaceState(null, '', `#order=${encodeURIComponent(orderId)}`);
  }

  $('#journey-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = $('#journey-input').value.trim();
    if (id) void showJourney(id);
  });
  $('#journey-close').addEventListener('click', () => {
    $('#journey').classList.add('hidden');
    history.replaceState(null, '', location.pathname);
  });
  const fromHash = /^#order=(.+)$/.exec(location.hash);
  if (fromHash) {
    $('#journey-input').value = decodeURIComponent(fromHash[1]);
    void showJourney(decodeURIComponent(fromHash[1]));
  }

  // ---- stream -----------------------------------------------------------------------------------------------
  function connect() {
    const source = new EventSource('/dashboard/stream');
    source.addEventListener('open', () => {
      $('#conn-dot').className = 'dot live';
      $('#conn-text').textContent = 'live';
    });
    source.addEventListener('error', () => {
      $('#conn-dot').className = 'dot down';
      $('#conn-text').textContent = 'reconnecting…';
    });
    source.addEventListener('snapshot', (ev) => {
      const snap = JSON.parse(ev.data);
      renderFunnel(snap.summary.funnel);
      renderMetrics(snap);
      renderRevenue(snap.summary.revenue);
      renderReasons(snap.summary.failureReasons);
      renderServices(snap.services);
      renderDeadLetters(snap.deadLetters);
      renderRebuild(snap.rebuild);
      pushSeries(snap);
      $('#conn-text').textContent = `live · ${new Date(snap.at).toLocaleTimeString()}`;
      document.body.dataset.snapshotAt = String(snap.at);
    });
  }
  connect();
})();
