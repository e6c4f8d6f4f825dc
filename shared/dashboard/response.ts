/**
 * The HTTP answer for `GET /api/dashboard`, in the shape of `HttpResponseInit` from @azure/functions (a plain object,
 * so the local host and Azure treat it alike). `no-store`: the page is tiny and must follow a redeployment at once.
 */
import { renderDashboardPage } from './render.js';

export interface DashboardResponse {
  status: 200;
  headers: Record<string, string>;
  body: string;
}

export function dashboardResponse(): DashboardResponse {
  const page = renderDashboardPage();
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': page.contentSecurityPolicy,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    body: page.html,
  };
}
