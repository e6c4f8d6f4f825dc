/**
 * Which Chromium the browser tests drive. A fresh machine has no system browser and no permission to download one, so
 * the fallback is the Chromium that ships inside the `@sparticuz/chromium` npm package (a brotli-packed build that
 * unpacks itself into the temp folder on first use). Order: `CHROMIUM_PATH`, then the machine's `/usr/bin/chromium`,
 * then the packaged one.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

export interface ChromiumChoice {
  executablePath: string;
  /** Where it came from, for the test's log line and skip reason. */
  origin: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';
}

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Flags every run uses: no sandbox (tests run as root), and no background traffic to hosts a closed network refuses. */
export const COMMON_CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const executable = (path: string): Promise<boolean> =>
  access(path, constants.X_OK).then(
    () => true,
    () => false,
  );

export async function findChromium(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ChromiumChoice> {
  const configured = env['CHROMIUM_PATH'];
  if (configured !== undefined && configured !== '') {
    if (!(await executable(configured)))
      throw new Error(`CHROMIUM_PATH is ${configured}, which is not an executable file`);
    return { executablePath: configured, origin: 'CHROMIUM_PATH' };
  }
  if (await executable(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, origin: 'system' };
  // The package's own flag list (`chromium.args` there) is tuned for serverless hosts and turns web security off,
  // which the dashboard tests check; the common flags above are enough for it to run headless here.
  return { executablePath: await unpackedChromium(), origin: '@sparticuz/chromium' };
}

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The packaged Chromium, unpacked once per machine into node_modules/.cache. The package unpacks into the temp folder
 * and takes an existing file there as done, so a second test process starting meanwhile, or a run killed halfway,
 * would launch a truncated binary. Here the package unpacks in a child process into a fresh folder, which is then
 * renamed into place in one step; whoever renames first wins and the others use that copy.
 */
async function unpackedChromium(): Promise<string> {
  const manifest = JSON.parse(
    await readFile(join(PROJECT_ROOT, 'node_modules/@sparticuz/chromium/package.json'), 'utf8'),
  ) as { version: string };
  const cacheRoot = join(PROJECT_ROOT, 'node_modules/.cache');
  const folder = join(cacheRoot, `sparticuz-chromium-${manifest.version}`);
  const binary = join(folder, 'chromium');
  if (await executable(binary)) return binary;
  await mkdir(cacheRoot, { recursive: true });
  const staging = await mkdtemp(join(cacheRoot, 'sparticuz-chromium-unpacking-'));
  try {
    const unpack =
      "const { default: packaged } = await import('@sparticuz/chromium'); await packaged.executablePath();";
    await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', unpack], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TMPDIR: staging },
    });
    await rename(staging, folder).catch(async (error: unknown) => {
      if (!(await executable(binary))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return binary;
}

/** The probe for `requireService`: finds a Chromium (the packaged one unpacks about 60 MB on first use). */
export const CHROMIUM_SERVICE = 'a headless Chromium (CHROMIUM_PATH, /usr/bin/chromium or @sparticuz/chromium)';
export const CHROMIUM_PROBE_TIMEOUT_MS = 60_000;

/** Launches the chosen Chromium headless with the common flags, and says which one it drives. */
export async function launchChromium(choice: ChromiumChoice): Promise<Browser> {
  console.log(`browser tests drive ${choice.executablePath} (${choice.origin})`);
  return chromium.launch({ executablePath: choice.executablePath, args: COMMON_CHROMIUM_ARGS });
}
