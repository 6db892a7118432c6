import { describe, expect, it } from 'vitest';
import { fixture, runScript } from './helpers/process.ts';

describe('close()', () => {
  it('leaves nothing that keeps the process alive', async () => {
    const { stdout, code } = await runScript(fixture('close-exits.ts'));
    expect(stdout).toBe(`large ${2 * 1024 * 1024}\nvalue 2\nclosed\n`);
    expect(code).toBe(0);
  });
});
