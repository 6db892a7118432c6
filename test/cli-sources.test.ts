// How the command reads its source options: order, prefixes, and credentials in store URLs.
import { describe, expect, it } from 'vitest';
import { parseSources, storeAddress } from '../src/cli/sources.ts';

describe('parseSources', () => {
  it.each([
    [['get', 'a', '--file', 'a.yaml', '--env', 'APP', '--file=b.json'], [{ kind: 'file', path: 'a.yaml' }, { kind: 'env', prefix: 'APP' }, { kind: 'file', path: 'b.json' }]],
    [['get', 'a', '--env', '--json'], [{ kind: 'env', prefix: undefined }]],
    [['get', 'a', '--env=MICRO'], [{ kind: 'env', prefix: 'MICRO' }]],
    [['get', 'a', '--etcd', 'http://h:2379', '--json', '--prefix', '/app'], [{ kind: 'etcd', address: 'http://h:2379', prefix: '/app', auth: undefined }]],
    [['get', 'a', '--consul', 'h:8500', '--prefix=app', '--etcd', 'http://h:2379'], [
      { kind: 'consul', address: 'h:8500', prefix: 'app', auth: undefined },
      { kind: 'etcd', address: 'http://h:2379', prefix: undefined, auth: undefined },
    ]],
    [['get', 'a', '--', '--file', 'x.yaml'], []],
  ])('%j', (argv, specs) => {
    expect(parseSources(argv)).toEqual({ specs });
  });

  it.each([
    [['get', 'a', '--prefix', '/app'], '--prefix must follow the --consul or --etcd it belongs to'],
    [['get', 'a', '--prefix', '/app', '--etcd', 'http://h:2379'], '--prefix must follow the --consul or --etcd it belongs to'],
    [['get', 'a', '--etcd', 'http://h:2379', '--file', 'a.yaml', '--prefix', '/app'], '--prefix must follow the --consul or --etcd it belongs to'],
    [['get', 'a', '--etcd', 'http://h:2379', '--prefix', '/a', '--prefix', '/b'], '--prefix given twice for one --etcd'],
    [['get', 'a', '--etcd', 'http://h:2379', '--prefix'], '--prefix needs a value'],
    [['get', 'a', '--consul'], '--consul needs an address'],
    [['get', 'a', '--file=', '--env', 'APP'], '--file needs a path'],
    [['get', 'a', '--env', 'APP', '--file', ''], '--file needs a path'],
  ])('%j is bad usage', (argv, problem) => {
    expect(parseSources(argv)).toEqual({ problem });
  });
});

describe('storeAddress', () => {
  it.each([
    ['etcd', 'http://127.0.0.1:2379', { address: 'http://127.0.0.1:2379', auth: undefined }],
    ['etcd', 'http://root:pw@127.0.0.1:2379', { address: 'http://127.0.0.1:2379', auth: { username: 'root', password: 'pw' } }],
    ['etcd', 'http://u:p%40ss@a:1,http://u:p%40ss@b:2', { address: 'http://a:1,http://b:2', auth: { username: 'u', password: 'p@ss' } }],
    ['etcd', 'https://u:p@[::1]:2379', { address: 'https://[::1]:2379', auth: { username: 'u', password: 'p' } }],
    ['consul', '127.0.0.1:8500', { address: '127.0.0.1:8500', auth: undefined }],
    ['consul', 'user:secret@127.0.0.1:8500', { address: 'http://127.0.0.1:8500', auth: { username: 'user', password: 'secret' } }],
    ['consul', 'https://user:secret@consul.example:8501/', { address: 'https://consul.example:8501', auth: { username: 'user', password: 'secret' } }],
    // Passwords and user names a URL parser reads as a port and a path: the user information ends at the last `@`.
    ['etcd', 'http://root:2024/Pa55@127.0.0.1:2379', { address: 'http://127.0.0.1:2379', auth: { username: 'root', password: '2024/Pa55' } }],
    ['etcd', 'http://root:/pw+x=@127.0.0.1:2379', { address: 'http://127.0.0.1:2379', auth: { username: 'root', password: '/pw+x=' } }],
    ['consul', 'http://root:8/s3cret@127.0.0.1:8500', { address: 'http://127.0.0.1:8500', auth: { username: 'root', password: '8/s3cret' } }],
    ['consul', 'te/am:p?w#d@127.0.0.1:8500', { address: 'http://127.0.0.1:8500', auth: { username: 'te/am', password: 'p?w#d' } }],
    ['consul', 'u:p@ss@127.0.0.1:8500', { address: 'http://127.0.0.1:8500', auth: { username: 'u', password: 'p@ss' } }],
  ] as const)('%s %s', (kind, given, expected) => {
    expect(storeAddress(kind, given)).toEqual(expected);
  });

  it.each([
    ['etcd', 'http://u:p@a:1,http://b:2', '--etcd: give the credentials in every host, or in none'],
    ['etcd', 'http://u:p@a:1,http://u:q@b:2', '--etcd: the hosts carry different credentials'],
    ['consul', 'http://u:p@[bad', '--consul: an address with credentials must be a URL (http://user:password@host:port)'],
    ['consul', 'http://u:p%zz@127.0.0.1:8500', '--consul: an address with credentials must be a URL (http://user:password@host:port)'],
  ] as const)('%s %s is refused without quoting it', (kind, given, problem) => {
    expect(storeAddress(kind, given)).toBe(problem);
  });
});
