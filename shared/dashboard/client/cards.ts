/**
 * Browser code of the dashboard, part 2: the header and one card per source and per target, built from a
 * `StatusReport` (shared/status/report.ts). Each value carries `data-field` so tests and scripts can find it.
 */
export const CARDS_JS = String.raw`
function metric(label, value, field) {
  return el('div', { class: 'metric' }, [el('dt', { text: label }), el('dd', { 'data-field': field, text: value })]);
}

function reasonsList(reasons) {
  if (!reasons || reasons.length === 0) return null;
  return el(
    'ul',
    { class: 'reasons', 'aria-label': 'Reasons' },
    reasons.map(function (reason) {
      return el('li', { text: reason });
    }),
  );
}

function cardHeader(name, kind, health) {
  return el('header', { class: 'card-head' }, [
    el('h3', {}, [el('span', { class: 'name', text: name }), kind ? el('span', { class: 'kind', text: kind }) : null]),
    badge(health),
  ]);
}

function sourceCard(source) {
  const leases = source.leases || [];
  return el('article', { class: 'card health-' + healthOf(source.health), 'data-source': source.name }, [
    cardHeader(source.name, 'source', source.health),
    el('p', { class: 'sub', text: source.database + '/' + source.container + ' \u00B7 ' + source.changeFeedMode }),
    el('dl', { class: 'metrics' }, [
      metric('Pending changes', fmtCount(source.pendingChanges), 'pendingChanges'),
      metric('Lag', fmtDuration(source.lagSeconds), 'lagSeconds'),
      metric('Leases', fmtNumber(leases.length, 0), 'leases'),
    ]),
    reasonsList(source.reasons),
  ]);
}

function lastErrorBlock(lastError) {
  if (!lastError) return el('p', { class: 'last-error none', 'data-field': 'lastError', text: 'No errors recorded' });
  return el('div', { class: 'last-error', 'data-field': 'lastError' }, [
    el('p', {}, [
      el('strong', { text: 'Last error: ' }),
      el('code', { 'data-field': 'lastErrorCode', text: lastError.code }),
      el('span', { text: ' (' + lastError.class + ') at ' }),
      el('time', { datetime: lastError.at, 'data-field': 'lastErrorAt', text: fmtTime(lastError.at) }),
    ]),
    el('p', { class: 'message', 'data-field': 'lastErrorMessage', text: lastError.message }),
  ]);
}

function targetCard(target) {
  const backlog = target.backlog;
  const p99 = target.interval ? target.interval.latencyFromSource.p99Seconds : null;
  return el('article', { class: 'card health-' + healthOf(target.health), 'data-target': target.name }, [
    cardHeader(target.name, target.type, target.health),
    el('p', { class: 'sub', text: 'subscription ' + target.subscription }),
    el('dl', { class: 'metrics' }, [
      metric('Lag', fmtDuration(target.lagSeconds), 'lagSeconds'),
      metric('Backlog', backlog ? fmtCount(backlog.active) : NOT_MEASURED, 'backlog'),
      metric('Dead-lettered', backlog ? fmtCount(backlog.deadLettered) : NOT_MEASURED, 'deadLettered'),
      metric('Poisoned', typeof target.poisoned === 'number' ? fmtCount(target.poisoned) : NOT_MEASURED, 'poisoned'),
      metric('Throughput', fmtRate(target.throughputPerSecond), 'throughput'),
      metric('p99 latency', fmtDuration(p99), 'latencyP99'),
      metric('Errors (total)', fmtCount(target.totals.errors), 'errorsTotal'),
    ]),
    lastErrorBlock(target.lastError),
    reasonsList(target.reasons),
  ]);
}

function emptyNote(text) {
  return el('p', { class: 'empty', text: text });
}

function renderStatus(status) {
  const overall = document.getElementById('overall');
  replaceChildren(overall, [badge(status.health)]);
  const generated = document.getElementById('generated');
  generated.setAttribute('datetime', status.generatedAt);
  generated.textContent = fmtTime(status.generatedAt) + ' (' + fmtAgo(status.generatedAt) + ')';

  const sources = status.sources.map(sourceCard);
  replaceChildren(document.getElementById('sources'), sources.length ? sources : [emptyNote('No sources configured.')]);
  const targets = status.targets.map(targetCard);
  replaceChildren(document.getElementById('targets'), targets.length ? targets : [emptyNote('No targets configured.')]);

  const problems = document.getElementById('problems');
  problems.hidden = status.problems.length === 0;
  replaceChildren(
    document.getElementById('problem-list'),
    status.problems.map(function (problem) {
      return el('li', {}, [
        el('strong', { text: problem.component + ': ' }),
        el('span', { text: problem.message + ' ' }),
        el('code', { text: problem.code }),
      ]);
    }),
  );
}
`;
