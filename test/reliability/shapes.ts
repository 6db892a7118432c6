// Documents an attacker would write to hold the event loop or fill memory: for each format, the shapes that cost
// its parser, microconf's own tree walks, or V8's heap the most per byte of text. Each builds text of about `size`
// characters; `salt` changes every value (not the shape), for a rewrite that changes the whole document.

/** A shape: its text at a size, with a salt that changes its values. */
export type Shape = (size: number, salt?: number) => string;

/** Lines made by `line(i)` until the text reaches `size` characters, joined with `separator`. */
function repeated(size: number, line: (i: number) => string, separator = '\n'): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const part = line(i);
    parts.push(part);
    length += part.length + separator.length;
  }
  return parts.join(separator);
}

/** Objects nested `depth` deep (`{"a":{"a":…1…}}`), repeated in an array: deep, but within the default maxDepth. */
function nestedJson(size: number, depth: number, salt: number): string {
  const one = `${'{"a":'.repeat(depth)}${salt}${'}'.repeat(depth)}`;
  return `{"a":[${repeated(size, () => one, ',')}]}`;
}

/** The hostile shapes of each format, by name. */
export const SHAPES: Readonly<Record<string, Readonly<Record<string, Shape>>>> = {
  json: {
    'flat keys': (size, salt = 0) => `{${repeated(size, (i) => `"k${i}":${(i + salt) % 10}`, ',')}}`,
    'numbers': (size, salt = 0) => `{"a":[${repeated(size, (i) => String((i + salt) % 10), ',')}]}`,
    'empty objects': (size, salt = 0) => `{"a":[${'{},'.repeat(Math.floor(size / 3))}${salt}]}`,
    'empty arrays': (size, salt = 0) => `{"a":[${'[],'.repeat(Math.floor(size / 3))}${salt}]}`,
    'small objects': (size, salt = 0) => `{"a":[${repeated(size, (i) => `{"a":${(i + salt) % 10}}`, ',')}]}`,
    'nested 60 deep': (size, salt = 0) => nestedJson(size, 60, salt),
    'one string': (size, salt = 0) => `{"a":"${String(salt % 10).repeat(size)}"}`,
    // Keys of 160-character values: as many values as the default maxValues allows at 16 MiB (about 97,000).
    'long values': (size, salt = 0) => `{${repeated(size, (i) => `"k${i}":"${String(salt % 10).padEnd(160, 'x')}"`, ',')}}`,
  },
  yaml: {
    'flat keys': (size, salt = 0) => repeated(size, (i) => `k${i}: ${(i + salt) % 10}`),
    'numbers': (size, salt = 0) => `a: [${repeated(size, (i) => String((i + salt) % 10), ',')}]`,
    'block list': (size, salt = 0) => `a:\n${repeated(size, (i) => `- ${(i + salt) % 10}`)}`,
    'empty maps': (size, salt = 0) => `a: [${'{},'.repeat(Math.floor(size / 3))}${salt}]`,
    'nested 60 deep': (size, salt = 0) => `a: [${repeated(size, () => `${'{a: '.repeat(60)}${salt}${'}'.repeat(60)}`, ',')}]`,
    'aliases': (size, salt = 0) => `x: &x ${salt}\na: [${'*x,'.repeat(Math.floor(size / 3))}*x]`,
    'anchors': (size, salt = 0) => repeated(size, (i) => (i % 2 === 0 ? `k${i}: &a${i} ${salt}` : `k${i}: *a${i - 1}`)),
    'one string': (size, salt = 0) => `a: ${String(salt % 10).repeat(size)}`,
    'one plain text': (size, salt = 0) => `a: ${'abcdefghij'[salt % 10]!.repeat(size)}`,
  },
  toml: {
    'flat keys': (size, salt = 0) => repeated(size, (i) => `k${i} = ${(i + salt) % 10}`),
    'numbers': (size, salt = 0) => `a = [${repeated(size, (i) => String((i + salt) % 10), ',')}]`,
    'tables': (size, salt = 0) => repeated(size, (i) => `[t${i}]\na = ${salt}`),
    'array of tables': (size, salt = 0) => repeated(size, () => `[[a]]\nb = ${salt}`),
    'one string': (size, salt = 0) => `a = "${String(salt % 10).repeat(size)}"`,
  },
  dotenv: {
    'flat keys': (size, salt = 0) => repeated(size, (i) => `K${i}=${(i + salt) % 10}`),
    'nested 60 deep': (size, salt = 0) => repeated(size, (i) => `${'A_'.repeat(59)}K${i}=${salt}`),
    'one string': (size, salt = 0) => `A=${String(salt % 10).repeat(size)}`,
  },
  json5: {
    'flat keys': (size, salt = 0) => `{${repeated(size, (i) => `k${i}:${(i + salt) % 10}`, ',')}}`,
    'numbers': (size, salt = 0) => `{a:[${repeated(size, (i) => String((i + salt) % 10), ',')}]}`,
    'empty objects': (size, salt = 0) => `{a:[${'{},'.repeat(Math.floor(size / 3))}${salt}]}`,
    'one string': (size, salt = 0) => `{a:'${String(salt % 10).repeat(size)}'}`,
  },
};

/** The file extension of a format. */
export const EXTENSION: Readonly<Record<string, string>> = { json: 'json', yaml: 'yaml', toml: 'toml', dotenv: 'env', json5: 'json5' };
