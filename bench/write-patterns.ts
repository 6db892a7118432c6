// The ways a config file gets written, as deploy tools, editors and Kubernetes write it: each sets up a directory
// and then writes a new content in one pattern. Synchronous, so the moment each write became visible is exact.
import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A way of writing `app.json` in a directory. */
export interface WritePattern {
  /** Lays out the directory with the first content. */
  setup(dir: string, text: string): void;
  /**
   * Writes the `n`-th content (n from 1), calling `visible` just before the call that makes it visible at the path
   * (the write in place, the rename over it): a reader woken by that call may run before the writer returns from it.
   * `returned` is called as that call returns: no reader can see the content before then.
   */
  write(dir: string, text: string, n: number, visible: () => void, returned: () => void): void;
}

/** The file every pattern writes, and every reader reads. */
export const FILE = 'app.json';

const plain = (dir: string, text: string) => writeFileSync(join(dir, FILE), text);

// A ConfigMap volume's layout: app.json -> ..data/app.json, ..data -> ..v<n>; a new version is a new directory and a
// new link renamed over ..data, the old directory removed afterwards or left.
const dataSwap = (removeOld: boolean): WritePattern => ({
  setup(dir, text) {
    mkdirSync(join(dir, '..v0'));
    writeFileSync(join(dir, '..v0', FILE), text);
    symlinkSync('..v0', join(dir, '..data'));
    symlinkSync(`..data/${FILE}`, join(dir, FILE));
  },
  write(dir, text, n, visible, returned) {
    mkdirSync(join(dir, `..v${n}`));
    writeFileSync(join(dir, `..v${n}`, FILE), text);
    symlinkSync(`..v${n}`, join(dir, '..data_tmp'));
    visible();
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    returned();
    if (removeOld) rmSync(join(dir, `..v${n - 1}`), { recursive: true });
  },
});

/** Every pattern, by the name the results show. */
export const PATTERNS: Record<string, WritePattern> = {
  'in place': {
    setup: plain,
    write(dir, text, _n, visible, returned) {
      visible();
      writeFileSync(join(dir, FILE), text);
      returned();
    },
  },
  'renamed over': {
    setup: plain,
    write(dir, text, _n, visible, returned) {
      writeFileSync(join(dir, `${FILE}.tmp`), text);
      visible();
      renameSync(join(dir, `${FILE}.tmp`), join(dir, FILE));
      returned();
    },
  },
  'deleted and created again': {
    setup: plain,
    write(dir, text, _n, visible, returned) {
      unlinkSync(join(dir, FILE));
      visible();
      writeFileSync(join(dir, FILE), text);
      returned();
    },
  },
  '`..data` swapped, old directory removed': dataSwap(true),
  '`..data` swapped, old directory left': dataSwap(false),
};

const PLACE = '"@@value@@"';

/** A 500-key document whose probe (and last key) hold a placeholder, for `render`. */
export function template(document: Record<string, unknown>, set: (document: Record<string, unknown>, value: unknown) => void): string {
  const copy = structuredClone(document);
  set(copy, JSON.parse(PLACE));
  // Last, so a document cut or mixed anywhere before its end shows in it.
  copy.zzEnd = JSON.parse(PLACE);
  return JSON.stringify(copy, null, 2);
}

/** The template with `value` at the probe and at the last key. */
export function render(template: string, value: number): string {
  return template.replaceAll(PLACE, String(value));
}
