/**
 * Browser code of the dashboard, part 4: fetching and refreshing. The API is addressed relative to the page
 * (`/api/dashboard` -> `/api/status`), and the page's `code` query parameter (the function key in Azure) is passed on.
 * A failed fetch shows a message and keeps the last data on screen; refreshes never overlap, and a stale answer (after
 * the hours selector changed) is dropped.
 */
export const MAIN_JS = String.raw`
const params = new URLSearchParams(location.search);
const HOURS_CHOICES = [1, 6, 24];
const refreshParam = Number(params.get('refresh'));
const refreshSeconds = refreshParam > 0 && refreshParam <= 3600 ? refreshParam : 15;
let hours = HOURS_CHOICES.indexOf(Number(params.get('hours'))) >= 0 ? Number(params.get('hours')) : 6;
let sequence = 0;
let timer = null;

window.cosmosSyncDashboard = { charts: {}, refreshes: 0, status: null, history: null, error: null };

async function getJson(path, query) {
  const url = new URL(path, location.href);
  if (params.get('code')) url.searchParams.set('code', params.get('code'));
  Object.keys(query).forEach(function (name) {
    url.searchParams.set(name, String(query[name]));
  });
  let response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  } catch (error) {
    throw new Error('network error (' + error.message + ')');
  }
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch (error) {
    if (response.ok) throw new Error('the answer is not JSON');
  }
  if (!response.ok) {
    const detail = body && body.error && typeof body.error.message === 'string' ? ': ' + body.error.message : '';
    throw new Error('HTTP ' + response.status + (response.statusText ? ' ' + response.statusText : '') + detail);
  }
  return body;
}

function checkReport(body, what) {
  if (!body || body.schemaVersion !== 1 || !Array.isArray(body.sources) || !Array.isArray(body.targets)) {
    throw new Error('unexpected ' + what + ' answer (schemaVersion ' + (body && body.schemaVersion) + ', expected 1)');
  }
  return body;
}

function showMessage(failures) {
  const box = document.getElementById('message');
  window.cosmosSyncDashboard.error = failures.length ? failures.join('; ') : null;
  if (failures.length === 0) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  const shown = window.cosmosSyncDashboard.status;
  const kept = shown ? ' Showing the data generated at ' + fmtTime(shown.generatedAt) + '.' : '';
  box.textContent = 'Could not load ' + failures.join('; ') + '.' + kept + ' Retrying in ' + refreshSeconds + ' s.';
  box.hidden = false;
}

// The first status fetch failed: replace the loading placeholders, there is nothing older to show.
function showNoStatus() {
  replaceChildren(document.getElementById('overall'), [badge('unknown')]);
  replaceChildren(document.getElementById('sources'), [emptyNote('No data: the status request failed.')]);
  replaceChildren(document.getElementById('targets'), [emptyNote('No data: the status request failed.')]);
}

async function refresh() {
  clearTimeout(timer);
  const mine = ++sequence;
  const results = await Promise.allSettled([
    getJson('status', {}).then(function (body) { return checkReport(body, 'status'); }),
    getJson('history', { hours: hours }).then(function (body) { return checkReport(body, 'history'); }),
  ]);
  if (mine !== sequence) return;
  const failures = [];
  const state = window.cosmosSyncDashboard;
  state.refreshes += 1;
  try {
    if (results[0].status === 'fulfilled') {
      state.status = results[0].value;
      renderStatus(state.status);
    } else {
      failures.push('status: ' + results[0].reason.message);
      if (!state.status) showNoStatus();
    }
    if (results[1].status === 'fulfilled') {
      state.history = results[1].value;
      renderCharts(state.history);
    } else failures.push('history: ' + results[1].reason.message);
  } catch (error) {
    failures.push('the page could not show the answer: ' + error.message);
  }
  showMessage(failures);
  document.body.setAttribute('data-state', state.status ? 'ready' : 'error');
  timer = setTimeout(refreshWhenVisible, refreshSeconds * 1000);
}

// A hidden tab does not poll; it refreshes as soon as it is shown again.
function refreshWhenVisible() {
  timer = null;
  if (document.hidden) return;
  refresh();
}

function setUp() {
  const select = document.getElementById('hours');
  select.value = String(hours);
  document.getElementById('hours-label').textContent = String(hours);
  select.addEventListener('change', function () {
    hours = Number(select.value);
    document.getElementById('hours-label').textContent = String(hours);
    const url = new URL(location.href);
    url.searchParams.set('hours', String(hours));
    window.history.replaceState(null, '', url);
    refresh();
  });
  document.getElementById('refresh-seconds').textContent = String(refreshSeconds);
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden && timer === null) refresh();
  });
  refresh();
}

setUp();
`;
