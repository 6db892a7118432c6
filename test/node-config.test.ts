// node-config's own test cases (node-config/node-config, test/), ported: each layout is loaded by node-config (the
// `config` package, in a child process, since it reads its settings once) and by `configDirSources`, and the merged
// values must be equal, and hold what node-config's test expects. Where microconf decides differently, the case
// below the table says so and checks microconf's behavior.
import { hostname } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configDirSources, ConfigError, createConfig } from '../src/index.ts';
import { createClient, createService } from '../src/service/index.ts';
import { getIn, type Tree } from '../src/reader/tree.ts';
import { nextChange } from './helpers/events.ts';
import { microconfValues, nodeConfigValues, writeLayout, type Layout } from './helpers/node-config.ts';
import { foreignUrl } from './helpers/files.ts';

const json = (value: unknown) => JSON.stringify(value, null, 2);

interface Case extends Layout {
  /** What node-config's test asserts: dotted path → value (undefined: not there). */
  readonly expected: Readonly<Record<string, unknown>>;
}

// 12-node_env-override: which variable names the deployment.
const deployments = {
  config: {
    'development.json': json({ deploymentUsed: 'default' }),
    'apollo.json': json({ deploymentUsed: 'node-config-env' }),
    'mercury.json': json({ deploymentUsed: 'node-env' }),
  },
};

// 14-node_env-load-multiple-files: a comma list of deployments, with host and local variants.
const multiple = {
  config: {
    'development.json': json({ db: { port: 3000 } }),
    'cloud.json': json({ db: { name: 'from cloud' } }),
    'bare-metal.json': json({ db: { name: 'from bare-metal' } }),
    'local-cloud.json': json({ app: { context: 'local cloud' } }),
    'local-development.json': json({ app: { message: 'local development' } }),
    'test-bare-metal.json': json({ host: { os: 'linux' } }),
    'test-development.json': json({ host: { arch: 'x86_64' } }),
  },
};

// 19-custom-environment-variables: a plain mapping and a `__format: json` one, over values from a default file.
const customVariables = {
  config: {
    'default.json': json({ testValue: 'from file', testJSONValue: { fromFile: true, type: 'JSON' } }),
    'custom-environment-variables.json': json({ testValue: 'TEST_VALUE', testJSONValue: { __name: 'TEST_JSON_VALUE', __format: 'json' } }),
  },
};

// 2-config-test: the main directory (the files of the formats microconf reads), with a deployment, an instance,
// $NODE_CONFIG, --NODE_CONFIG and custom variables in every `__format`.
const main = {
  'default.json': json({
    Customers: { dbName: 'from_default_json', dbPassword: 'overwritten', dbPassword2: 'overwritten', lang: ['en', 'es'] },
    AnotherModule: { parm1: 'value1' },
    staticArray: [2, 1, 3],
    Inline: { a: '', b: '1' },
    ContainsQuote: '"this has a quote"',
    EnvOverride: { parm3: 'from a file, below $NODE_CONFIG' },
  }),
  'default.jsonc': '{\n  // a comment to ignore\n  "Customers": { "dbName": "from_default_jsonc" }, // another\n  "AnotherModule": { "parm1jsonc": "value1-jsonc" }\n}\n',
  'default.json5': "{\n  // comment\n  Customers: { dbName: 'from_default_json5', },\n  AnotherModule: { parm6: 'value6' },\n}\n",
  'default.toml': '[AnotherModule]\nparm7 = "value7"\n',
  'default.yaml': '# the baseline, in YAML\nCustomers:\n  dbPort: 5984\n  dbName: from_default_yaml\n  emptySub:\n    # empty\nAnotherModule:\n  parm2: value2\n',
  'default.yml': 'AnotherModule:\n  parm2yml: value2yml\n',
  'default-3.json': json({ Customers: { altDbPort: 4400, altDbPort1: 4402 } }),
  'test.yaml': '# read when the deployment is test\nCustomers:\n  dbPort: 5999\n',
  'local.yaml': 'Customers:\n  dbPassword: real password\n',
  'local-3.yml': 'Customers:\n  altDbPort1: 2209\n',
  'local-test.json': json({ Customers: { dbPassword2: 'another password', lang: ['en', 'de', 'es'] } }),
  'custom-environment-variables.json': `{\n  // a comment: node-config reads .json as JSON5\n  "customEnvironmentVariables": { "mappedBy": {\n    "json": "CUSTOM_JSON_ENVIRONMENT_VAR",\n    "formats": ${json({
    booleanTrue: { __name: 'CUSTOM_BOOLEAN_TRUE', __format: 'boolean' },
    booleanFalse: { __name: 'CUSTOM_BOOLEAN_FALSE', __format: 'boolean' },
    notProperBoolean: { __name: 'CUSTOM_BOOLEAN_ERROR', __format: 'boolean' },
    numberInteger: { __name: 'CUSTOM_NUMBER_INTEGER', __format: 'number' },
    numberFloat: { __name: 'CUSTOM_NUMBER_FLOAT', __format: 'number' },
    numberEmpty: { __name: 'CUSTOM_NUMBER_EMPTY', __format: 'number' },
    numberString: { __name: 'CUSTOM_NUMBER_STRING', __format: 'number' },
  })}\n  } }\n}\n`,
};
const mainEnv = {
  NODE_ENV: 'test',
  NODE_APP_INSTANCE: '3',
  // Custom variables are stacked above $NODE_CONFIG.
  NODE_CONFIG: json({ EnvOverride: { parm3: 'overridden from $NODE_CONFIG', parm4: 100 }, customEnvironmentVariables: { mappedBy: { json: 'below' } } }),
  CUSTOM_JSON_ENVIRONMENT_VAR: 'CUSTOM VALUE FROM JSON ENV MAPPING',
  CUSTOM_BOOLEAN_TRUE: 'true',
  CUSTOM_BOOLEAN_FALSE: 'false',
  CUSTOM_BOOLEAN_ERROR: 'notProperBoolean',
  CUSTOM_NUMBER_INTEGER: '1001',
  CUSTOM_NUMBER_FLOAT: '3.14',
  CUSTOM_NUMBER_EMPTY: '',
  CUSTOM_NUMBER_STRING: 'String',
};

