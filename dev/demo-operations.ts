/**
 * The operations part of `npm run demo`, once every target has converged: one dead letter replayed to one target
 * (the webhook receiver refuses a document, the subscriber sets it aside as a poison record, the receiver is fixed,
 * `cosmos-sync deadletters replay` sends it again to the webhook's subscription only), then `cosmos-sync verify` of
 * the webhook and the Cosmos DB copy. The commands run in-process through the CLI's own entry point, with the demo
 * app's settings in place of the environment.
 */
import type { TableClient } from '@azure/data-tables';
import type { Container } from '@azure/cosmos';
import { runCli, type CliIo } from '../cli/program.js';
import { countPoison } from '../shared/poison/count.js';
import { messageOf } from '../shared/errors.js';
import { DEMO_SOURCE } from './target-readers.js';
import type { WebhookReceiver } from './webhook-receiver.js';

export interface DemoOperationsDeps {
  settings: Record<string, string>;
  source: Container;
  webhook: WebhookReceiver;
  poisonTable: TableClient;
  log: (message: string) => void;
  timeoutMs: number;
}

export interface DemoOperationsResult {
  lines: string[];
  /** What went wrong, if anything: the demo then exits 1. */
  problems: string[];
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(settings: Record<string, string>, argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: settings,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200)); // poll: the target and the table have no events
  }
}

const WEBHOOK = 'orders-webhook';
const REPLAY_ID = 'demo-replay';

async function replayOne(deps: DemoOperationsDeps): Promise<string> {
  const { webhook, source, poisonTable, settings, timeoutMs } = deps;
  const before = await countPoison(poisonTable, WEBHOOK);
  webhook.refuseDocument(REPLAY_ID);
  await source.items.upsert({ id: REPLAY_ID, customerId: 'demo', type: 'order', revision: 1 });
  await until('the webhook to set the refused document aside', timeoutMs, async () => {
    return (await countPoison(poisonTable, WEBHOOK)) > before;
  });
  deps.log(`${WEBHOOK} refused ${REPLAY_ID}: one poison record; fixing the receiver and replaying it`);
  webhook.acceptDocument(REPLAY_ID);
  const replay = await cli(settings, ['deadletters', 'replay', '--target', WEBHOOK, '--json']);
  if (replay.code !== 0) throw new Error(`deadletters replay exited ${replay.code}: ${replay.stderr.trim()}`);
  const held = () => webhook.read({ source: DEMO_SOURCE, documentId: REPLAY_ID, partitionKey: 'demo' });
  await until(`${REPLAY_ID} at ${WEBHOOK}`, timeoutMs, () => held() !== undefined);
  const left = await countPoison(poisonTable, WEBHOOK);
  return `${WEBHOOK}: the document its receiver refused, replayed after the fix (to this target's subscription only) and applied; ${left} poison records left`;
}

async function verifyTarget(settings: Record<string, string>, target: string): Promise<{ line: string; ok: boolean }> {
  const run = await cli(settings, ['verify', '--target', target, '--json']);
  if (run.code === 64 || run.code === 2) return { line: `${target}: verify failed: ${run.stderr.trim()}`, ok: false };
  const report = JSON.parse(run.stdout) as { checked: number; counts: Record<string, number>; differences: number };
  const counts = Object.entries(report.counts)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  return { line: `${target}: ${report.checked} source documents checked: ${counts}`, ok: report.differences === 0 };
}

export async function runDemoOperations(deps: DemoOperationsDeps): Promise<DemoOperationsResult> {
  const lines: string[] = [];
  const problems: string[] = [];
  try {
    lines.push(await replayOne(deps));
  } catch (error) {
    problems.push(`replay: ${messageOf(error)}`);
  }
  for (const target of [WEBHOOK, 'orders-copy']) {
    const verified = await verifyTarget(deps.settings, target);
    lines.push(verified.line);
    if (!verified.ok) problems.push(`verify ${verified.line}`);
  }
  return { lines, problems };
}
