/**
 * One invocation through the worker contract, step for step as the Node.js worker runs it (azure-functions-nodejs-worker,
 * `src/eventHandlers/InvocationHandler.ts`): a `CoreInvocationContext` holding the host's request and the function's
 * metadata goes to the programming model that `@azure/functions` registered; `getInvocationModel(...)`,
 * `getArguments()` (which turns the RPC typed data into the handler's arguments and `InvocationContext`),
 * `preInvocation` hooks, `invokeFunction(...)`, `postInvocation` hooks, then `getResponse(...)`. Nothing here builds
 * a handler argument itself: the triggers only build the request, in the shapes the host sends.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { installFunctionsCore, type FunctionsCoreRegistry, type Registration } from '../functions-core.js';
import { functionLogFields, hostLevel, type HostLogger } from '../log.js';
import type { InvocationInput, RpcInvocationRequest, RpcInvocationResponse } from './rpc.js';

interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: Registration['handler']): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

interface ProgrammingModel {
  getInvocationModel(coreContext: CoreInvocationContext): InvocationModel | Promise<InvocationModel>;
}

type InvocationState = 'preInvocationHooks' | 'postInvocationHooks' | 'invocation' | undefined;

/** `@azure/functions-core`'s `CoreInvocationContext`: what the programming model reads and logs through. */
interface CoreInvocationContext {
  invocationId: string;
  request: RpcInvocationRequest;
  metadata: Record<string, unknown>;
  state?: InvocationState;
  log(level: string, category: string, message: string): void;
}

export interface WorkerInvocation {
  /** The process's `@azure/functions-core` shim; the installed one unless a test gives its own. */
  core?: FunctionsCoreRegistry;
  registration: Registration;
  input: InvocationInput;
  log: HostLogger;
  /** Extra fields for the invocation's log lines (e.g. the lease token or the session id). */
  logFields?: Record<string, unknown>;
}

function programmingModelOf(core: FunctionsCoreRegistry): ProgrammingModel {
  const model = core.programmingModel as Partial<ProgrammingModel> | undefined;
  if (typeof model?.getInvocationModel !== 'function') {
    throw new Error(
      'local host: no programming model was set; @azure/functions calls setProgrammingModel on its first app.* call',
    );
  }
  return model as ProgrammingModel;
}

/**
 * The metadata the worker keeps for a function indexed in the worker (`coreApi/registerFunction.ts`): what
 * `@azure/functions` registered, plus the function id and the `rawBindings` JSON the host indexes.
 */
function workerMetadataOf(registration: Registration): Record<string, unknown> {
  const { metadata, source } = registration;
  return {
    ...metadata,
    functionId: registration.name,
    rawBindings: Object.entries(metadata.bindings).map(([name, binding]) => JSON.stringify({ ...binding, name })),
    scriptFile: source ?? 'unknown',
  };
}

/** A W3C traceparent for the invocation, as the host starts an activity per invocation. */
const traceParent = (): string => `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`;

async function runHooks(core: FunctionsCoreRegistry, name: string, context: object): Promise<void> {
  for (const hook of core.hooks.get(name) ?? []) await hook(context);
}

/** Runs the function once; resolves with the worker's response, or rejects with what the function (or binding) threw. */
export async function invokeThroughWorker(invocation: WorkerInvocation): Promise<RpcInvocationResponse> {
  const { registration } = invocation;
  const core = invocation.core ?? installFunctionsCore();
  const invocationId = randomUUID();
  const log = invocation.log.child({ functionName: registration.name, invocationId, ...invocation.logFields });
  const coreContext: CoreInvocationContext = {
    invocationId,
    request: {
      invocationId,
      functionId: registration.name,
      traceContext: { traceParent: traceParent(), traceState: '', attributes: {} },
      ...invocation.input,
    },
    metadata: workerMetadataOf(registration),
    state: undefined,
    log: (level, category, message) => {
      if (category === 'user') log[hostLevel(level)]('function.log', functionLogFields([message]));
      else log.debug('worker.system_log', { level, message });
    },
  };
  const started = performance.now();
  log.debug('invocation.started', { retryCount: invocation.input.retryContext?.retryCount });
  try {
    const model = await programmingModelOf(core).getInvocationModel(coreContext);
    const hookData = {};
    const { context, inputs } = await model.getArguments();
    const pre = {
      hookData,
      appHookData: {},
      invocationContext: context,
      functionCallback: registration.handler,
      inputs,
    };
    await withState(coreContext, 'preInvocationHooks', () => runHooks(core, 'preInvocation', pre));
    const post = {
      hookData,
      appHookData: {},
      invocationContext: context,
      inputs: pre.inputs,
      result: null as unknown,
      error: null as unknown,
    };
    coreContext.state = 'invocation';
    try {
      post.result = await model.invokeFunction(context, pre.inputs, pre.functionCallback);
    } catch (error) {
      post.error = error;
    } finally {
      coreContext.state = undefined;
    }
    await withState(coreContext, 'postInvocationHooks', () => runHooks(core, 'postInvocation', post));
    // The worker's `isError` is any value but null and undefined: `throw undefined` counts as success there too.
    if (post.error !== null && post.error !== undefined) throw post.error;
    const response = await model.getResponse(context, post.result);
    log.info('invocation.succeeded', { durationMs: Math.round(performance.now() - started) });
    return response;
  } catch (error) {
    log.error('invocation.failed', { durationMs: Math.round(performance.now() - started), error });
    throw error;
  }
}

async function withState(
  context: CoreInvocationContext,
  state: InvocationState,
  run: () => Promise<void>,
): Promise<void> {
  context.state = state;
  try {
    await run();
  } finally {
    context.state = undefined;
  }
}