const cases: Record<string, Case> = {
  '12: without NODE_CONFIG_ENV or NODE_ENV the deployment is development': { dirs: deployments, expected: { deploymentUsed: 'default' } },
  '12: NODE_ENV alone names the deployment': { dirs: deployments, env: { NODE_ENV: 'apollo' }, expected: { deploymentUsed: 'node-config-env' } },
  '12: NODE_CONFIG_ENV alone names the deployment': { dirs: deployments, env: { NODE_CONFIG_ENV: 'mercury' }, expected: { deploymentUsed: 'node-env' } },
  '12: NODE_CONFIG_ENV wins over NODE_ENV': {
    dirs: deployments,
    env: { NODE_CONFIG_ENV: 'apollo', NODE_ENV: 'mercury' },
    expected: { deploymentUsed: 'node-config-env' },
  },
  '13: HOSTNAME names the host: its short and full names are read': {
    dirs: { config: { 'some.json': json({ short: true, by: 'short' }), 'some.machine.json': json({ full: true, by: 'full' }) } },
    env: { HOSTNAME: 'some.machine' },
    expected: { short: true, full: true, by: 'full' },
  },
  '13: HOST wins over HOSTNAME': {
    dirs: { config: { 'some.json': json({ by: 'HOSTNAME' }), 'other.json': json({ by: 'HOST' }) } },
    env: { HOST: 'other.machine', HOSTNAME: 'some.machine' },
    expected: { by: 'HOST' },
  },
  '13: without HOST or HOSTNAME the system host name is read': {
    dirs: { config: { [`${hostname().split('.')[0]}.json`]: json({ by: 'os' }) } },
    // Empty is unset, for node-config and microconf alike.
    env: { HOST: '', HOSTNAME: '' },
    expected: { by: 'os' },
  },
  '14: a comma list loads each deployment and its local file': {
    dirs: multiple,
    env: { NODE_ENV: 'development,cloud' },
    expected: { 'db.name': 'from cloud', 'db.port': 3000, 'app.context': 'local cloud', 'app.message': 'local development' },
  },
  '14: host files of each deployment are read': {
    dirs: multiple,
    env: { NODE_ENV: 'development,bare-metal', HOST: 'test' },
    expected: { 'host.os': 'linux', 'host.arch': 'x86_64' },
  },
  '14: a later deployment wins over an earlier one': {
    dirs: multiple,
    env: { NODE_ENV: 'cloud,bare-metal' },
    expected: { 'db.name': 'from bare-metal' },
  },
  '19: unset custom variables leave the files\u2019 values': { dirs: customVariables, env: {}, expected: { testValue: 'from file', 'testJSONValue.type': 'JSON' } },
  '19: empty custom variables leave the files\u2019 values': {
    dirs: customVariables,
    env: { TEST_VALUE: '', TEST_JSON_VALUE: '' },
    expected: { testValue: 'from file', 'testJSONValue.fromFile': true },
  },
  '19: custom variables override, a __format: json one parsed': {
    dirs: customVariables,
    env: { TEST_VALUE: 'from env', TEST_JSON_VALUE: JSON.stringify({ fromFile: false, type: 'stringified JSON' }) },
    expected: { testValue: 'from env', testJSONValue: { fromFile: false, type: 'stringified JSON' } },
  },
  '22: files load in order: name, then instance, then extension': {
    dirs: {
      config: {
        'default.yml': 'prop1: prop1FromDefault\nprop2: prop2FromDefault\nprop3: prop3FromDefault\n',
        'default-instance.json': json({ prop2: 'prop2FromJsonInstance', prop3: 'prop3FromJsonInstance' }),
        'default-instance.yml': 'prop3: prop3FromYmlInstance\n',
      },
    },
    env: { NODE_ENV: 'test', NODE_APP_INSTANCE: 'instance' },
    expected: { prop1: 'prop1FromDefault', prop2: 'prop2FromJsonInstance', prop3: 'prop3FromYmlInstance' },
  },
  '2: every format, deployment, instance, local files, $NODE_CONFIG, --NODE_CONFIG and custom variables': {
    dirs: { config: main },
    env: mainEnv,
    argv: ['--NODE_CONFIG={"EnvOverride":{"parm5":"overridden from --NODE_CONFIG","parm6":101}}'],
    expected: {
      'AnotherModule.parm1': 'value1',
      'Inline.a': '',
      'Inline.b': '1',
      ContainsQuote: '"this has a quote"',
      'AnotherModule.parm1jsonc': 'value1-jsonc',
      'AnotherModule.parm2': 'value2',
      'AnotherModule.parm2yml': 'value2yml',
      'AnotherModule.parm6': 'value6',
      'AnotherModule.parm7': 'value7',
      'Customers.dbPort': 5999,
      'Customers.dbPassword': 'real password',
      'Customers.dbPassword2': 'another password',
      'Customers.lang': ['en', 'de', 'es'],
      'Customers.altDbPort1': 2209,
      'Customers.emptySub': null,
      'EnvOverride.parm3': 'overridden from $NODE_CONFIG',
      'EnvOverride.parm4': 100,
      'EnvOverride.parm5': 'overridden from --NODE_CONFIG',
      'EnvOverride.parm6': 101,
      'customEnvironmentVariables.mappedBy.json': 'CUSTOM VALUE FROM JSON ENV MAPPING',
      'customEnvironmentVariables.mappedBy.formats.booleanTrue': true,
      'customEnvironmentVariables.mappedBy.formats.booleanFalse': false,
      'customEnvironmentVariables.mappedBy.formats.notProperBoolean': false,
      'customEnvironmentVariables.mappedBy.formats.numberInteger': 1001,
      'customEnvironmentVariables.mappedBy.formats.numberFloat': 3.14,
      'customEnvironmentVariables.mappedBy.formats.numberEmpty': undefined,
      // node-config holds it as undefined (its get() throws); microconf as null (exists() is false).
      'customEnvironmentVariables.mappedBy.formats.numberString': null,
    },
  },
  '2: several directories: the same file of a later one wins': {
    dirs: {
      config: main,
      'x-config': {
        'default.json': json({ Customers: { dbName: 'from_x_config' }, AnotherModule: { parm4: 'x_config_4_win' } }),
        'local.yml': 'different:\n  dir: true\n',
      },
    },
    env: mainEnv,
    expected: { 'Customers.dbName': 'from_default_yaml', 'different.dir': true, 'AnotherModule.parm4': 'x_config_4_win' },
  },
  '24: --NODE_CONFIG wins over $NODE_CONFIG, and both keep their own keys': {
    dirs: { config: { 'default.json': json({ EnvOverride: { parm3: 'file' } }) } },
    env: { NODE_CONFIG: json({ EnvOverride: { parm3: 'env-value', parmEnvOnly: 'env-exclusive' } }) },
    argv: ['--NODE_CONFIG={"EnvOverride":{"parm3":"cmd-value","parmCmdOnly":"cmd-exclusive"}}'],
    expected: { 'EnvOverride.parm3': 'cmd-value', 'EnvOverride.parmEnvOnly': 'env-exclusive', 'EnvOverride.parmCmdOnly': 'cmd-exclusive' },
  },
  '16: the default order of extensions: json, json5, yaml': {
    dirs: {
      config: {
        'default.json': json({ file: { type: 'json', name: 'default' }, parser: 'json' }),
        'default.json5': '{\n  parser: "json5",\n}\n',
        'default.yaml': 'file:\n  type: yaml\n  name: default.yaml\nparser: js-yaml\n',
        'default.custom': 'not read by either\n',
        'local.yml': 'file:\n  name: local.yml\n',
      },
    },
    expected: { 'file.type': 'yaml', 'file.name': 'local.yml', parser: 'js-yaml', custom: undefined },
  },
  '17: TOML': {
    dirs: { config: { 'default.toml': '[db]\nhost = "localhost"\nport = 5432\n\n[[servers]]\nname = "alpha"\n' } },
    expected: { 'db.host': 'localhost', 'db.port': 5432, 'servers.0.name': 'alpha' },
  },
  '7: a file with a byte order mark': {
    dirs: { config: { 'default.json': `\ufeff${json({ withBom: 'yes' })}` } },
    expected: { withBom: 'yes' },
  },
  '6: deployment and instance files (without strict mode)': {
    dirs: {
      config: {
        'default.json': json({ siteTitle: 'default' }),
        'default-valid-instance.json': json({ siteTitle: 'default instance' }),
        'valid-deployment.json': json({ siteTitle: 'deployment' }),
        'local.json': json({ localOnly: true }),
        'production.json': json({ siteTitle: 'production' }),
      },
    },
    env: { NODE_ENV: 'valid-deployment', NODE_APP_INSTANCE: 'valid-instance' },
    expected: { siteTitle: 'deployment', localOnly: true },
  },
  'with two deployments and a host, a name listed twice takes its later place (h after h-a, local after local-a)': {
    dirs: {
      config: {
        'h.json': json({ x: 'h' }),
        'h-a.json': json({ x: 'h-a', y: 'h-a' }),
        'local.json': json({ y: 'local' }),
        'local-a.json': json({ y: 'local-a', z: 'local-a' }),
        'local-b.json': json({ z: 'local-b' }),
      },
    },
    env: { NODE_ENV: 'a,b', HOST: 'h' },
    expected: { x: 'h', y: 'local', z: 'local-b' },
  },
  'a deployment named local: local-local comes last': {
    dirs: { config: { 'local.json': json({ order: 'local' }), 'local-local.json': json({ order: 'local-local' }), 'box-local.json': json({ order: 'box-local' }) } },
    env: { NODE_ENV: 'local', HOST: 'box.example.com' },
    expected: { order: 'local-local' },
  },
};

