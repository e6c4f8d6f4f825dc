/**
 * What the offline checks read from an evaluated deployment: the function app's settings with Azure's runtime values
 * filled in, and the resources by type. Placeholders (`<symbol.property>`, values only Azure knows) are replaced by
 * realistic values chosen from the property they stand for; one the table does not know fails the test, so a new
 * kind of runtime value is looked at rather than passed through.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { evaluateTemplate, type Deployment, type ResourceInstance } from './bicep/index.js';

export const INFRA = (path: string) => fileURLToPath(new URL(`../../infra/${path}`, import.meta.url));
export const ROOT = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export interface PipelineList {
  sources: Record<string, unknown>[];
  targets?: Record<string, unknown>[];
}

export const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** The parameters azd passes (environment name and location); anything else comes from the template's defaults. */
export function deploy(params: Record<string, unknown> = {}): Promise<Deployment> {
  return evaluateTemplate(INFRA('main.bicep'), { environmentName: 'ci', location: 'westeurope', ...params });
}

/** Runtime values by the property a placeholder reads, as Azure fills them. */
const RUNTIME_VALUES: [RegExp, string][] = [
  [/\.properties\.clientId>$/, '11111111-2222-3333-4444-555555555555'],
  [/\.properties\.principalId>$/, '66666666-7777-8888-9999-000000000000'],
  [/\.properties\.documentEndpoint>$/, 'https://cosmos-ci.documents.azure.com:443/'],
  [/\.properties\.primaryEndpoints\.blob>$/, 'https://stci.blob.core.windows.net/'],
  [
    /\.properties\.ConnectionString>$/,
    'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/',
  ],
  [/^<tenant\(\)\.tenantId>$/, '72f988bf-0000-0000-0000-000000000000'],
];

const PLACEHOLDER = /<[^<>]+>/g;

/** Replaces each placeholder in a setting's value; throws naming the setting and the placeholder it cannot fill. */
export function fillRuntimeValues(settings: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(settings).map(([name, value]) => {
      if (typeof value !== 'string')
        throw new Error(`setting ${name}: expected a string, got ${JSON.stringify(value)}`);
      const filled = value.replace(PLACEHOLDER, (placeholder) => {
        const known = RUNTIME_VALUES.find(([pattern]) => pattern.test(placeholder));
        if (!known) throw new Error(`setting ${name}: no runtime value for ${placeholder}; add one to RUNTIME_VALUES`);
        return known[1];
      });
      return [name, filled];
    }),
  );
}

export const ofType = (deployment: Deployment, type: string): ResourceInstance[] =>
  deployment.resources.filter((resource) => resource.type.toLowerCase() === type.toLowerCase() && !resource.existing);

/** The function app's settings as the template writes them (placeholders left in). */
export function appSettings(deployment: Deployment): Record<string, unknown> {
  const configs = ofType(deployment, 'Microsoft.Web/sites/config').filter((r) => r.name.endsWith('/appsettings'));
  if (configs.length !== 1) throw new Error(`expected one appsettings resource, found ${configs.length}`);
  const properties = configs[0]?.body['properties'];
  if (typeof properties !== 'object' || properties === null) throw new Error('appsettings has no properties object');
  return properties as Record<string, unknown>;
}

export const lastSegment = (name: string): string => name.slice(name.lastIndexOf('/') + 1);
