/**
 * The CLI's output with a function key in `--key`, in a pasted function URL (`?code=`) and in COSMOS_SYNC_URL, against
 * an app that is down, one that refuses the key or fails echoing what it got, and an older app whose report still
 * quotes connection strings: neither stdout nor stderr shows a secret.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../cli/program.js';
import { degradedReport } from '../cli/fixtures.js';
import { closedPort, json, startStatusServer, text, type StatusServer } from '../cli/status-server.js';
import {
  COSMOS_CONNECTION,
  leaksIn,
  postgresUrl,
  SAS_URL,
  SECRETS,
  SERVICE_BUS_CONNECTION,
  STORAGE_CONNECTION,
} from './fake-secrets.js';

async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; printed: string }> {
  const out: string[] = [];
  const io: CliIo = {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => out.push(t) },
    env,
  };
  const code = await runCli(argv, io);
  return { code, printed: out.join('') };
}

const key = ['--key', SECRETS.functionKey];

describe('cosmos-sync status prints no key or connection string', () => {
  let server: StatusServer;
  beforeEach(async () => {
    server = await startStatusServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('app down: key in --key and in the pasted URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/api/status?code=${SECRETS.functionKey}`;
    const { code, printed } = await run(['status', '--url', url, ...key, '--timeout', '2000']);
    expect(code).toBe(3);
    expect(printed).toContain('connection refused');
    expect(leaksIn(printed)).toEqual([]);
  });

  it.each([
    [401, 'key refused'],
    [403, 'forbidden'],
    [500, 'server error'],
    [418, 'other'],
  ])('HTTP %i whose body echoes the key and connection strings', async (status) => {
    server.reply = text(status, `got key ${SECRETS.functionKey}; ${STORAGE_CONNECTION} ${SERVICE_BUS_CONNECTION}`);
    const url = `${server.origin}/api/status?code=${SECRETS.functionKey}`;
    const { code, printed } = await run(['status', '--url', url, ...key]);
    expect(code).toBe(3);
    expect(server.requests).toHaveLength(1);
    expect(leaksIn(printed), printed).toEqual([]);
  });

  it('an older app whose report quotes secrets, as a table and in JSON', async () => {
    const report = degradedReport();
    report.problems.push({ component: 'backlog', code: 'SB', message: `failed: ${SERVICE_BUS_CONNECTION}` });
    const [first] = report.targets;
    if (first)
      first.lastError = {
        code: 'PG',
        message: `no ${postgresUrl(5432)} ${SAS_URL}`,
        class: 'transient',
        at: report.generatedAt,
      };
    server.reply = json(200, report);
    const table = await run(['status', '--url', server.origin, '--no-color']);
    expect(table.printed).toContain('SharedAccessKey=***');
    expect(leaksIn(table.printed), table.printed).toEqual([]);
    const asJson = await run(['status', '--url', server.origin, '--json']);
    expect(asJson.printed).toContain('SharedAccessKey=***');
    expect(leaksIn(asJson.printed), asJson.printed).toEqual([]);
  });

  it('follows a redirect within the origin, and not one to another port, where the key would go too', async () => {
    const elsewhere = await startStatusServer();
    try {
      elsewhere.reply = json(200, degradedReport());
      server.reply = (res) => res.writeHead(302, { location: `${elsewhere.origin}/api/status` }).end();
      const away = await run(['status', '--url', server.origin, ...key]);
      expect(away.code).toBe(3);
      expect(away.printed).toContain('unexpected HTTP 302');
      expect(elsewhere.requests).toEqual([]);

      let hops = 0;
      server.reply = (res) =>
        hops++ === 0 ? res.writeHead(307, { location: '/api/status?moved=1' }).end() : json(200, degradedReport())(res);
      expect((await run(['status', '--url', server.origin, ...key, '--json'])).code).toBe(1);
      expect(server.requests.map((request) => request.url).at(-1)).toBe('/api/status?moved=1');
    } finally {
      await elsewhere.close();
    }
  });

  it('a malformed COSMOS_SYNC_URL holding a key is quoted redacted', async () => {
    const { code, printed } = await run(['status'], {
      COSMOS_SYNC_URL: `app.azurewebsites.net/api/status?code=${SECRETS.functionKey}`,
    });
    expect(code).toBe(64);
    expect(printed).toContain('COSMOS_SYNC_URL');
    expect(leaksIn(printed), printed).toEqual([]);
  });
});

describe('operations commands print no secret when the services are unreachable', () => {
  it.each([
    ['deadletters', 'list', '--target', 'pg'],
    ['verify', '--target', 'pg'],
    ['backfill', '--target', 'pg'],
  ])('%s %s', async (...argv) => {
    // Every endpoint is a closed port on loopback (port 1): each command fails at its first call, printing the cause.
    const env = {
      AzureWebJobsStorage: STORAGE_CONNECTION,
      CosmosSource: COSMOS_CONNECTION,
      ServiceBus: SERVICE_BUS_CONNECTION,
      PostgresTarget: postgresUrl(1),
      COSMOS_SYNC_WEBHOOK_SECRET: SECRETS.webhookSecret,
      COSMOS_SYNC_SOURCES: JSON.stringify([
        { name: 'orders', database: 'shop', container: 'orders', partitionKeyPaths: ['/customerId'] },
      ]),
      COSMOS_SYNC_TARGETS: JSON.stringify([
        { name: 'pg', type: 'postgres', subscription: 'pg', connection: 'PostgresTarget', table: 'docs' },
      ]),
    };
    const { code, printed } = await run(argv, env);
    expect(code).toBe(2);
    expect(printed).toContain('ECONNREFUSED');
    expect(leaksIn(printed), printed).toEqual([]);
  });
});