describe('configDirSources against node-config', () => {
  it.each(Object.entries(cases))('%s', async (_name, { expected, ...layout }) => {
    const written = await writeLayout(layout);
    const [theirs, ours] = await Promise.all([nodeConfigValues(written), microconfValues(written)]);
    expect(ours).toEqual(theirs);
    for (const [path, value] of Object.entries(expected)) {
      expect(getIn(ours as Tree, path.split('.')), path).toEqual(value);
    }
  });
});

describe('configDirSources and node-config alike refuse a file of the layout that does not decode', () => {
  it.each([
    ['YAML', 'local.yaml', 'name: [x'],
    ['JSON', 'production.json', '{"name": '],
  ])('%s', async (_kind, name, text) => {
    const written = await writeLayout({ dirs: { config: { 'default.json': '{"name":"default"}' } }, env: { NODE_ENV: 'production' } });
    await writeFile(join(written.env.NODE_CONFIG_DIR!, name), text);
    await expect(nodeConfigValues(written)).rejects.toThrow(/node-config failed/);
    // Not started on default.json's values, as if the file were absent (every file of the layout is optional).
    await expect(microconfValues(written)).rejects.toMatchObject({ code: 'DECODE', source: `file:${join(written.env.NODE_CONFIG_DIR!, name)}` });
  });
});

