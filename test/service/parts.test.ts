// The runtime's pure parts, table-tested: addresses, routing, bounded JSON, stored nodes, errors, mDNS interfaces.
import { describe, expect, it } from 'vitest';
import { ConfigError, createConfig, memorySource } from '../../src/index.ts';
import { advertisedHost, formatAddress, isLoopback, parseListenAddress, splitAddress } from '../../src/service/address.ts';
import { errors, parseErrorBody, ServiceError } from '../../src/service/errors.ts';
import { depthOf, MAX_DEPTH, parseJson } from '../../src/service/json.ts';
import { mdnsInterface } from '../../src/service/registry/index.ts';
import { parseNode, RegistryError } from '../../src/service/registry/registry.ts';
import { methodKey, methodTable, route } from '../../src/service/routing.ts';
import { clientLimits, defaults, drainTimeout, serverLimits } from '../../src/service/settings.ts';

describe('server.address', () => {
  it.each([
    ['127.0.0.1:8080', '127.0.0.1', 8080],
    ['8080', '127.0.0.1', 8080],
    [' 8080 ', '127.0.0.1', 8080],
    [':9090', '127.0.0.1', 9090],
    ['', '127.0.0.1', 0],
    ['[::1]:0', '::1', 0],
    ['[::1]:8080', '::1', 8080],
    ['[::]:80', '::', 80],
    ['[::1]', '::1', 0],
    ['0.0.0.0:8080', '0.0.0.0', 8080],
    ['localhost:3000', 'localhost', 3000],
    ['my-host.internal', 'my-host.internal', 0],
  ])('%j listens on %s port %i', (text, host, port) => {
    expect(parseListenAddress(text)).toEqual({ host, port });
  });

  it.each(['::1', '::1:8080', '127.0.0.1:99999', '127.0.0.1:-1', '127.0.0.1:http', '[127.0.0.1]:80', '[::1', '[::1]x', 'http://h:1', 'user:secret@h:1', 'a b:1'])(
    '%j is a ConfigError naming server.address, without the value',
    (text) => {
      const error = (() => {
        try {
          parseListenAddress(text);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'INVALID_OPTION', path: 'server.address' });
      if (text.includes('secret')) expect(String(error)).not.toContain('secret');
    },
  );

  it('formats and splits addresses, with brackets around IPv6', () => {
    expect(formatAddress('::1', 8080)).toBe('[::1]:8080');
    expect(formatAddress('127.0.0.1', 1)).toBe('127.0.0.1:1');
    expect(splitAddress('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(splitAddress('10.0.0.1:80')).toEqual({ host: '10.0.0.1', port: 80 });
    for (const bad of ['::1:80', '10.0.0.1', '10.0.0.1:0', '10.0.0.1:70000', '[::1]', 'h:1:2', '']) expect(splitAddress(bad)).toBeUndefined();
  });

  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.8.9.1', '::1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', '::ffff:10.0.0.1']) expect(isLoopback(host)).toBe(false);
  });

  it('advertises a wildcard bind as an external address, never as the wildcard', () => {
    const interfaces = [
      { address: '127.0.0.1', family: 'IPv4', internal: true },
      { address: 'fe80::1', family: 'IPv6', internal: false },
      { address: 'fd00::2', family: 'IPv6', internal: false },
      { address: '192.0.2.2', family: 'IPv4', internal: false },
    ];
    expect(advertisedHost('0.0.0.0', interfaces)).toBe('192.0.2.2');
    expect(advertisedHost('::', interfaces.slice(0, 3))).toBe('fd00::2');
    expect(advertisedHost('0.0.0.0', interfaces.slice(0, 2))).toBe('127.0.0.1');
    expect(advertisedHost('127.0.0.1', interfaces)).toBe('127.0.0.1');
    expect(advertisedHost('::1', interfaces)).toBe('::1');
  });
});

describe('routing', () => {
  it.each([
    ['/Popular.Ping', { kind: 'endpoint', endpoint: 'Popular.Ping', handler: 'Popular', method: 'Ping' }],
    ['/Popular.Ping?x=1', { kind: 'endpoint', endpoint: 'Popular.Ping', handler: 'Popular', method: 'Ping' }],
    ['/Popular%2EPing', { kind: 'endpoint', endpoint: 'Popular.Ping', handler: 'Popular', method: 'Ping' }],
    ['/%E0%A4%A', { kind: 'malformed' }],
    ['/Popular.%zz', { kind: 'malformed' }],
    ['/Popular.Ping.Extra', { kind: 'unknown' }],
    ['/Popular.Ping/extra', { kind: 'unknown' }],
    ['/x/Popular.Ping', { kind: 'unknown' }],
    ['/Popular', { kind: 'unknown' }],
    ['/.Ping', { kind: 'unknown' }],
    ['/Popular.', { kind: 'unknown' }],
    ['/', { kind: 'unknown' }],
    ['*', { kind: 'unknown' }],
    [`/${'A'.repeat(2000)}.B`, { kind: 'unknown' }],
  ])('%s is %j', (target, expected) => {
    expect(route(target)).toEqual(expected);
  });

  it('finds own and inherited methods of a class instance, bound to it, and nothing of Object or Function', () => {
    class Base {
      protected greeting = 'Ping';
      hello() {
        return `${this.greeting} from base`;
      }
      shadowed() {
        return 'base';
      }
    }
    class Popular extends Base {
      count = 0;
      ping() {
        this.count++;
        return `${this.greeting} ${this.count}`;
      }
      override shadowed() {
        return 'derived';
      }
      get computed() {
        throw new Error('an accessor must never run');
      }
    }
    const instance = new Popular();
    const table = methodTable(instance);
    expect([...table.keys()].sort()).toEqual(['hello', 'ping', 'shadowed']);
    expect(table.get('ping')!(null, undefined as never)).toBe('Ping 1');
    expect(table.get('hello')!(null, undefined as never)).toBe('Ping from base');
    expect(table.get('shadowed')!(null, undefined as never)).toBe('derived');
    for (const key of ['toString', 'valueOf', 'hasOwnProperty', 'constructor', '__proto__', 'call', 'apply', 'bind', 'computed', 'count']) {
      expect(table.has(key)).toBe(false);
    }
    // An own non-function property hides an inherited method of the same name, as property lookup does.
    expect(methodTable(Object.assign(Object.create({ ping: () => 1 }), { ping: 5 })).has('ping')).toBe(false);
    // A plain object's function-valued properties; a class itself serves no Function.prototype member.
    expect([...methodTable({ a: () => 1, b: 2 }).keys()]).toEqual(['a']);
    expect([...methodTable(class {}).keys()]).toEqual([]);
    expect(methodKey('Ping')).toBe('ping');
  });
});

describe('bounded JSON', () => {
  it('measures depth in one pass, ignoring brackets in strings', () => {
    expect(depthOf('{"a":[1,{"b":"[[[["}]}')).toBe(3);
    expect(depthOf('"\\"[["')).toBe(0);
    expect(depthOf('['.repeat(1_000_000))).toBe(MAX_DEPTH + 1);
  });

  it('refuses deep nesting and bad syntax, and drops __proto__ keys however they are written', () => {
    expect(parseJson(`${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}`)).toEqual({ ok: false, why: 'depth' });
    expect(parseJson(`${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`).ok).toBe(true);
    expect(parseJson('{')).toEqual({ ok: false, why: 'syntax' });
    for (const text of ['{"__proto__":{"polluted":1},"a":1}', '{"\\u005f_proto__":{"polluted":1},"a":1}', '{"x":{"__pr\\u006fto__":{"polluted":1}},"a":1}']) {
      const parsed = parseJson(text);
      expect(parsed.ok).toBe(true);
      const value = (parsed as { value: Record<string, unknown> }).value;
      expect(Object.assign({}, value, value.x)).not.toHaveProperty('polluted');
      expect(value.a).toBe(1);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('stored nodes', () => {
  it('reads a node and refuses garbage', () => {
    const node = { id: 'a', service: 's', version: '1', address: '[::1]:80', metadata: { zone: 'x', n: 1, deep: { a: 1 } } };
    expect(parseNode(JSON.stringify(node))).toEqual({ ...node, metadata: { zone: 'x' } });
    const proto = parseNode('{"id":"a","service":"s","address":"h:1","metadata":{"__proto__":"x","ok":"y"}}');
    expect(proto?.metadata).toEqual({ ok: 'y' });
    expect(Object.getPrototypeOf(proto?.metadata)).toBe(Object.prototype);
    for (const bad of ['null', '[]', '"x"', '{', '{"id":1,"service":"s","address":"h:1"}', '{"id":"a","service":"s","address":"nowhere"}', `{"id":"${'x'.repeat(70_000)}"}`]) {
      expect(parseNode(bad)).toBeUndefined();
    }
  });
});

describe('typed errors', () => {
  it('has go-micro\'s constructors, with id, code, detail and status', () => {
    const cases: [ServiceError, number, string][] = [
      [errors.BadRequest('svc', 'd'), 400, 'Bad Request'],
      [errors.Unauthorized('svc', 'd'), 401, 'Unauthorized'],
      [errors.Forbidden('svc', 'd'), 403, 'Forbidden'],
      [errors.NotFound('svc', 'd'), 404, 'Not Found'],
      [errors.MethodNotAllowed('svc', 'd'), 405, 'Method Not Allowed'],
      [errors.Timeout('svc', 'd'), 408, 'Request Timeout'],
      [errors.Conflict('svc', 'd'), 409, 'Conflict'],
      [errors.InternalServerError('svc', 'd'), 500, 'Internal Server Error'],
      [errors.New('svc', 'd', 429), 429, 'Too Many Requests'],
      [errors.New('svc', 'd', 200), 500, 'Internal Server Error'],
      [new ServiceError('svc', 'd', 3.5), 500, 'Internal Server Error'],
    ];
    for (const [error, code, status] of cases) {
      expect(error).toBeInstanceOf(Error);
      expect(ServiceError.is(error)).toBe(true);
      expect(error.toJSON()).toEqual({ id: 'svc', code, detail: 'd', status });
    }
    expect(ServiceError.is(new Error('x'))).toBe(false);
    expect(ServiceError.is({ id: 'x', code: 400, detail: 'd', status: '' })).toBe(false);
    expect(parseErrorBody({ id: 'x', code: 404, detail: 'gone' })).toEqual({ id: 'x', code: 404, detail: 'gone', status: 'Not Found' });
    expect(parseErrorBody({ error: 'old' })).toBeUndefined();
    expect(parseErrorBody(null)).toBeUndefined();
  });

  it('names the registry and its address, with a short reason and never a stack', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1\n    at somewhere'), { code: 'ECONNREFUSED' });
    const error = new RegistryError({ kind: 'consul', address: '127.0.0.1:1' }, 'register popular', 'UNREACHABLE', refused);
    expect(error.message).toBe('consul registry at 127.0.0.1:1 is unreachable (ECONNREFUSED): could not register popular');
    const grpc = new Error('14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1.');
    expect(new RegistryError({ kind: 'etcd', address: 'http://127.0.0.1:1' }, 'register x', 'UNREACHABLE', grpc).message).toContain('(ECONNREFUSED)');
    expect(new RegistryError({ kind: 'etcd', address: 'h' }, 'register x', 'TIMEOUT').message).toBe('etcd registry at h did not answer in time: could not register x');
  });
});

describe('mDNS interfaces', () => {
  it('follows a loopback server onto loopback unless told otherwise', () => {
    const none = { interface: undefined, bind: undefined };
    const pinned = { interface: '127.0.0.1', bind: '224.0.0.251' };
    expect(mdnsInterface(none, '127.0.0.1')).toEqual(pinned);
    expect(mdnsInterface(none, '::1')).toEqual(pinned);
    expect(mdnsInterface(none, 'localhost')).toEqual(pinned);
    expect(mdnsInterface(none, '0.0.0.0')).toEqual(none);
    expect(mdnsInterface(none, '192.0.2.2')).toEqual(none);
    expect(mdnsInterface({ interface: '192.0.2.2', bind: undefined }, '127.0.0.1')).toEqual({ interface: '192.0.2.2', bind: undefined });
  });
});

describe('settings', () => {
  it('reads the bounds with their defaults, refuses nonsense, and finds the lower-cased keys of env and flags', async () => {
    const read = async (data: Record<string, unknown>) => {
      const config = await createConfig({ sources: [memorySource(data)] });
      const read = { server: serverLimits(config), drain: drainTimeout(config), client: clientLimits(config) };
      await config.close();
      return read;
    };
    expect(await read({})).toEqual({
      server: { headerTimeout: defaults.headerTimeout, bodyTimeout: defaults.bodyTimeout, maxRequestBytes: defaults.maxRequestBytes },
      drain: defaults.drainTimeout,
      client: { timeout: defaults.clientTimeout, maxRequestBytes: defaults.maxRequestBytes, maxAnswerBytes: defaults.maxAnswerBytes },
    });
    const lower = await read({ server: { draintimeout: '2s', headertimeout: '1s', maxrequestbytes: '100' }, client: { timeout: '250ms' } });
    expect(lower).toMatchObject({ drain: 2000, server: { headerTimeout: 1000, maxRequestBytes: 100 }, client: { timeout: 250 } });
    const nonsense = await read({ server: { drainTimeout: '-5s', headerTimeout: 0, bodyTimeout: 'soon', maxRequestBytes: -1 }, client: { maxAnswerBytes: 1.5 } });
    expect(nonsense).toMatchObject({ drain: defaults.drainTimeout, server: { headerTimeout: defaults.headerTimeout, bodyTimeout: defaults.bodyTimeout, maxRequestBytes: defaults.maxRequestBytes } });
    expect((await read({ server: { drainTimeout: 0 } })).drain).toBe(0);
    expect((await read({ server: { drainTimeout: '1000h' } })).drain).toBe(2 ** 31 - 1);
  });
});
