/**
 * A node:http server that plays the function app for the dashboard test: the page at /api/dashboard (with the real
 * headers from dashboardResponse) and fixture JSON at /api/status and /api/history. Tests switch what it answers
 * through `answers` and read every request it saw from `requests`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dashboardResponse } from '../../shared/dashboard/index.js';

export interface FixtureAnswers {
  /** A JSON body, or `'fail'` for a 500 with an error body as the app returns it. */
  status: unknown;
  history: unknown;
}

export interface FixtureServer {
  origin: string;
  answers: FixtureAnswers;
  requests: URL[];
  close(): Promise<void>;
}

const FAILURE = { error: { code: 'STATUS_UNAVAILABLE', message: 'the metrics table did not answer' } };

export async function startFixtureServer(answers: FixtureAnswers): Promise<FixtureServer> {
  const requests: URL[] = [];
  const state = { answers };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const answer = (body: unknown) => (body === 'fail' ? json(500, FAILURE) : json(200, body));
    if (url.pathname === '/api/dashboard') {
      const page = dashboardResponse();
      res.writeHead(page.status, page.headers);
      res.end(page.body);
    } else if (url.pathname === '/api/status') answer(state.answers.status);
    else if (url.pathname === '/api/history') answer(state.answers.history);
    else json(404, { error: { code: 'NOT_FOUND', message: `no route ${url.pathname}` } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    get answers() {
      return state.answers;
    },
    set answers(next: FixtureAnswers) {
      state.answers = next;
    },
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