describe('configDirSources: where microconf differs from node-config, on purpose', () => {
  it('sees a file of the layout edited, created or remapped while it runs (node-config reads once, at start)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const written = await writeLayout({ dirs: { config: { 'default.json': json({ greeting: 'Hello', port: 8080 }) } }, env: { GREETING: 'Hi' } });
    const dir = written.env.NODE_CONFIG_DIR!;
    const config = await createConfig({ sources: configDirSources({ env: written.env, argv: [], debounce: 0 }) });
    try {
      let change = nextChange(config);
      await writeFile(join(dir, 'default.json'), json({ greeting: 'Hello again', port: 8080 }));
      await change;
      expect(config.get('greeting').string()).toBe('Hello again');

      change = nextChange(config);
      await writeFile(join(dir, 'local.yaml'), 'port: 9090\n');
      await change;
      expect(config.get('port').int()).toBe(9090);
      expect(config.explain('port').source).toBe(`file:${join(dir, 'local.yaml')}`);

      change = nextChange(config);
      await writeFile(join(dir, 'custom-environment-variables.yaml'), 'greeting: GREETING\n');
      await change;
      expect(config.get('greeting').string()).toBe('Hi');
      expect(config.explain('greeting').source).toBe(`env:${join(dir, 'custom-environment-variables.yaml')}:GREETING`);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
      await config.close();
    }
  });

  it('serves the new value of an edited file of the layout on the next call, with no restart', async () => {
    const written = await writeLayout({
      dirs: {
        config: {
          'default.yaml': 'registry: memory\nregistries:\n  memory:\n    namespace: node-config-layout\nhandlers:\n  popular:\n    greeting: Hello\n',
        },
      },
      env: { NODE_ENV: 'production' },
    });
    const dir = written.env.NODE_CONFIG_DIR!;
    const config = await createConfig({ sources: configDirSources({ env: written.env, argv: [], debounce: 0 }) });
    const service = createService({ name: 'popular', config }).handle('Popular', {
      async ping(request, ctx) {
        return `${ctx.options.get('greeting').string('?')} ${(request as { name: string }).name}`;
      },
    });
    const client = createClient({ config });
    try {
      await service.start();
      expect(await client.call('popular', 'Popular.Ping', { name: 'ops' })).toBe('Hello ops');
      const change = nextChange(config);
      await writeFile(join(dir, 'production.yaml'), 'handlers:\n  popular:\n    greeting: Bonjour\n');
      await change;
      expect(await client.call('popular', 'Popular.Ping', { name: 'ops' })).toBe('Bonjour ops');
    } finally {
      await service.stop();
      await client.close();
      await config.close();
    }
  });

  it('refuses a layout holding a file node-config would run or parse and microconf would not read', async () => {
    for (const name of ['default.js', 'local-test.ts', 'custom-environment-variables.hjson', 'test.properties']) {
      const written = await writeLayout({ dirs: { config: { 'default.json': '{}', [name]: 'module.exports = {}' } }, env: { NODE_ENV: 'test' } });
      let error: unknown;
      try {
        configDirSources({ env: written.env, argv: [] });
      } catch (caught) {
        error = caught;
      }
      expect(error, name).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'FORMAT', path: join(written.env.NODE_CONFIG_DIR!, name) });
    }
    // A file no layout name matches is no one's business.
    const written = await writeLayout({ dirs: { config: { 'default.json': '{}', 'helpers.js': '', 'production.js': '' } } });
    expect(() => configDirSources({ env: written.env, argv: [] })).not.toThrow();
  });

  it('rejects a malformed NODE_CONFIG with an error naming it, without its text (node-config prints and goes on)', async () => {
    const written = await writeLayout({ dirs: { config: { 'default.json': '{}' } }, env: { NODE_CONFIG: '{"password": "s3cret",' } });
    const failure = await createConfig({ sources: configDirSources({ env: written.env, argv: [] }) }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'DECODE', source: 'env:NODE_CONFIG' });
    expect(String(failure)).not.toContain('s3cret');
    const flag = await createConfig({ sources: configDirSources({ env: {}, argv: ['--NODE_CONFIG={x'], dir: written.env.NODE_CONFIG_DIR }) }).catch(
      (error: unknown) => error,
    );
    expect(flag).toMatchObject({ code: 'DECODE', source: 'flags:--NODE_CONFIG' });
  });

  it('refuses an unknown __format, a mapping leaf that is not a name, and a variable that does not decode, naming the path', async () => {
    const load = async (mapping: string, env: Record<string, string>) => {
      const written = await writeLayout({ dirs: { config: { 'custom-environment-variables.yaml': mapping } }, env });
      return createConfig({ sources: configDirSources({ env: written.env, argv: [] }) }).catch((error: unknown) => error);
    };
    expect(await load('db:\n  port: {__name: PORT, __format: integer}\n', { PORT: '1' })).toMatchObject({ code: 'FORMAT', path: 'db.port' });
    expect(await load('db:\n  port: 5432\n', {})).toMatchObject({ code: 'DECODE', path: 'db.port' });
    expect(await load('db:\n  hosts: [A, B]\n', {})).toMatchObject({ code: 'DECODE', path: 'db.hosts' });
    const undecodable = await load('db: {__name: DB, __format: json}\n', { DB: '{"password": "s3cret"' });
    expect(undecodable).toMatchObject({ code: 'DECODE', path: 'db' });
    expect(String(undecodable)).toContain('DB');
    expect(String(undecodable)).not.toContain('s3cret');
  });

  it('get() of a missing path answers a fallback; required() throws as node-config get() does', async () => {
    const written = await writeLayout({ dirs: { config: { 'default.json': json({ db: { host: 'h' } }) } } });
    const config = await createConfig({ sources: configDirSources({ env: written.env, argv: [] }) });
    expect(config.get('db.host').required()).toBe('h');
    expect(config.get('db.port').int(5432)).toBe(5432);
    expect(() => config.get('db.port').required()).toThrow(expect.objectContaining({ code: 'MISSING', path: 'db.port' }));
    await config.close();
  });

  it('takes the settings given in code over the environment, and ${VAR} in values unless expandEnv is false', async () => {
    const written = await writeLayout({
      dirs: {
        one: { 'default.yaml': 'from: one\n' },
        two: { 'staging.yaml': 'from: two-staging\n', 'staging-blue.yaml': 'instance: blue\n', 'web.yaml': 'host: web\n', 'default.yaml': 'url: ${BASE}/x\n' },
      },
      env: { NODE_ENV: 'production', NODE_APP_INSTANCE: 'green', HOST: 'db' },
    });
    const [one, two] = written.env.NODE_CONFIG_DIR!.split(delimiter);
    const options = { dir: [one!, two!], deployment: 'staging', instance: 'blue', hostname: 'web.example.com', env: written.env, argv: [] };
    const config = await createConfig({ sources: configDirSources(options), env: { BASE: 'https://b' } });
    expect(config.map()).toEqual({ from: 'two-staging', instance: 'blue', host: 'web', url: 'https://b/x' });
    await config.close();
    const literal = await createConfig({ sources: configDirSources(options), expandEnv: false });
    expect(literal.get('url').string()).toBe('${BASE}/x');
    await literal.close();
    // A directory as a file: URL (new URL('./config/', import.meta.url)), alone or in the list.
    const urls = await createConfig({ sources: configDirSources({ ...options, dir: [one!, pathToFileURL(`${two!}/`)] }), env: { BASE: 'https://b' } });
    expect(urls.map()).toEqual({ from: 'two-staging', instance: 'blue', host: 'web', url: 'https://b/x' });
    await urls.close();
    const alone = await createConfig({ sources: configDirSources({ ...options, dir: pathToFileURL(one!) }) });
    expect(alone.map()).toEqual({ from: 'one' });
    await alone.close();
    // A URL of another realm or library (jsdom's), by its shape.
    for (const dir of [foreignUrl(pathToFileURL(one!)), [foreignUrl(pathToFileURL(one!))]]) {
      const shaped = await createConfig({ sources: configDirSources({ ...options, dir: dir as never }) });
      expect(shaped.map()).toEqual({ from: 'one' });
      await shaped.close();
    }
    expect(() => configDirSources({ ...options, dir: new URL('https://example.com/config/') })).toThrow(/^configDirSources needs a path/);
  });

  it('reads its settings from --NAME= arguments first, as node-config does', async () => {
    const written = await writeLayout({ dirs: { config: { 'qa.json': json({ deployment: 'qa' }), 'prod.json': json({ deployment: 'prod' }) } } });
    const sources = configDirSources({ env: { ...written.env, NODE_ENV: 'prod' }, argv: ['--NODE_ENV=qa'] });
    const config = await createConfig({ sources });
    expect(config.get('deployment').string()).toBe('qa');
    await config.close();
  });
});
