/**
 * The dashboard page as a string: self-contained (no CDN, nothing loaded from another host), uPlot and its licence
 * inline, and a CSP that pins exactly the page's inline scripts and styles. The browser test covers the behaviour.
 */
import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import type { HttpResponseInit } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { CLIENT_JS } from '../../shared/dashboard/client/index.js';
import { dashboardResponse, renderDashboardHtml } from '../../shared/dashboard/index.js';

const inline = (html: string, tag: 'script' | 'style') =>
  Array.from(html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g')), (match) => match[1] ?? '');
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('renderDashboardHtml', () => {
  const html = renderDashboardHtml();

  it('is one cached page', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(renderDashboardHtml()).toBe(html);
  });

  it('bundles uPlot, its CSS and its MIT licence', () => {
    expect(html).toContain('/*! https://github.com/leeoniya/uPlot (v1.6.32) */');
    expect(html).toContain('var uPlot=function()');
    expect(html).toContain('.u-legend');
    expect(html).toMatch(/MIT licence:\s+The MIT License \(MIT\)\s+Copyright \(c\) \d{4} Leon Sorokin/);
    expect(html).toContain('Permission is hereby granted, free of charge');
  });

  it('loads nothing from other hosts: no CDN, no external src or href', () => {
    // The only absolute URL is uPlot's own banner comment naming its repository.
    const urls = html.match(/https?:\/\/[^\s"'<>()]+/g) ?? [];
    expect(urls).toEqual(['https://github.com/leeoniya/uPlot']);
    const markup = html.replace(/<(script|style)>[\s\S]*?<\/\1>/g, '');
    expect(markup).not.toMatch(/\bsrc\s*=/i);
    expect(Array.from(markup.matchAll(/\bhref\s*=\s*"([^"]*)"/gi), (m) => m[1])).toEqual(['data:,']);
    expect(markup).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?(?:https?:)?\/\//i);
  });

  it('ships a browser script that parses and keeps API text out of innerHTML', () => {
    expect(() => new Script(CLIENT_JS)).not.toThrow();
    expect(CLIENT_JS).not.toMatch(/innerHTML|insertAdjacentHTML|document\.write|eval\(/);
    expect(CLIENT_JS).toContain('new URL(path, location.href)');
    expect(CLIENT_JS).toContain("searchParams.set('code'");
  });
});

describe('dashboardResponse', () => {
  const response = dashboardResponse();
  const csp = response.headers['content-security-policy'] ?? '';
  const directives = new Map(
    csp.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );

  it('fits HttpResponseInit and serves the cached page as uncached HTML', () => {
    const init: HttpResponseInit = response;
    expect(init.status).toBe(200);
    expect(response.body).toBe(renderDashboardHtml());
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('sets a CSP that allows own-origin fetches and exactly the inline scripts and styles', () => {
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(inline(response.body, 'script').map(sha256));
    expect(directives.get('style-src')).toEqual(inline(response.body, 'style').map(sha256));
    expect(directives.get('script-src')).toHaveLength(3);
    expect(directives.get('style-src')).toHaveLength(2);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
  });
});
