// The Encoder type as users write against it: compiling this file (`npm run typecheck`) is half the test.
import { describe, expectTypeOf, it } from 'vitest';
import {
  configDirSources,
  consulSource,
  createConfig,
  etcdSource,
  fileSource,
  memorySource,
  type ConfigDirOptions,
  type ConfigOptions,
  type ConsulSourceOptions,
  type Encoder,
  type EncoderLimits,
  type Encoders,
  type EtcdSourceOptions,
  type FileSourceOptions,
  type MemorySourceOptions,
} from '../src/index.ts';

describe('the Encoder type', () => {
  it('takes the bytes and the limits, and returns data of any shape', () => {
    expectTypeOf<Encoder['decode']>().parameters.toEqualTypeOf<[bytes: Uint8Array, limits: EncoderLimits]>();
    expectTypeOf<Encoder['decode']>().returns.toBeUnknown();
    expectTypeOf<EncoderLimits>().toEqualTypeOf<{ readonly maxBytes: number; readonly maxDepth: number }>();
    expectTypeOf<Encoder['extensions']>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<Encoders>().toEqualTypeOf<Readonly<Record<string, Encoder>>>();
  });

  it('accepts the shapes users write: an object literal, a method ignoring the limits, a class instance', () => {
    const literal = { decode: (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as unknown } satisfies Encoder;
    class Ini implements Encoder {
      readonly extensions = ['cfg'];
      decode(bytes: Uint8Array): Record<string, string> {
        return { size: String(bytes.length) };
      }
    }
    expectTypeOf(literal).toExtend<Encoder>();
    expectTypeOf<Ini>().toExtend<Encoder>();
    expectTypeOf({ ini: new Ini(), lit: literal }).toExtend<Encoders>();
  });

  it('refuses what is not an encoder', () => {
    // @ts-expect-error decode is required
    expectTypeOf<{ extensions: string[] }>().toExtend<Encoder>();
    // @ts-expect-error decode is given bytes, not text
    const text: Encoder = { decode: (source: string) => source.length };
    // @ts-expect-error extensions are strings
    const numbers: Encoder = { decode: () => null, extensions: [1] };
    void text;
    void numbers;
  });

  it('is the encoders option of createConfig and of every source that decodes documents', () => {
    expectTypeOf<ConfigOptions['encoders']>().toEqualTypeOf<Encoders | undefined>();
    expectTypeOf<FileSourceOptions['encoders']>().toEqualTypeOf<Encoders | undefined>();
    expectTypeOf<MemorySourceOptions['encoders']>().toEqualTypeOf<Encoders | undefined>();
    expectTypeOf<ConsulSourceOptions['encoders']>().toEqualTypeOf<Encoders | undefined>();
    expectTypeOf<EtcdSourceOptions['encoders']>().toEqualTypeOf<Encoders | undefined>();
    expectTypeOf<ConfigDirOptions['encoders']>().toEqualTypeOf<Encoders | undefined>();
    expectTypeOf(createConfig).toBeCallableWith({ encoders: { ini: { decode: () => ({}) } } });
    expectTypeOf(fileSource).toBeCallableWith({ path: 'app.ini', encoders: { ini: { decode: () => ({}) } } });
    expectTypeOf(memorySource).toBeCallableWith('a=1', { format: 'ini', encoders: { ini: { decode: () => ({}) } } });
    expectTypeOf(consulSource).toBeCallableWith({ encoders: { ini: { decode: () => ({}) } } });
    expectTypeOf(etcdSource).toBeCallableWith({ encoders: { ini: { decode: () => ({}) } } });
    expectTypeOf(configDirSources).toBeCallableWith({ encoders: { ini: { decode: () => ({}) } } });
  });
});
