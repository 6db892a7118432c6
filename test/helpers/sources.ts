import { createChannel } from '../../src/channel.ts';
import { expect } from 'vitest';
import { ConfigError, createChangeSet, createConfig, type ChangeSet, type ChangeSetObject, type Source } from '../../src/index.ts';

/** A promise with its resolve and reject at hand. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A new deferred promise. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A source whose reads are answered by the test, and whose watch is fed by it. */
export interface ScriptedSource extends Source {
  /** The reads asked for so far, oldest first: answer each with `answer`. */
  readonly reads: { signal: AbortSignal | undefined; answer(data: ChangeSetObject | string, format?: string): void; fail(error: unknown): void }[];
  /** Pushes a layer through the watch: an object, or text in a format (default json). */
  push(data: ChangeSetObject | string, format?: string): void;
  /** Makes the watch's next read reject. */
  fail(error: unknown): void;
  /** How many times `close()` was called. */
  readonly closes: number;
}

/** A scripted source: every `read()` waits for the test to answer it. */
export function scriptedSource(name = 'scripted'): ScriptedSource {
  const channel = createChannel<ChangeSet>();
  const reads: ScriptedSource['reads'] = [];
  let closes = 0;
  const changeSet = (data: ChangeSetObject | string, format?: string) =>
    createChangeSet(name, typeof data === 'string' ? (format ?? 'json') : 'object', data);
  return {
    name,
    reads,
    read(signal) {
      const answer = deferred<ChangeSet>();
      reads.push({
        signal,
        answer: (data, format) => answer.resolve(changeSet(data, format)),
        fail: (error) => answer.reject(error),
      });
      return answer.promise;
    },
    watch: (signal) => channel.subscribe(signal),
    push: (data, format) => channel.push(changeSet(data, format)),
    fail: (error) => channel.fail(error),
    get closes() {
      return closes;
    },
    async close() {
      closes += 1;
      channel.end();
    },
  };
}

/** Resolves once `count` reads were asked of the source. */
export async function readsAsked(source: ScriptedSource, count: number): Promise<void> {
  while (source.reads.length < count) await new Promise((resolve) => setImmediate(resolve));
}

/** The ConfigError with which `createConfig` refuses these sources (within `maxBytes`, if given); fails if it loads. */
export async function refusal(sources: Source[], maxBytes?: number): Promise<ConfigError> {
  const error = await createConfig({ sources, maxBytes }).then(
    async (config) => {
      await config.close();
      return undefined;
    },
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}
