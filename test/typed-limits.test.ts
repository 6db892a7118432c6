// Shapes that could make a type checker give up: recursive schemas, and paths deeper than the checks go. Compiling
// this file is the test that they do not ("type instantiation is excessively deep" would fail `npm run typecheck`).
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createConfig, type Config, type Value } from '../src/index.ts';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

interface TreeNode {
  name: string;
  children: TreeNode[];
  parent?: TreeNode | undefined;
}
const node: z.ZodType<TreeNode> = z.lazy(() => z.object({ name: z.string(), children: z.array(node), parent: node.optional() }));

/** Thirty levels of `{ next: … }` around a number. */
type Nested<N extends number, Acc extends unknown[] = []> = Acc['length'] extends N ? number : { next: Nested<N, [...Acc, 0]> };
const deepPath = Array.from({ length: 30 }, () => 'next').join('.');

describe('typed paths at their limits', () => {
  it('walks a recursive schema as deep as a path goes', async () => {
    const schema = z.object({ root: node });
    const config = await createConfig({
      schema,
      defaults: { root: { name: 'a', children: [{ name: 'b', children: [{ name: 'c', children: [] }] }] } },
    });
    open.push(config);
    const name = config.get('root.children.0.children.0.name');
    expectTypeOf(name).toEqualTypeOf<Value<string | undefined>>();
    expect(name.value()).toBe('c');
    expectTypeOf(config.get('root', 'children', 0, 'parent', 'parent', 'name').value()).toEqualTypeOf<string | undefined>();
    // @ts-expect-error misspelled, deep inside the recursion
    expect(config.get('root.children.0.children.0.nmae').exists()).toBe(false);
    const untyped: Config = config;
    expect(untyped.get('root.name').value()).toBe('a');
  });

  it('checks paths up to 24 segments and reads longer ones untyped', async () => {
    const deep = Array.from({ length: 30 }).reduceRight<unknown>((inner) => ({ next: inner }), 7);
    const config = await createConfig<Nested<30>>({ defaults: deep as Record<string, unknown> });
    open.push(config);
    const checked = 'next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next';
    expectTypeOf(config.get(checked).value()).toEqualTypeOf<{ readonly next: { readonly next: { readonly next: { readonly next: { readonly next: { readonly next: number } } } } } }>();
    // @ts-expect-error checked: no such key at level 3
    config.get('next.next.nxt');
    const beyond = config.get('next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next.next');
    expectTypeOf(beyond).toEqualTypeOf<Value<unknown>>();
    expect(beyond.value()).toBe(7);
    expect(config.get(deepPath).value()).toBe(7);
  });
});
