/**
 * Browser code of the dashboard, part 1: formatting and DOM helpers. Plain JavaScript in a raw string (no build step;
 * no backticks and no dollar-brace inside, so the string is exactly what the browser runs). Everything that comes from
 * the API is written with textContent, never as HTML: reasons and error messages are untrusted text.
 */
export const FORMAT_JS = String.raw`
const HEALTH_TEXT = { ok: 'OK', degraded: 'Degraded', failing: 'Failing', unknown: 'Unknown' };
// A symbol beside the word, so health is never told by colour alone.
const HEALTH_ICON = { ok: '\u2714', degraded: '\u26A0', failing: '\u2716', unknown: '?' };
const NOT_MEASURED = 'not measured';

function isMissing(value) {
  return value === null || value === undefined || (typeof value === 'number' && !isFinite(value));
}

function fmtNumber(value, digits) {
  return value.toLocaleString(undefined, { maximumFractionDigits: digits });
}

function fmtCount(value) {
  return isMissing(value) ? NOT_MEASURED : fmtNumber(value, 0);
}

function fmtDuration(seconds) {
  if (isMissing(seconds)) return NOT_MEASURED;
  if (seconds === 0) return '0 s';
  if (seconds < 1) return fmtNumber(seconds * 1000, 0) + ' ms';
  if (seconds < 60) return fmtNumber(seconds, 1) + ' s';
  if (seconds < 3600) return Math.floor(seconds / 60) + ' min ' + Math.floor(seconds % 60) + ' s';
  return Math.floor(seconds / 3600) + ' h ' + Math.floor((seconds % 3600) / 60) + ' min';
}

function fmtRate(perSecond) {
  return isMissing(perSecond) ? NOT_MEASURED : fmtNumber(perSecond, perSecond < 10 ? 2 : 1) + ' /s';
}

function fmtTime(iso) {
  const date = new Date(iso);
  if (isNaN(date.getTime())) return String(iso);
  return date.toDateString() === new Date().toDateString() ? date.toLocaleTimeString() : date.toLocaleString();
}

function fmtAgo(iso) {
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  if (!(seconds >= 0)) return '';
  return seconds < 1 ? 'just now' : fmtDuration(Math.round(seconds)) + ' ago';
}

// el('p', { class: 'x', text: 'y' }, [child, ...]): attributes as attributes, text as textContent.
function el(tag, attrs, children) {
  const node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (name) {
    const value = attrs[name];
    if (value === undefined || value === null) return;
    if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, String(value));
  });
  (children || []).forEach(function (child) {
    if (child) node.appendChild(child);
  });
  return node;
}

function healthOf(value) {
  return Object.prototype.hasOwnProperty.call(HEALTH_TEXT, value) ? value : 'unknown';
}

function badge(health) {
  const level = healthOf(health);
  return el('span', { class: 'badge health-' + level, 'data-health': level }, [
    el('span', { 'aria-hidden': 'true', text: HEALTH_ICON[level] }),
    el('span', { text: HEALTH_TEXT[level] }),
  ]);
}

function replaceChildren(parent, children) {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  children.forEach(function (child) {
    parent.appendChild(child);
  });
}
`;
