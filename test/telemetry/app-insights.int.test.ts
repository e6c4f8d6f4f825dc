/**
 * The real Azure Monitor exporter, pointed by the connection string's `IngestionEndpoint` at a local HTTP server that
 * answers like the ingestion service. Statsbeat (the exporter's own usage reporting, sent to Microsoft hosts) is
 * turned off by its environment variable before the exporter is created, so nothing leaves the machine.
 *
 * The exporter always upgrades the ingestion endpoint to https; a one-line pipeline policy (test only) sends the
 * request it built over plain http instead, so the server needs no certificate. Host, port and path stay the
 * exporter's own, taken from the connection string.
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTelemetry, TelemetryError, type Telemetry } from '../../shared/telemetry/provider.js';

interface Envelope {
  name: string;
  iKey?: string;
  data: {
    baseType: string;
    baseData: { metrics: { name: string; value: number }[]; properties?: Record<string, string> };
  };
}

let server: Server;
let port: number;
let answer = 200;
const requests: { path: string; envelopes: Envelope[] }[] = [];
let telemetry: Telemetry;

const plainHttp: PipelinePolicy = {
  name: 'testPlainHttp',
  sendRequest(request, next) {
    request.url = request.url.replace(/^https:/, 'http:');
    request.allowInsecureConnection = true;
    return next(request);
  },
};

async function bodyOf(request: IncomingMessage): Promise<Envelope[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const text = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  // The service takes a JSON array, or newline-delimited JSON.
  return text.trimStart().startsWith('[')
    ? (JSON.parse(text) as Envelope[])
    : text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Envelope);
}

beforeAll(async () => {
  process.env['APPLICATION_INSIGHTS_NO_STATSBEAT'] = 'true';
  process.env['APPLICATIONINSIGHTS_SDKSTATS_DISABLED'] = 'true';
  server = createServer((request, response) => {
    void bodyOf(request).then((envelopes) => {
      requests.push({ path: request.url ?? '', envelopes });
      response.writeHead(answer, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(
          answer === 200
            ? { itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] }
            : {
                itemsReceived: envelopes.length,
                itemsAccepted: 0,
                errors: [{ index: 0, statusCode: 400, message: 'bad' }],
              },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  telemetry = await setupTelemetry({
    connectionString: `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:${port}/`,
    // Failed batches would otherwise be kept in a temp folder and resent by later test runs.
    exporterOptions: { disableOfflineStorage: true, additionalPolicies: [{ policy: plainHttp, position: 'perRetry' }] },
  });
});

afterAll(async () => {
  answer = 200;
  await telemetry?.shutdown();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

const metricsIn = (envelopes: Envelope[]) =>
  envelopes.flatMap((envelope) =>
    envelope.data.baseData.metrics.map((metric) => ({
      ...metric,
      properties: envelope.data.baseData.properties ?? {},
    })),
  );

describe('Application Insights export', () => {
  it('registers its own provider and is set up once per process', async () => {
    expect(telemetry.mode).toBe('azure-monitor');
    expect(await setupTelemetry({ connectionString: 'anything' })).toBe(telemetry);
  });

  it('posts the recorded metrics to /v2.1/track when flushed', async () => {
    requests.length = 0;
    telemetry.record({
      health: 'ok',
      sources: [{ name: 'orders', pendingChanges: 12, lagSeconds: 3 }],
      targets: [
        {
          name: 'orders-copy',
          lagSeconds: 1.5,
          backlog: { active: 4, deadLettered: 1 },
          applied: 250,
          errors: [{ code: 'TARGET_UNAVAILABLE', class: 'transient', count: 2 }],
          health: 'degraded',
        },
      ],
    });
    await telemetry.flush();

    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((request) => request.path.endsWith('/v2.1/track'))).toBe(true);
    const envelopes = requests.flatMap((request) => request.envelopes);
    expect(envelopes.every((envelope) => envelope.iKey === '00000000-0000-0000-0000-000000000000')).toBe(true);
    const sent = metricsIn(envelopes);
    expect(new Set(sent.map((metric) => metric.name))).toEqual(
      new Set([
        'cosmos_sync.health',
        'cosmos_sync.source.pending_changes',
        'cosmos_sync.source.lag_seconds',
        'cosmos_sync.target.lag_seconds',
        'cosmos_sync.target.backlog.active',
        'cosmos_sync.target.backlog.dead_lettered',
        'cosmos_sync.target.health',
        'cosmos_sync.target.applied',
        'cosmos_sync.target.errors',
      ]),
    );
    expect(sent.find((metric) => metric.name === 'cosmos_sync.target.errors')).toMatchObject({
      value: 2,
      properties: { target: 'orders-copy', code: 'TARGET_UNAVAILABLE', class: 'transient' },
    });
    expect(sent.find((metric) => metric.name === 'cosmos_sync.source.pending_changes')).toMatchObject({
      value: 12,
      properties: { source: 'orders' },
    });
  });

  it('rejects flush with a typed error when the service refuses the batch', async () => {
    answer = 400;
    telemetry.record({ targets: [{ name: 'orders-copy', applied: 1 }] });
    const error = await telemetry.flush().catch((rejection: unknown) => rejection);
    expect(error).toBeInstanceOf(TelemetryError);
    expect(error).toMatchObject({ code: 'TELEMETRY_EXPORT_FAILED', retryable: true });
    answer = 200;
  });

  it('exports nothing when nothing was recorded since the last flush', async () => {
    await telemetry.flush();
    requests.length = 0;
    await telemetry.flush();
    expect(metricsIn(requests.flatMap((request) => request.envelopes))).toEqual([]);
  });
});
