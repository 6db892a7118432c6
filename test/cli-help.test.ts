// The command's help, read as a newcomer reads it: every option it describes does what the help says.
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/program.ts';
import { DEFAULT_STORE_TIMEOUT } from '../src/cli/sources.ts';

async function help(): Promise<string> {
  const out: string[] = [];
  const code = await run(['--help'], {
    out: (text) => out.push(text),
    err: () => {},
    interrupted: new Promise(() => {}),
    input: () => Promise.resolve(new Uint8Array()),
  });
  expect(code).toBe(0);
  // Commander wraps option descriptions to the terminal's width: join the lines back into one text.
  return out.join('\n').replace(/\s+/g, ' ');
}

describe('microconf --help', () => {
  it('says --reveal shows what the command redacts, and no kind of source it cannot read', async () => {
    const text = await help();
    expect(text).toContain('--reveal show secret values (decrypted ones, --secret paths) instead of [redacted]');
    expect(text).not.toContain('secret files');
  });

  it('gives the default of --timeout as a default, not as one example among others', async () => {
    const text = await help();
    expect(text).toContain(`how long a store may take to answer (default ${DEFAULT_STORE_TIMEOUT / 1000}s; 500ms, 1m, up to 1h)`);
  });
});
