// Unit tests of the offline Bicep evaluator (test/infra/bicep/) on small templates written to a temp directory.
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateTemplate, isResourceHandle, type Deployment, type ResourceInstance } from './bicep/index.js';

const root = path.join(os.tmpdir(), `bicep-evaluator-${randomUUID()}`);
afterAll(() => rm(root, { recursive: true, force: true }));

/** Writes the files (a string is main.bicep alone) to a fresh directory and evaluates its main.bicep. */
async function deploy(
  files: Record<string, string> | string,
  params: Record<string, unknown> = {},
): Promise<Deployment> {
  const dir = path.join(root, randomUUID());
  for (const [name, text] of Object.entries(typeof files === 'string' ? { 'main.bicep': files } : files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return evaluateTemplate(path.join(dir, 'main.bicep'), params);
}

/** Value of one expression, after optional declarations (the evaluator does not check output types). */
async function valueOf(expr: string, declarations = ''): Promise<unknown> {
  const d = await deploy(`${declarations}\noutput v object = ${expr}\n`);
  return d.outputs.v;
}

function only(d: Deployment, symbol: string): ResourceInstance {
  const found = d.resources.filter((r) => r.symbol === symbol);
  expect(found).toHaveLength(1);
  return found[0] as ResourceInstance;
}

describe('parsing', () => {
  it('reports a syntax error with file, line, column and the offending text', async () => {
    await expect(deploy('var a = 1\nvar b = (2 +\noutput o int = a\n')).rejects.toThrow(
      /syntax error: unexpected "= \(2 \+" \(.*main\.bicep:2:7\)/,
    );
  });

  it('reports a missing token at the construct that lacks it', async () => {
    await expect(deploy("var a = 1\nvar b = 'abc\n")).rejects.toThrow(/missing ' in "'abc" \(.*main\.bicep:2:9\)/);
  });

  it('asks for a parenthesized lambda body instead of misreading `x => x.name`', async () => {
    const run = deploy("var xs = [{ name: 'a' }]\nvar b = map(xs, x => x.name)\noutput o array = b\n");
    await expect(run).rejects.toThrow(/write `x => \(x\.name\)` instead of `x => x\.name`.*main\.bicep:2:17/);
  });

  it('rejects a misparsed lambda used as a binary operand too', async () => {
    await expect(valueOf('sort([{ n: 2 }], (a, b) => a.n < b.n)')).rejects.toThrow(
      /write `\(a, b\) => \(a\.n < b\.n\)`/,
    );
  });

  it.each([
    ["'a' == 'b' || o.flag", true],
    ['!o.flag', false],
    ['-o.n', -3],
    ['1 + o.n * 2', 7],
    ['o.flag ? o.name : o.other.name', 'x'],
    ['!o.flag ? o.name : o.other.name', 'y'],
    ['o.?missing ?? o.other.name', 'y'],
    ['(o.flag ? o : o.other).name', 'x'],
    ['o.list[1] + o.list[0]', 30],
    ['!contains(o.list, 10) || o.list[0] == 10', true],
    ['o.n * 2 + 1', 7],
    ['o.list[0] / o.n - 1', 2],
    ['1 - o.n - 1', -3],
    ['o.flag ? 1 : o.n + 1', 1],
    ['!o.flag ? 1 : o.n + 1', 4],
    ['o.n > 2 && o.list[1] > o.list[0]', true],
    ["o.other.name == 'y' ? o.list[1] * 2 : 0", 40],
    ['!o.flag ? 1 : o.flag ? 2 : 3', 2],
    ['o.flag && o.flag ? (1) : o.flag ? (2) : 3', 1],
  ])('binds member access tighter than operators: %s', async (expr, expected) => {
    const o = "var o = { flag: true, n: 3, name: 'x', other: { name: 'y' }, list: [10, 20] }";
    expect(await valueOf(expr, o)).toEqual(expected);
  });

  it('re-joins array items the grammar splits at a call or index', async () => {
    const v = await valueOf(
      `[
        [toUpper('a'), 'b']
        [toUpper ('c'), xs[0] + 1]
        [xs[1]]
        [concat(xs, [3])[2], 4]
        [
          resourceGroup().id // comment
          'x'
        ]
        [toUpper('\${concat('a', '}')}')]
      ]`,
      'var xs = [1, 2]',
    );
    expect(v).toEqual([['A', 'b'], ['C', 2], [2], [3, 4], ['<resourceGroup().id>', 'x'], ['A}']]);
  });

  it('keeps locations inside a re-joined array item', async () => {
    await expect(valueOf('[\n  o.list[0].missing\n  2\n]', 'var o = { list: [{}] }')).rejects.toThrow(
      /property 'missing' does not exist .*main\.bicep:3:3\)/,
    );
  });

  it('ignores comments, types, metadata and decorators on properties', async () => {
    const d = await deploy(`
      metadata info = 'ignored'
      type settings = { name: string }
      // line comment
      var a = { /* inline */
        @description('documented')
        b: 1 // trailing
      }
      output o object = a
    `);
    expect(d.outputs.o).toEqual({ b: 1 });
  });
});

describe('strings', () => {
  it('decodes every escape sequence and interpolates', async () => {
    const v = await valueOf("'it\\'s \\\\ \\n\\r\\t \\$x \\${x} ${x} \\u{1F600}\\u{41}'", "var x = 'X'");
    expect(v).toBe("it's \\ \n\r\t $x ${x} X 😀A");
  });

  it('keeps whitespace the grammar leaves between string parts', async () => {
    expect(
      await valueOf("[' ', '${a} ${b}', ' \\n ', '  x  ', ' ${a}', 'a // b']", "var a = 'A'\nvar b = 'B'"),
    ).toEqual([' ', 'A B', ' \n ', '  x  ', ' A', 'a // b']);
  });

  it('keeps multi-line strings verbatim and drops the newline after the opener', async () => {
    expect(await valueOf("'''\nline ${x} \\n\n'''")).toBe('line ${x} \\n\n');
  });

  it('interpolates numbers, booleans and compact JSON', async () => {
    expect(await valueOf("'${1}-${true}-${[1, 'a']}-${{ k: null }}'")).toBe('1-true-[1,"a"]-{"k":null}');
  });

  it('rejects an escape sequence Bicep does not have', async () => {
    await expect(valueOf("'a\\qb'")).rejects.toThrow(/invalid escape sequence \\q/);
  });
});

describe('operators', () => {
  it.each([
    ['7 / 2', 3],
    ['-7 / 2', -3],
    ['7 % 4', 3],
    ['2 + 3 * 4 - 1', 13],
    ["'B' < 'a'", true],
    ["'abc' >= 'abd'", false],
    ['3 <= 3', true],
    ["'Abc' == 'abc'", false],
    ["'Abc' =~ 'abc'", true],
    ["'Abc' !~ 'abd'", true],
    ["{ a: [1, { b: 'x' }] } == { a: [1, { b: 'x' }] }", true],
    ['[1, 2] != [2, 1]', true],
    ["null ?? 'fallback'", 'fallback'],
    ["'set' ?? o.missing", 'set'],
    ['false && o.missing', false],
    ['true || o.missing', true],
    ['true ? 1 : o.missing', 1],
    ['!(1 > 2)', true],
  ])('%s', async (expr, expected) => {
    expect(await valueOf(expr, 'var o = {}')).toEqual(expected);
  });

  it.each([
    ["1 + 'a'", /right of '\+' must be an int, got string/],
    ['!1', /operand of '!' must be a bool/],
    ["1 < 'a'", /cannot compare int < string/],
    ['1 / 0', /division by zero/],
    ["'yes' ? 1 : 2", /condition of \?: must be a bool/],
  ])('rejects %s', async (expr, error) => {
    await expect(valueOf(expr)).rejects.toThrow(error);
  });
});

describe('property and index access', () => {
  const o = "var o = { a: { b: 1 }, list: [10, 20], 'dash-key': 'd' }";

  it.each([
    ['o.a.b', 1],
    ['o.?missing', null],
    ['o.?missing.?deeper', null],
    ["o[?'missing']", null],
    ["o['dash-key']", 'd'],
    ['o.list[1]', 20],
    ['o.list[?5]', null],
    ['o.a.?b', 1],
  ])('%s', async (expr, expected) => {
    expect(await valueOf(expr, o)).toEqual(expected);
  });

  it.each([
    ['o.missing', /property 'missing' does not exist \(object has: a, list, dash-key\)/],
    ['o.?missing.x', /cannot read 'x' of null/],
    ['o.list[5]', /index 5 is out of range \(length 2\)/],
    ['o.a.b.c', /cannot read 'c' of a int/],
  ])('rejects %s with its location', async (expr, error) => {
    const run = valueOf(expr, o);
    await expect(run).rejects.toThrow(error);
    await expect(run).rejects.toThrow(/main\.bicep:2:\d+/);
  });
});

describe('parameters and variables', () => {
  const template = `
    @allowed(['dev', 'prod'])
    param env string = 'dev'
    param prefix string = 'cs-\${env}'
    @minValue(1)
    @maxValue(5)
    param count int = length(names)
    @minLength(3)
    @maxLength(8)
    param short string = 'abcd'
    @secure()
    param secret string
    param optional string?
    param tier 'basic' | 'premium' = 'basic'
    var names = [for i in range(0, 2): '\${base}\${i}']
    var base = toUpper(prefix)
    output names array = names
    output count int = count
  `;

  it('applies defaults that refer to other params and to vars declared later', async () => {
    const d = await deploy(template, { secret: 's' });
    expect(d.params).toEqual({
      env: 'dev',
      prefix: 'cs-dev',
      count: 2,
      short: 'abcd',
      secret: 's',
      optional: null,
      tier: 'basic',
    });
    expect(d.outputs).toEqual({ names: ['CS-DEV0', 'CS-DEV1'], count: 2 });
  });

  it('uses given values instead of defaults', async () => {
    const d = await deploy(template, { secret: 's', env: 'prod', count: 5, optional: 'o' });
    expect(d.params).toMatchObject({ env: 'prod', prefix: 'cs-prod', count: 5, optional: 'o' });
  });

  it.each([
    [{}, /parameter 'secret' has no default value and no value was given/],
    [{ secret: 's', typo: 1 }, /unknown parameter\(s\) typo/],
    [{ secret: 's', env: 'test' }, /parameter 'env' value "test" is not allowed; allowed: dev, prod/],
    [{ secret: 's', count: 0 }, /parameter 'count' value 0 is below 1/],
    [{ secret: 's', count: 6 }, /parameter 'count' value 6 is above 5/],
    [{ secret: 's', short: 'ab' }, /parameter 'short' length 2 violates @minLength\(3\)/],
    [{ secret: 's', short: 'abcdefghi' }, /parameter 'short' length 9 violates @maxLength\(8\)/],
    [{ secret: 1 }, /parameter 'secret' must be string, got int/],
    [{ secret: 's', tier: 'gold' }, /parameter 'tier' must be 'basic' \| 'premium'/],
  ])('rejects %j', async (params, error) => {
    await expect(deploy(template, params)).rejects.toThrow(error);
  });

  it('checks @allowed against each element of an array parameter', async () => {
    const t = "@allowed(['a', 'b'])\nparam xs array = ['a']\noutput o array = xs\n";
    expect((await deploy(t, { xs: ['b', 'a'] })).outputs.o).toEqual(['b', 'a']);
    await expect(deploy(t, { xs: ['a', 'c'] })).rejects.toThrow(/value "c" is not allowed/);
  });

  it('detects a cycle between variables', async () => {
    await expect(deploy('var a = b\nvar b = a\noutput o int = a\n')).rejects.toThrow(
      /dependency cycle: .*var a -> var b -> var a/,
    );
  });

  it('reports an unknown symbol with its location', async () => {
    await expect(deploy('output o int = nope\n')).rejects.toThrow(/unknown symbol 'nope' \(.*main\.bicep:1:16\)/);
  });
});

describe('loops', () => {
  it('binds item and index, filters with if, and nests', async () => {
    const d = await deploy(`
      var xs = [{ n: 'a', on: true }, { n: 'b', on: false }, { n: 'c', on: true }]
      output indexed array = [for (x, i) in xs: '\${i}:\${x.n}']
      output filtered array = [for x in xs: if (x.on) { name: x.n }]
      output nested array = [for i in range(1, 2): [for j in range(0, i): j]]
      output props object = { subnets: [for x in xs: x.n] }
    `);
    expect(d.outputs).toEqual({
      indexed: ['0:a', '1:b', '2:c'],
      filtered: [{ name: 'a' }, { name: 'c' }],
      nested: [[0], [0, 1]],
      props: { subnets: ['a', 'b', 'c'] },
    });
  });

  it('rejects a loop over a value only known at deployment', async () => {
    await expect(valueOf('[for x in resourceGroup().location: x]')).rejects.toThrow(
      /for-expression source must be an array, got string \(<resourceGroup\(\)\.location> is only known at deployment\)/,
    );
  });
});

describe('functions', () => {
  it.each([
    ["string({ a: 1, b: [true, 'x'] })", '{"a":1,"b":[true,"x"]}'],
    ['string(42)', '42'],
    ['json(\'{"a":[1,null]}\')', { a: [1, null] }],
    [
      "union({ a: { x: 1, y: 2 }, list: [1, 2], s: 'old' }, { a: { y: 3, z: 4 }, list: [3], s: 'new' })",
      { a: { x: 1, y: 3, z: 4 }, list: [3], s: 'new' },
    ],
    ['union([1, 2, 2], [2, 3], [{ a: 1 }, { a: 1 }])', [1, 2, 3, { a: 1 }]],
    ['intersection({ a: 1, b: 2, c: 3 }, { a: 1, b: 5, c: 3 })', { a: 1, c: 3 }],
    ['intersection([1, 2, 3, 3], [3, 2, 4])', [2, 3]],
    ['concat([1], [2, 3])', [1, 2, 3]],
    ["concat('a', 'b', 'c')", 'abc'],
    ["contains('Hello', 'ell')", true],
    ["contains('Hello', 'ELL')", false],
    ["contains([1, 'a'], 'a')", true],
    ["contains([1, 'a'], 'A')", false],
    ["contains({ Key: 1 }, 'kEY')", true],
    ["[empty(''), empty([]), empty({}), empty(null), empty(' ')]", [true, true, true, true, false]],
    ["[length('abc'), length([1, 2]), length({ a: 1 })]", [3, 2, 1]],
    ["[first([1, 2]), last([1, 2]), first('abc'), last('abc'), first([])]", [1, 2, 'a', 'c', null]],
    ["[take([1, 2, 3], 2), skip([1, 2, 3], 2), take('abc', 5), skip('abc', 1)]", [[1, 2], [3], 'abc', 'bc']],
    ["join(['a', 'b', 'c'], '-')", 'a-b-c'],
    ["split('a,b;c', [',', ';'])", ['a', 'b', 'c']],
    ["split('a.b', '.')", ['a', 'b']],
    ["[startsWith('Hello', 'he'), endsWith('Hello', 'LO'), startsWith('Hello', 'lo')]", [true, true, false]],
    ["[indexOf('Hello', 'L'), lastIndexOf('abcabc', 'B'), indexOf([1, 2], 2), indexOf([1], 3)]", [2, 4, 1, -1]],
    ["[toLower('AbC'), toUpper('aBc'), trim('  x y  ')]", ['abc', 'ABC', 'x y']],
    ["replace('a-b-c', '-', '_')", 'a_b_c'],
    ["[substring('hello', 1, 3), substring('hello', 2)]", ['ell', 'llo']],
    ["format('{0}-{1}-{0} {{literal}}', 'a', 1)", 'a-1-a {literal}'],
    ["[padLeft('7', 3, '0'), padLeft(7, 3, '0'), padLeft('abcd', 2)]", ['007', '007', 'abcd']],
    ["coalesce(null, null, 'x', 'y')", 'x'],
    ['coalesce(null)', null],
    ["[int('42'), int(7), bool('True'), bool(0)]", [42, 7, true, false]],
    ['range(2, 3)', [2, 3, 4]],
    ['[min(3, 1, 2), max([3, 9, 2])]', [1, 9]],
    [
      'items({ b: 2, a: 1 })',
      [
        { key: 'a', value: 1 },
        { key: 'b', value: 2 },
      ],
    ],
    ['objectKeys({ b: 2, a: 1 })', ['b', 'a']],
    ['flatten([[1], [2, 3], []])', [1, 2, 3]],
    ['map([1, 2], x => x * 10)', [10, 20]],
    ["map(['a', 'b'], (x, i) => '${i}:${x}')", ['0:a', '1:b']],
    ['filter([1, 2, 3, 4], x => x % 2 == 0)', [2, 4]],
    ['reduce([1, 2, 3], 10, (acc, x) => acc + x)', 16],
    ['sort([3, 1, 2], (a, b) => a < b)', [1, 2, 3]],
    ["sort([{ n: 'b' }, { n: 'a' }], (a, b) => (a.n < b.n))", [{ n: 'a' }, { n: 'b' }]],
    ["toObject([{ k: 'a', v: 1 }], x => (x.k))", { a: { k: 'a', v: 1 } }],
    ["toObject([{ k: 'a', v: 1 }, { k: 'b', v: 2 }], x => (x.k), x => (x.v))", { a: 1, b: 2 }],
    ['any(1)', 1],
    ["sys.concat('a', 'b')", 'ab'],
    ['az.resourceGroup().location', '<resourceGroup().location>'],
    [
      "resourceId('Microsoft.ServiceBus/namespaces/topics', 'ns', 'orders')",
      '/subscriptions/<subscription().subscriptionId>/resourceGroups/<resourceGroup().name>/providers/Microsoft.ServiceBus/namespaces/ns/topics/orders',
    ],
    [
      "resourceId('other-rg', 'Microsoft.Storage/storageAccounts', 'st')",
      '/subscriptions/<subscription().subscriptionId>/resourceGroups/other-rg/providers/Microsoft.Storage/storageAccounts/st',
    ],
    [
      "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '090c5cfd-751d-490a-894a-3ce6f1109419')",
      '/subscriptions/<subscription().subscriptionId>/providers/Microsoft.Authorization/roleDefinitions/090c5cfd-751d-490a-894a-3ce6f1109419',
    ],
    [
      "extensionResourceId('/scope', 'Microsoft.Authorization/roleAssignments', 'g')",
      '/scope/providers/Microsoft.Authorization/roleAssignments/g',
    ],
    [
      "tenantResourceId('Microsoft.Management/managementGroups', 'mg')",
      '/providers/Microsoft.Management/managementGroups/mg',
    ],
    [
      'resourceGroup()',
      { id: '<resourceGroup().id>', name: '<resourceGroup().name>', location: '<resourceGroup().location>' },
    ],
    [
      '[subscription().subscriptionId, tenant().tenantId, deployment().name]',
      ['<subscription().subscriptionId>', '<tenant().tenantId>', '<deployment().name>'],
    ],
    [
      '[environment().suffixes.storage, environment().suffixes.keyvaultDns, environment().authentication.loginEndpoint]',
      ['core.windows.net', '<environment().suffixes.keyvaultDns>', '<environment().authentication.loginEndpoint>'],
    ],
  ])('%s', async (expr, expected) => {
    expect(await valueOf(expr)).toEqual(expected);
  });

  it('makes uniqueString and guid deterministic and shaped like Azure’s', async () => {
    const v = (await valueOf(
      "[uniqueString('a'), uniqueString('a'), uniqueString('b'), guid('a', 'b'), guid('a', 'b'), guid('a', 'c')]",
    )) as string[];
    const [u1, u2, u3, g1, g2, g3] = v;
    expect(u1).toMatch(/^[a-z2-7]{13}$/);
    expect(u1).toBe(u2);
    expect(u1).not.toBe(u3);
    expect(g1).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(g1).toBe(g2);
    expect(g1).not.toBe(g3);
  });

  it('loads JSON and text content relative to the declaring file', async () => {
    const d = await deploy({
      'main.bicep': "module m 'sub/m.bicep' = { name: 'm' }\noutput o object = m.outputs.o\n",
      'sub/m.bicep':
        "output o object = { all: loadJsonContent('data/roles.json'), one: loadJsonContent('data/roles.json', '$.roles[1].id'), text: loadTextContent('data/x.txt') }\n",
      'sub/data/roles.json': '{ "roles": [{ "id": "r0" }, { "id": "r1" }] }',
      'sub/data/x.txt': 'hello\n',
    });
    expect(d.outputs.o).toEqual({ all: { roles: [{ id: 'r0' }, { id: 'r1' }] }, one: 'r1', text: 'hello\n' });
  });

  it.each([
    ["foo('x')", /unsupported function 'foo' \(.*main\.bicep:2:19\)/],
    ['utcNow()', /utcNow\(\) is not supported offline/],
    ["resourceId('Microsoft.ServiceBus/namespaces/topics', 'ns')", /needs 2 name\(s\), got 1/],
    ["substring('abc', 2, 5)", /out of range/],
    ["union({ a: 1 }, 'b')", /union argument must be an object, got string/],
  ])('rejects %s', async (expr, error) => {
    await expect(valueOf(expr)).rejects.toThrow(error);
  });

  it('calls user-defined functions, which see only their parameters', async () => {
    expect(await valueOf("greet('x', 2)", "func greet(name string, n int) string => '${name}!${n + 1}'")).toBe('x!3');
    await expect(valueOf("f('x')", "var secret = 's'\nfunc f(a string) string => '${a}${secret}'")).rejects.toThrow(
      /'secret' is not a parameter of this function/,
    );
  });

  it('resolves imported variables and functions', async () => {
    const d = await deploy({
      'main.bicep':
        "import { roles, twice as double } from 'lib.bicep'\nimport * as lib from 'lib.bicep'\noutput o array = [roles.reader, double(2), lib.twice(3), lib.roles.reader]\n",
      'lib.bicep': "@export()\nvar roles = { reader: 'r' }\n@export()\nfunc twice(x int) int => x * 2\n",
    });
    expect(d.outputs.o).toEqual(['r', 4, 6, 'r']);
  });
});

describe('resources', () => {
  const template = `
    param location string = 'westeurope'
    resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {
      name: 'st\${uniqueString(resourceGroup().id)}'
      location: location
      sku: { name: 'Standard_LRS' }
      resource blob 'blobServices' = {
        name: 'default'
        resource leases 'containers@2023-05-01' = {
          name: 'leases'
        }
      }
    }
    resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
      name: 'id-app'
      location: location
    }
    resource blobReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
      name: guid(storage.id, identity.id, 'reader')
      scope: storage
      properties: {
        principalId: identity.properties.principalId
        roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'r1')
      }
    }
    resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
      name: 'kv-shared'
      scope: resourceGroup('shared-rg')
    }
    resource off 'Microsoft.Web/sites@2023-01-01' = if (location == 'nowhere') {
      name: 'never'
    }
    output endpoint string = storage.properties.primaryEndpoints.blob
    output keys string = storage.listKeys().keys[0].value
    output container string = storage::blob::leases.name
    output clientId string = identity.properties.clientId
    output vault array = [vault.name, vault.type, vault.id, vault.apiVersion]
    output composed string = '\${storage.id}/blobServices/default'
    output offName string = off.name
  `;

  it('expands nested children with the parent type and name, and links them', async () => {
    const d = await deploy(template);
    const storage = only(d, 'storage');
    const blob = only(d, 'storage::blob');
    const leases = only(d, 'storage::blob::leases');
    expect(storage.name).toMatch(/^st[a-z2-7]{13}$/);
    expect(blob).toMatchObject({
      type: 'Microsoft.Storage/storageAccounts/blobServices',
      apiVersion: '2023-01-01',
      name: `${storage.name}/default`,
      body: { name: 'default' },
    });
    expect(leases).toMatchObject({
      type: 'Microsoft.Storage/storageAccounts/blobServices/containers',
      apiVersion: '2023-05-01',
      name: `${storage.name}/default/leases`,
    });
    expect(blob.parent).toBe(storage);
    expect(leases.parent).toBe(blob);
    expect(storage.body).toEqual({ name: storage.name, location: 'westeurope', sku: { name: 'Standard_LRS' } });
    expect(d.outputs.container).toBe(`${storage.name}/default/leases`);
  });

  it('turns what only Azure knows into placeholders that compose', async () => {
    const d = await deploy(template);
    expect(d.outputs).toMatchObject({
      endpoint: '<storage.properties.primaryEndpoints.blob>',
      keys: '<storage.listKeys().keys[0].value>',
      clientId: '<identity.properties.clientId>',
      composed: '<storage.id>/blobServices/default',
    });
    const assignment = only(d, 'blobReader');
    expect(assignment.body.properties).toEqual({
      principalId: '<identity.properties.principalId>',
      roleDefinitionId:
        '/subscriptions/<subscription().subscriptionId>/providers/Microsoft.Authorization/roleDefinitions/r1',
    });
    expect(assignment.name).toBe((await valueOf("guid('<storage.id>', '<identity.id>', 'reader')")) as string);
  });

  it('evaluates a resource used as a value to a handle', async () => {
    const d = await deploy(template);
    const assignment = only(d, 'blobReader');
    expect(isResourceHandle(assignment.scope)).toBe(true);
    expect(assignment.scope).toEqual({
      $resource: '<storage>',
      type: 'Microsoft.Storage/storageAccounts',
      name: only(d, 'storage').name,
    });
    expect(isResourceHandle({ $resource: '<x>' })).toBe(false);
  });

  it('keeps existing resources, knowing only their name and type', async () => {
    const d = await deploy(template);
    const vault = only(d, 'vault');
    expect(vault).toMatchObject({ existing: true, name: 'kv-shared', type: 'Microsoft.KeyVault/vaults' });
    expect(vault.scope).toEqual({
      id: '/subscriptions/<subscription().subscriptionId>/resourceGroups/shared-rg',
      name: 'shared-rg',
      location: "<resourceGroup('shared-rg').location>",
    });
    expect(only(d, 'storage').existing).toBe(false);
    expect(d.outputs.vault).toEqual(['kv-shared', 'Microsoft.KeyVault/vaults', '<vault.id>', '2023-07-01']);
  });

  it('leaves out resources whose condition is false but still knows their name', async () => {
    const d = await deploy(template);
    expect(d.resources.map((r) => r.symbol)).not.toContain('off');
    expect(d.outputs.offName).toBe('never');
    const on = await deploy(template, { location: 'nowhere' });
    expect(only(on, 'off').name).toBe('never');
  });

  it('expands resource loops with parent:, filters and indexed access', async () => {
    const d = await deploy(`
      param subs array = [{ name: 'search', on: true }, { name: 'cache', on: false }, { name: 'audit', on: true }]
      resource ns 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
        name: 'sb-app'
      }
      resource topic 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' = {
        parent: ns
        name: 'changes'
      }
      resource subscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' = [for (s, i) in subs: if (s.on) {
        parent: topic
        name: s.name
        properties: { requiresSession: true, order: i }
      }]
      output second string = subscriptions[1].name
      output ids array = [for s in subscriptions: s.id]
    `);
    const topic = only(d, 'topic');
    expect(topic.name).toBe('sb-app/changes');
    expect(topic.parent).toBe(only(d, 'ns'));
    expect(topic.body.parent).toEqual({ $resource: '<ns>', type: 'Microsoft.ServiceBus/namespaces', name: 'sb-app' });
    const subs = d.resources.filter((r) => r.symbol === 'subscriptions');
    expect(subs.map((s) => [s.name, s.loopIndex, s.body.properties])).toEqual([
      ['sb-app/changes/search', 0, { requiresSession: true, order: 0 }],
      ['sb-app/changes/audit', 2, { requiresSession: true, order: 2 }],
    ]);
    expect(subs.every((s) => s.parent === topic)).toBe(true);
    expect(d.outputs.second).toBe('sb-app/changes/cache');
    expect(d.outputs.ids).toEqual(['<subscriptions[0].id>', '<subscriptions[1].id>', '<subscriptions[2].id>']);
  });

  it('reads the target scope', async () => {
    const d = await deploy(
      "targetScope = 'subscription'\noutput id string = resourceId('Microsoft.Resources/resourceGroups', 'rg')\n",
    );
    expect(d.targetScope).toBe('subscription');
    expect(d.outputs.id).toBe(
      '/subscriptions/<subscription().subscriptionId>/providers/Microsoft.Resources/resourceGroups/rg',
    );
    expect((await deploy('output o int = 1\n')).targetScope).toBe('resourceGroup');
  });
});

describe('modules', () => {
  const files = {
    'main.bicep': `
      param enabled bool = true
      resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {
        name: 'stapp'
      }
      module monitoring 'modules/monitoring.bicep' = {
        name: 'monitoring'
        params: { name: 'appi-app', storageId: storage.id }
      }
      module queues 'modules/queue.bicep' = [for (q, i) in ['a', 'b']: {
        name: 'queue-\${q}'
        scope: resourceGroup('rg-\${q}')
        params: { queue: q, index: i }
      }]
      module optional 'modules/queue.bicep' = if (enabled) {
        name: 'optional'
        params: { queue: 'opt', index: 9 }
      }
      output connection string = monitoring.outputs.connectionString
      output realName string = monitoring.outputs.name
      output queueNames array = [for i in range(0, 2): queues[i].outputs.fullName]
      output moduleName string = monitoring.name
      output queueModules array = [for q in queues: q.name]
      resource after 'Microsoft.Resources/deploymentScripts@2023-08-01' = {
        name: 'after'
        dependsOn: [monitoring, storage]
      }
    `,
    'modules/monitoring.bicep': `
      param name string
      param storageId string
      param retention int = 30
      resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
        name: name
        kind: 'web'
        properties: { WorkspaceResourceId: storageId, RetentionInDays: retention }
      }
      module inner 'inner.bicep' = {
        name: 'inner'
      }
      output connectionString string = appInsights.properties.ConnectionString
      output name string = appInsights.name
      output innerId string = inner.outputs.id
    `,
    'modules/inner.bicep': `
      resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
        name: 'log-app'
      }
      output id string = workspace.id
    `,
    'modules/queue.bicep': `
      param queue string
      param index int
      resource q 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = {
        name: 'sb/\${queue}'
        properties: { position: index }
      }
      output fullName string = q.name
    `,
  };

  it('passes params, evaluates outputs with real values or placeholders on the module path', async () => {
    const d = await deploy(files);
    expect(d.outputs).toEqual({
      connection: '<monitoring:appInsights.properties.ConnectionString>',
      realName: 'appi-app',
      queueNames: ['sb/a', 'sb/b'],
      moduleName: 'monitoring',
      queueModules: ['queue-a', 'queue-b'],
    });
    expect(only(d, 'after').body.dependsOn).toEqual([
      { $module: '<monitoring>', name: 'monitoring' },
      { $resource: '<storage>', type: 'Microsoft.Storage/storageAccounts', name: 'stapp' },
    ]);
    const monitoring = d.modules.find((m) => m.symbol === 'monitoring');
    expect(monitoring).toMatchObject({
      modulePath: ['monitoring'],
      params: { name: 'appi-app', storageId: '<storage.id>', retention: 30 },
      outputs: { innerId: '<monitoring/inner:workspace.id>', name: 'appi-app' },
    });
    expect(monitoring?.file).toMatch(/modules[/\\]monitoring\.bicep$/);
  });

  it('flattens resources of modules recursively with their module path', async () => {
    const d = await deploy(files);
    expect(d.resources.map((r) => [r.modulePath.join('/'), r.symbol, r.name])).toEqual([
      ['', 'storage', 'stapp'],
      ['', 'after', 'after'],
      ['monitoring', 'appInsights', 'appi-app'],
      ['monitoring/inner', 'workspace', 'log-app'],
      ['queues[0]', 'q', 'sb/a'],
      ['queues[1]', 'q', 'sb/b'],
      ['optional', 'q', 'sb/opt'],
    ]);
    expect(only(d, 'appInsights').body.properties).toEqual({
      WorkspaceResourceId: '<storage.id>',
      RetentionInDays: 30,
    });
    expect(d.modules.map((m) => [m.modulePath.join('/'), m.loopIndex])).toEqual([
      ['monitoring', undefined],
      ['monitoring/inner', undefined],
      ['queues[0]', 0],
      ['queues[1]', 1],
      ['optional', undefined],
    ]);
    expect(d.modules[2]?.scope).toMatchObject({ name: 'rg-a' });
  });

  it('leaves out a module whose condition is false, with its resources', async () => {
    const d = await deploy(files, { enabled: false });
    expect(d.modules.map((m) => m.symbol)).not.toContain('optional');
    expect(d.resources.filter((r) => r.modulePath[0] === 'optional')).toEqual([]);
  });

  it('reports a missing module parameter', async () => {
    const broken = {
      ...files,
      'main.bicep': "module m 'modules/queue.bicep' = {\n  name: 'm'\n  params: { queue: 'x' }\n}\n",
    };
    await expect(deploy(broken)).rejects.toThrow(
      /parameter 'index' has no default value and no value was given \(module m\) \(.*queue\.bicep:3:\d+\)/,
    );
  });
});
