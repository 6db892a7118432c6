import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { decryptInSlices, decryptLayer, type DecryptedLayer } from '../../src/loader/decrypt.ts';
import type { Tree } from '../../src/reader/tree.ts';
import { encryptValue, generateKey, secretbox } from '../../src/secrets/index.ts';
import { drive } from '../helpers/slices.ts';

const codec = secretbox({ key: generateKey() });
const sealed = (text: string) => encryptValue(codec, text);

describe('decryptLayer', () => {
  it('opens enc: values at any depth, in arrays too, and lists where they were', () => {
    const tree = {
      db: { host: 'localhost', password: sealed('hunter2'), replicas: [{ password: sealed('r0') }, 'plain', sealed('r1')] },
      port: 8080,
      enabled: true,
      nothing: null,
      note: 'enc is a prefix only at the start: not enc:',
    };
    const { tree: opened, secrets } = decryptLayer(tree, codec, 'file:config.yaml');
    expect(opened).toEqual({
      db: { host: 'localhost', password: 'hunter2', replicas: [{ password: 'r0' }, 'plain', 'r1'] },
      port: 8080,
      enabled: true,
      nothing: null,
      note: 'enc is a prefix only at the start: not enc:',
    });
    expect(secrets).toEqual([
      ['db', 'password'],
      ['db', 'replicas', '0', 'password'],
      ['db', 'replicas', '2'],
    ]);
  });

  it('keeps nodes without enc: values as they are, copying only the way down to one', () => {
    const untouched = { a: { b: 1 } };
    const list = ['x', 'y'];
    const tree = { untouched, list, secret: { value: sealed('s') } };
    const { tree: opened } = decryptLayer(tree, codec, 'memory');
    expect((opened as Record<string, Tree>).untouched).toBe(untouched);
    expect((opened as Record<string, Tree>).list).toBe(list);
    expect(tree.secret.value.startsWith('enc:')).toBe(true);
    const plain = { a: 1 };
    expect(decryptLayer(plain, codec, 'memory')).toEqual({ tree: plain, secrets: [] });
    expect(decryptLayer(plain, codec, 'memory').tree).toBe(plain);
  });

  const wrongKey = encryptValue(secretbox({ key: generateKey() }), 'hunter2');
  const truncated = sealed('hunter2').slice(0, 30);
  it.each<[string, Tree, string, string]>([
    ['a wrong key', { db: { password: wrongKey } }, 'db.password', wrongKey],
    ['damaged base64', { token: 'enc:!!x!' }, 'token', 'enc:!!x!'],
    ['a truncated value', { list: ['ok', truncated] }, 'list.1', truncated],
  ])('fails the layer on %s with one DECRYPT error naming source and path, never the value', (_name, tree, path, value) => {
    let error: ConfigError | undefined;
    try {
      decryptLayer(tree, codec, 'file:config.yaml');
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'DECRYPT', source: 'file:config.yaml', path });
    expect(error!.message).toContain(`"${path}"`);
    expect(error!.message).toMatch(/^file:config\.yaml: cannot decrypt/);
    expect(error!.message).not.toContain(value.slice('enc:'.length));
    expect(error!.message).not.toContain('hunter2');
    expect(error!.cause).toBeUndefined();
  });

  // A large layer's values are opened in slices: whatever the slice, the same tree, the same secrets, the same error.
  it('opens a layer in slices as in one step', () => {
    const wrong = encryptValue(secretbox({ key: generateKey() }), 'x');
    const leaf = fc.constantFrom<Tree>(0, null, true, '', 'plain', sealed('a'), sealed('b'), wrong, 'enc:!!x!');
    const { node } = fc.letrec<{ node: Tree }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.constantFrom('a', 'b', '0', 'c'), tie('node'), { maxKeys: 4 }),
      ),
    }));
    const outcome = (walk: () => DecryptedLayer): string => {
      try {
        const { tree, secrets } = walk();
        return JSON.stringify({ tree, secrets });
      } catch (error) {
        return `${(error as ConfigError).message} ${JSON.stringify((error as ConfigError).issues)}`;
      }
    };
    fc.assert(
      fc.property(node, fc.integer({ min: 1, max: 6 }), (tree, slice) => {
        const whole = outcome(() => decryptLayer(tree, codec, 'memory'));
        expect(outcome(() => drive((meter) => decryptInSlices(tree, codec, 'memory', meter), slice).result)).toBe(whole);
      }),
      { numRuns: 1000 },
    );
    const large = { ...Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])), secret: sealed('s') };
    const sliced = drive((meter) => decryptInSlices(large, codec, 'memory', meter), 1000);
    expect(sliced.yields).toBeGreaterThanOrEqual(9);
    expect((sliced.result.tree as Record<string, Tree>).secret).toBe('s');
  });
});
