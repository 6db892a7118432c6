import type { Command } from 'commander';
import { ConfigError } from '../errors.ts';
import { encodeBase64 } from '../secrets/bytes.ts';
import { decryptValue, encryptValue } from '../secrets/envelope.ts';
import { generateKey, generateKeyPair, secretbox } from '../secrets/index.ts';
import { withoutLineEnd } from '../sources/secret-files.ts';

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
  /** The value given, or standard input as text (one trailing line end dropped: `echo` adds one). */
  const given = async (value: string | undefined): Promise<string> => {
    if (value !== undefined) return value;
    const bytes = await io.input(INPUT_MAX_BYTES);
    try {
      return withoutLineEnd(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      throw new ConfigError('the standard input is not UTF-8 text', { code: 'DECODE', source: 'stdin' });
    }
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
      io.out(io.json() ? JSON.stringify({ value: plaintext }) : plaintext);
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
