// A handler's options typed by the config's schema (handlers.<name lower-cased>), checked against what a call is
// handed at run time.
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createConfig, memorySource, type Config, type Value } from '../../src/index.ts';
import { createClient, createService, type HandlerContext } from '../../src/service/index.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const schema = z.object({
  handlers: z.object({
    popular: z.object({ greeting: z.string(), times: z.coerce.number().int().default(1) }),
  }),
});

describe("handlers' options typed by the config's schema", () => {
  it('types ctx.options per handler, and hands over the validated options', async () => {
    const runtime = memorySource({
      registry: 'memory',
      registries: { memory: { namespace: 'typed-options' } },
      handlers: { popular: { greeting: 'Hi', times: '2' } },
    });
    const config = await createConfig({ schema, sources: [runtime] });
    const service = createService({ name: 'popular', config })
      .handle('Popular', {
        ping(request, ctx) {
          expectTypeOf(ctx.options).toEqualTypeOf<Value<{ greeting: string; times: number }>>();
          expectTypeOf(ctx.options.get('times').value()).toEqualTypeOf<number>();
          expectTypeOf(ctx.config).toEqualTypeOf<Config<z.output<typeof schema>, z.input<typeof schema>>>();
          // @ts-expect-error not one of this handler's options
          ctx.options.get('greting');
          const { greeting, times } = ctx.options.value();
          return Array.from({ length: times }, () => `${greeting} ${(request as { name: string }).name}`).join(', ');
        },
      })
      // A handler the schema says nothing of reads its options untyped, as without a schema.
      .handle('Other', {
        echo(_request, ctx) {
          expectTypeOf(ctx.options).toEqualTypeOf<Value>();
          return ctx.options.get('anything').exists();
        },
      });
    const client = createClient({ config });
    cleanup.push(() => config.close(), () => service.stop(), () => client.close());
    await service.start();
    expect(await client.call('popular', 'Popular.Ping', { name: 'Ann' })).toBe('Hi Ann, Hi Ann');
    expect(await client.call('popular', 'Other.Echo', {})).toBe(false);
  });

  it('leaves an untyped config as it was: options are an untyped Value', () => {
    type Untyped = HandlerContext;
    expectTypeOf<Untyped['options']>().toEqualTypeOf<Value>();
    expectTypeOf<Untyped['config']>().toEqualTypeOf<Config>();
  });
});
