/**
 * uPlot's files, read from node_modules at first render (the package is a runtime dependency, so it is deployed with
 * the app). Resolved through Node's resolver, so it works from the source tree and from dist/ alike.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CosmosSyncError } from '../errors.js';

/** The dashboard cannot be built: a bundled file is missing or unusable. Not retryable: the deployment is broken. */
export class DashboardAssetError extends CosmosSyncError {
  readonly code = 'DASHBOARD_ASSET_INVALID';
  readonly retryable = false;
}

export interface UplotAssets {
  version: string;
  js: string;
  css: string;
  license: string;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new DashboardAssetError(`Cannot read ${path} for the dashboard; is the "uplot" package installed?`, {
      cause,
    });
  }
}

export function readUplotAssets(): UplotAssets {
  const require = createRequire(import.meta.url);
  let jsPath: string;
  try {
    jsPath = require.resolve('uplot/dist/uPlot.iife.min.js');
  } catch (cause) {
    throw new DashboardAssetError('Cannot find the "uplot" package for the dashboard; run npm install', { cause });
  }
  const packageDir = dirname(dirname(jsPath));
  const manifest: unknown = JSON.parse(read(join(packageDir, 'package.json')));
  const version =
    typeof manifest === 'object' && manifest !== null && 'version' in manifest && typeof manifest.version === 'string'
      ? manifest.version
      : 'unknown';
  return {
    version,
    js: read(jsPath),
    css: read(require.resolve('uplot/dist/uPlot.min.css')),
    license: read(join(packageDir, 'LICENSE')),
  };
}
