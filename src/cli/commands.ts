import type { CommanderError } from 'commander';
import type { Config } from '../config.ts';
import type { Redactor } from '../reader/secrets.ts';
import type { StoreSpec } from './sources.ts';

/** Where the CLI writes, and how it learns that it should stop watching. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Resolves when the user interrupts (Ctrl-C). */
  interrupted: Promise<void>;
  /** The standard input, read to its end (at most `maxBytes`: a LIMIT error past it). */
  input(maxBytes: number): Promise<Uint8Array>;
  /** True when the output is a terminal: a string value printed whole then has its control characters escaped. */
  terminal?: boolean | undefined;
}

/** Exit codes. */
export const EXIT = { ok: 0, notFound: 1, usage: 2, source: 3, output: 4 } as const;

/** What the commands that read and write share of one run: its output, its options and the sources given. */
export interface CommandContext {
  readonly io: CliIo;
  /** True with --json. */
  json(): boolean;
  /** A usage error (exit 2) with this message. */
  usage(message: string): CommanderError;
  /** Says there is no value at a path, and makes the run exit 1. */
  notFound(path: string): void;
  /** Opens the sources given as a config. */
  open(): Promise<Config>;
  /** What values and changes print as: the config's own secrets redacted, unless --reveal. */
  redactors(config: Config): { values: Redactor; changes: Redactor };
  /** The last store given (--consul or --etcd), which put and import write to. */
  target(): StoreSpec;
  /** `--timeout` in ms. */
  storeTimeout(): number;
}
