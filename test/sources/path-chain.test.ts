import { describe, expect, it } from 'vitest';
import { resolveChain, type EntryKind, type PathSystem } from '../../src/sources/path-chain.ts';

/** A file system as a table: each path's kind, and each link's target. */
function system(entries: Record<string, string>): PathSystem {
  const identities = new Map<string, string>();
  const kindOf = (path: string): EntryKind | undefined => {
    const entry = path === '/' ? 'dir' : entries[path];
    if (entry === undefined) return undefined;
    if (!identities.has(path)) identities.set(path, `0:${identities.size + 1}`);
    const kind = entry === 'dir' ? 'directory' : entry === 'file' ? 'file' : entry === 'fifo' ? 'other' : 'link';
    return { kind, identity: identities.get(path)! };
  };
  return {
    lstat: kindOf,
    readlink: (path) => (kindOf(path)?.kind === 'link' ? entries[path]!.slice('-> '.length) : undefined),
  };
}

/** The chain as `{ directory: [names] }`, and its target. */
function chainOf(path: string, entries: Record<string, string>) {
  const chain = resolveChain(path, system(entries));
  const watched = Object.fromEntries([...chain.directories].map(([directory, { names }]) => [directory, [...names].sort()]));
  return { watched, target: chain.target };
}

interface Case {
  case: string;
  path: string;
  entries: Record<string, string>;
  watched: Record<string, string[]>;
  target: string | undefined;
}

describe('resolveChain', () => {
  it.each<Case>([
    {
      case: 'a plain file: the file in its directory, the directory in its parent',
      path: '/etc/app/config.json',
      entries: { '/etc': 'dir', '/etc/app': 'dir', '/etc/app/config.json': 'file' },
      watched: { '/etc/app': ['config.json'], '/etc': ['app'] },
      target: '/etc/app/config.json',
    },
    {
      case: 'a Kubernetes ConfigMap volume: the file link, ..data, and the directory it leads to',
      path: '/cfg/app.yaml',
      entries: { '/cfg': 'dir', '/cfg/app.yaml': '-> ..data/app.yaml', '/cfg/..data': '-> ..2026_1', '/cfg/..2026_1': 'dir', '/cfg/..2026_1/app.yaml': 'file' },
      watched: { '/cfg': ['..2026_1', '..data', 'app.yaml'], '/cfg/..2026_1': ['app.yaml'] },
      target: '/cfg/..2026_1/app.yaml',
    },
    {
      case: 'a release link further up the path, absolute',
      path: '/srv/current/config/app.json',
      entries: { '/srv': 'dir', '/srv/current': '-> /srv/r2', '/srv/r2': 'dir', '/srv/r2/config': 'dir', '/srv/r2/config/app.json': 'file' },
      watched: { '/srv': ['current'], '/srv/r2': ['config'], '/srv/r2/config': ['app.json'] },
      target: '/srv/r2/config/app.json',
    },
    {
      case: 'a file linked to another directory',
      path: '/a/conf/app.json',
      entries: { '/a': 'dir', '/a/conf': 'dir', '/a/shared': 'dir', '/a/conf/app.json': '-> ../shared/real.json', '/a/shared/real.json': 'file' },
      watched: { '/a/conf': ['app.json'], '/a/shared': ['real.json'], '/a': ['shared'] },
      target: '/a/shared/real.json',
    },
    {
      case: 'a missing directory: its first missing level, in the nearest existing one',
      path: '/srv/conf.d/local/late.json',
      entries: { '/srv': 'dir' },
      watched: { '/srv': ['conf.d'] },
      target: undefined,
    },
    {
      case: 'a missing file in an existing directory',
      path: '/srv/late.json',
      entries: { '/srv': 'dir' },
      watched: { '/srv': ['late.json'], '/': ['srv'] },
      target: undefined,
    },
    {
      case: 'a dangling link: the link, and where its target is missing',
      path: '/srv/app.json',
      entries: { '/srv': 'dir', '/srv/app.json': '-> gone/app.json' },
      watched: { '/srv': ['app.json', 'gone'] },
      target: undefined,
    },
    {
      case: 'a file where a directory is expected',
      path: '/srv/file/app.json',
      entries: { '/srv': 'dir', '/srv/file': 'file' },
      watched: { '/srv': ['file'] },
      target: undefined,
    },
    {
      case: 'a link loop stops (ELOOP) with the links watched',
      path: '/srv/a',
      entries: { '/srv': 'dir', '/srv/a': '-> b', '/srv/b': '-> a' },
      watched: { '/srv': ['a', 'b'] },
      target: undefined,
    },
    {
      case: 'links in a link target, followed by ..: the physical parent, as the kernel takes it',
      path: '/x/app.json',
      entries: { '/x': 'dir', '/x/app.json': '-> link/../real.json', '/x/link': '-> /y/inner', '/y': 'dir', '/y/inner': 'dir', '/y/real.json': 'file' },
      watched: { '/x': ['app.json', 'link'], '/y': ['real.json'], '/': ['y'] },
      target: '/y/real.json',
    },
    {
      case: 'a special file is watched like a file (reading it is refused elsewhere)',
      path: '/srv/pipe.json',
      entries: { '/srv': 'dir', '/srv/pipe.json': 'fifo' },
      watched: { '/srv': ['pipe.json'], '/': ['srv'] },
      target: '/srv/pipe.json',
    },
  ])('$case', ({ path, entries, watched, target }) => {
    expect(chainOf(path, entries)).toEqual({ watched, target });
  });

  it('gives each watched directory the identity it had when resolved', () => {
    const chain = resolveChain('/cfg/app.yaml', system({ '/cfg': 'dir', '/cfg/app.yaml': 'file' }));
    expect(chain.directories.get('/cfg')?.identity).toMatch(/^0:\d+$/);
    expect(chain.directories.get('/')?.identity).toMatch(/^0:\d+$/);
    expect(chain.directories.get('/cfg')?.identity).not.toBe(chain.directories.get('/')?.identity);
  });
});
