import type { Command } from 'commander';
import { ConfigError } from '../errors.ts';
import { encodeBase64 } from '../secrets/bytes.ts';
import { decryptValue, encryptValue } from '../secrets/envelope.ts';
import { generateKey, generateKeyPair, secretbox } from '../secrets/index.ts';
import { withoutLineEnd } from '../sources/secret-files.ts';
import { jsonText, shownText } from './printing.ts';
import { damagedArgument } from './arguments.ts';

/** The most `encrypt` and `decrypt` read from their standard input: a secret, not a document. */
export const INPUT_MAX_BYTES = 1024 * 1024;

/** What the secret commands need of the command line around them. */
export interface SecretCommandsIo {
  out(text: string): void;
  /** The standard input, read to its end; a LIMIT error past `maxBytes`. */
  input(maxBytes: number): Promise<Uint8Array>;
  /** The key file given with `--key-file`, if any. */
  keyFile(): string | undefined;
  /** Whether `--json` was given. */
  json(): boolean;
  /** True when the output is a terminal: a plaintext then has its control characters escaped. */
  terminal: boolean;
  /** An error of bad usage (exit code 2). */
  usage(message: string): Error;
}

/**
 * Adds `keygen`, `encrypt` and `decrypt`: keys for `secretbox` (and key pairs for `box`), and values sealed the way
 * `createConfig({ decrypt })` opens them. A value to encrypt is best given on standard input, so that it never
 * enters the shell's history.
 */
export function addSecretCommands(program: Command, io: SecretCommandsIo): void {
  const codec = () => {
    const keyFile = io.keyFile();
    if (keyFile === undefined) throw io.usage('encrypt and decrypt need --key-file (a file holding keys made by the keygen command)');
    return secretbox({ keyFile });
  };
  /**
   * The value given, or standard input as text (one trailing line end dropped: `echo` adds one). An empty input is
   * refused: it is what `printf %s "$DB_PASSWORD" |` gives when the variable is not set, and what a closed, absent
   * or unreadable standard input reads as (a directory, /dev/null); an empty value is given as an argument.
   */
  const given = async (value: string | undefined): Promise<string> => {
    if (value !== undefined) {
      const damaged = damagedArgument(value, 'value', ' (give one that holds U+FFFD on the standard input)');
      if (damaged !== undefined) throw io.usage(damaged);
      return value;
    }
    const bytes = await io.input(INPUT_MAX_BYTES);
    let text: string;
    try {
      text = withoutLineEnd(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      throw new ConfigError('the standard input is not UTF-8 text', { code: 'DECODE', source: 'stdin' });
    }
    if (text === '') throw io.usage("the standard input is empty: give the value on it, or as an argument ('' for an empty one)");
    return text;
  };

  program
    .command('keygen')
    .description('print a new random key for secretbox (base64), or with --box a key pair for box')
    .option('--box', 'a public/private key pair for box instead')
    .action((options: { box?: boolean }) => {
      if (!options.box) {
        const key = encodeBase64(generateKey());
        io.out(io.json() ? JSON.stringify({ key }) : key);
        return;
      }
      const pair = generateKeyPair();
      const [publicKey, privateKey] = [encodeBase64(pair.publicKey), encodeBase64(pair.privateKey)];
      io.out(io.json() ? JSON.stringify({ publicKey, privateKey }) : `public-key: ${publicKey}\nprivate-key: ${privateKey}`);
    });

  program
    .command('encrypt [value]')
    .description('print "enc:…" for a value (read from standard input when not given) with the first key of --key-file')
    .action(async (value: string | undefined) => {
      const sealed = encryptValue(codec(), await given(value));
      io.out(io.json() ? JSON.stringify({ value: sealed }) : sealed);
    });

  program
    .command('decrypt [value]')
    .description('print the plaintext of an "enc:…" value (read from standard input when not given) with the keys of --key-file')
    .action(async (value: string | undefined) => {
      const plaintext = decryptValue(codec(), (await given(value)).trim());
      io.out(io.json() ? jsonText({ value: plaintext }) : shownText(plaintext, io.terminal));
    });
}

/** Reads a stream to its end, at most `maxBytes`; a LIMIT error past it (the rest is not read). */
export async function readBounded(stream: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, maxBytes: number, source: string): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += bytes.length;
    if (size > maxBytes) throw new ConfigError(`more than ${maxBytes} bytes`, { code: 'LIMIT', source });
    chunks.push(bytes);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
