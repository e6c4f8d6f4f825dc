/**
 * azure.yaml, .funcignore, package.json and the build configuration must agree on what azd uploads and what Flex
 * Consumption's remote build produces; the function app's azd tag must name the service azure.yaml deploys.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Deployment } from './bicep/index.js';
import { ofType, readJson, ROOT } from './deployment.js';

/** What the remote build needs in the upload: the manifest, the lock file, host.json and the TypeScript sources. */
const BUILD_INPUTS = ['package.json', 'package-lock.json', 'host.json', 'tsconfig.json', 'tsconfig.build.json'];

export interface PackagingFiles {
  azureYaml: string;
  funcignore: string;
  packageJson: { main?: string; scripts?: Record<string, string> };
  tsconfigBuild: { include?: string[]; extends?: string };
  tsconfig: { compilerOptions?: { outDir?: string } };
}

export function readPackagingFiles(): PackagingFiles {
  return {
    azureYaml: readFileSync(ROOT('azure.yaml'), 'utf8'),
    funcignore: readFileSync(ROOT('.funcignore'), 'utf8'),
    packageJson: readJson(ROOT('package.json')),
    tsconfigBuild: readJson(ROOT('tsconfig.build.json')),
    tsconfig: readJson(ROOT('tsconfig.json')),
  };
}

/** The top-level names `.funcignore` leaves out (its patterns here are plain names, optionally with `*`). */
function ignoredBy(funcignore: string): (name: string) => boolean {
  const patterns = funcignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => new RegExp(`^${line.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
  return (name) => patterns.some((pattern) => pattern.test(name));
}

export function packagingProblems(deployment: Deployment, files: PackagingFiles): string[] {
  const problems: string[] = [];
  const azure = parse(files.azureYaml) as { services?: Record<string, Record<string, unknown>> } | null;
  const services = Object.entries(azure?.services ?? {});
  const [service, settings] = services[0] ?? [];
  if (services.length !== 1)
    problems.push(`azure.yaml: expected one service (the function app), found ${services.length}`);
  for (const [key, value] of [
    ['project', '.'],
    ['host', 'function'],
    ['language', 'ts'],
    ['remoteBuild', true],
  ] as const) {
    if (settings?.[key] !== value) problems.push(`azure.yaml: expected ${key}: ${String(value)}`);
  }
  const site = ofType(deployment, 'Microsoft.Web/sites')[0];
  const tag = (site?.body['tags'] as Record<string, unknown> | undefined)?.['azd-service-name'];
  if (service === undefined || tag !== service) {
    problems.push(`function app tag azd-service-name is ${String(tag)}, azure.yaml deploys service ${String(service)}`);
  }

  const ignored = ignoredBy(files.funcignore);
  // Remote build installs the dependencies itself; an upload with node_modules would be built locally instead.
  if (!ignored('node_modules')) problems.push('.funcignore: node_modules must be left out for the remote build');
  for (const name of [...BUILD_INPUTS, ...(files.tsconfigBuild.include ?? [])]) {
    if (ignored(name)) problems.push(`.funcignore: leaves out ${name}, which the build needs`);
  }
  const outDir = (files.tsconfig.compilerOptions?.outDir ?? '').replace(/^\.\//, '').replace(/\/$/, '');
  if (!outDir || !files.packageJson.main?.startsWith(`${outDir}/`)) {
    problems.push(`package.json main (${String(files.packageJson.main)}) is not inside the build output ${outDir}`);
  }
  if (!files.packageJson.scripts?.['build']) problems.push('package.json: no build script for the remote build');
  return problems;
}
