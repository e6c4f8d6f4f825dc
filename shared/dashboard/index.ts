/** The status dashboard served at `GET /api/dashboard` (docs/metrics.md, "Dashboard"). */
export { DashboardAssetError } from './assets.js';
export { renderDashboardHtml, renderDashboardPage, type DashboardPage } from './render.js';
export { dashboardResponse, type DashboardResponse } from './response.js';
