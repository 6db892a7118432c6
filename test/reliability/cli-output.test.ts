// What the command prints of text written by others (a file's keys and values, a store's), and what a careless
// operator feeds it. A value holding DEL or a C1 control (U+009B is CSI, ESC [ in one character, for a terminal that
// reads C1 in UTF-8) reached the terminal through JSON.stringify, which escapes only C0; a string printed whole by
// `get` or `decrypt` sent ESC itself. And `printf %s "$UNSET" | microconf encrypt` printed the sealing of nothing.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.ts';
import { readBounded } from '../../src/cli/secrets.ts';
import { tempDir } from '../helpers/files.ts';

interface Printed {
  code: number;
  stdout: string;
  stderr: string;
}

/** The command run in this process, its output a terminal or not; `stop` ends a watch. */
async function microconf(args: string[], options: { terminal?: boolean; input?: string; stop?: Promise<void>; onLine?: (line: string) => void } = {}): Promise<Printed> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, {
    out: (line) => {
      out.push(`${line}\n`);
      options.onLine?.(line);
    },
    err: (line) => err.push(`${line}\n`),
    interrupted: options.stop ?? new Promise(() => {}),
    input: (maxBytes) => readBounded([Buffer.from(options.input ?? '')], maxBytes, 'stdin'),
    terminal: options.terminal,
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

// Every control character a terminal may act on, C0 but line end and tab, DEL and C1.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const HOSTILE = 'x\u001b[31mred\u009b2Jgone\u007f\u0085end';

describe('what the command prints', () => {
  it('escapes DEL and C1 in values printed as JSON: get, explain and watch, with and without --json', async () => {
    const dir = await tempDir();
    const file = join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ v: { s: HOSTILE, list: [HOSTILE] } }));
    const printed: Printed[] = [];
    for (const args of [['get', 'v'], ['get', 'v', '--json'], ['get', 'v.s', '--json'], ['explain', 'v'], ['explain', 'v', '--json']]) {
      printed.push(await microconf([...args, '--file', file], { terminal: true }));
    }
    // A watch, told of a change to the hostile value.
    for (const [json, next] of [[false, `${HOSTILE}!`], [true, `${HOSTILE}?`]] as const) {
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const lines: string[] = [];
      const done = microconf(['watch', '--file', file, ...(json ? ['--json'] : [])], { stop: stopped, onLine: (line) => lines.push(line) });
      while (lines.length < 1) await new Promise((resolve) => setTimeout(resolve, 20));
      await writeFile(file, JSON.stringify({ v: { s: next, list: [HOSTILE] } }));
      while (lines.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      stop();
      printed.push(await done);
    }
    for (const output of printed) {
      expect(output.code, output.stdout).toBe(0);
      expect(output.stdout, output.stdout).not.toMatch(CONTROLS);
      // Escaped as JSON does, so a program reading it gets the value back.
      expect(output.stdout).toContain('x\\u001b[31mred\\u009b2Jgone\\u007f\\u0085end');
    }
    expect(JSON.parse(printed[1]!.stdout)).toEqual({ s: HOSTILE, list: [HOSTILE] });
    expect(JSON.parse(printed[2]!.stdout)).toBe(HOSTILE);
  });

  it('escapes line separators and bidirectional controls, in JSON and in a value shown to a terminal', async () => {
    const dir = await tempDir();
    const file = join(dir, 'config.json');
    const spoof = 'a\u2028b\u202etxt.exe\u2069c';
    await writeFile(file, JSON.stringify({ s: spoof }));
    for (const args of [['get', 's', '--json'], ['get', 's'], ['explain', 's']]) {
      const output = await microconf([...args, '--file', file], { terminal: true });
      expect(output.stdout, args.join(' ')).not.toMatch(/[\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
      expect(output.stdout).toContain('a\\u2028b\\u202etxt.exe\\u2069c');
    }
    expect(JSON.parse((await microconf(['get', 's', '--json', '--file', file])).stdout)).toBe(spoof);
  });

  it('prints a string value whole to a program, and with its control characters escaped to a terminal', async () => {
    const dir = await tempDir();
    const file = join(dir, 'config.json');
    const pem = '-----BEGIN KEY-----\nAAAA\tBBBB\n-----END KEY-----';
    await writeFile(file, JSON.stringify({ s: HOSTILE, pem }));
    expect((await microconf(['get', 's', '--file', file])).stdout).toBe(`${HOSTILE}\n`);
    const shown = await microconf(['get', 's', '--file', file], { terminal: true });
    expect(shown.stdout).toBe('x\\u001b[31mred\\u009b2Jgone\\u007f\\u0085end\n');
    // Line ends and tabs are layout, not controls.
    expect((await microconf(['get', 'pem', '--file', file], { terminal: true })).stdout).toBe(`${pem}\n`);
    // CR LF too (a file written on Windows); a CR alone, which returns to print over the line, is escaped.
    await writeFile(file, JSON.stringify({ crlf: 'line one\r\nline two\r\n', over: 'shown\rhidden' }));
    expect((await microconf(['get', 'crlf', '--file', file], { terminal: true })).stdout).toBe('line one\r\nline two\r\n\n');
    expect((await microconf(['get', 'over', '--file', file], { terminal: true })).stdout).toBe('shown\\u000dhidden\n');
    // The same for a decrypted value.
    const keyFile = join(dir, 'secret.key');
    await writeFile(keyFile, (await microconf(['keygen'])).stdout);
    const sealed = (await microconf(['encrypt', '--key-file', keyFile, HOSTILE])).stdout.trim();
    expect((await microconf(['decrypt', '--key-file', keyFile, sealed])).stdout).toBe(`${HOSTILE}\n`);
    expect((await microconf(['decrypt', '--key-file', keyFile, sealed], { terminal: true })).stdout).not.toMatch(CONTROLS);
  });

  it('escapes control characters of the arguments it quotes back', async () => {
    const dir = await tempDir();
    const file = join(dir, 'config.json');
    await writeFile(file, '{}');
    const missing = await microconf(['get', `a${HOSTILE}`, '--file', file]);
    expect(missing.code).toBe(1);
    const unknown = await microconf(['get', 'a', `--${HOSTILE}`, '--file', file]);
    expect(unknown.code).toBe(2);
    for (const output of [missing, unknown]) expect(output.stderr, output.stderr).not.toMatch(CONTROLS);
  });

  it('refuses to encrypt an empty standard input, which an unset variable or a missing file gives', async () => {
    const dir = await tempDir();
    const keyFile = join(dir, 'secret.key');
    await writeFile(keyFile, (await microconf(['keygen'])).stdout);
    for (const input of ['', '\n']) {
      const output = await microconf(['encrypt', '--key-file', keyFile], { input });
      expect(output).toMatchObject({ code: 2, stdout: '' });
      expect(output.stderr).toContain('the standard input is empty');
    }
    // An empty value, asked for as one.
    const empty = await microconf(['encrypt', '--key-file', keyFile, '']);
    expect(empty.code).toBe(0);
    expect((await microconf(['decrypt', '--key-file', keyFile, empty.stdout.trim()])).stdout).toBe('\n');
  });
});
