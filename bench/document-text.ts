// What reading a document's bytes as text costs: `documentText` (UTF-8 decoded strictly, UTF-16 after its byte order
// mark, the line and column of the first byte that is not text found in a second pass) against the lenient decode it
// replaced (`Buffer.toString('utf8')`), for ASCII, mixed UTF-8 (2-, 3- and 4-byte characters), UTF-16, and each with
// a byte that is not text at its very end (the longest search for the place). CPU time, best of five.
//
//   node --import tsx bench/document-text.ts [--sizes 1,4,16]
import { documentText } from '../src/encoders/document-text.ts';

const MiB = 1024 * 1024;
const at = process.argv.indexOf('--sizes');
const sizes = (at > 0 ? process.argv[at + 1]! : '1,4,16').split(',').map(Number);

function best(work: () => void): string {
  let least = Infinity;
  for (let run = 0; run < 5; run++) {
    const start = process.cpuUsage();
    work();
    const used = process.cpuUsage(start);
    least = Math.min(least, (used.user + used.system) / 1000);
  }
  return `${least.toFixed(1)} ms`;
}

const attempt = (bytes: Uint8Array) => () => {
  try {
    documentText(bytes);
  } catch {
    // The refusal is what is measured.
  }
};

for (const size of sizes) {
  const ascii = Buffer.alloc(size * MiB, 'a');
  const mixed = Buffer.from('\u00e4\u20ac\u{1f600}a\n'.repeat(Math.floor((size * MiB) / 11)));
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('\u00e4\u20ac\u{1f600}a\n'.repeat(Math.floor((size * MiB) / 14)), 'utf16le')]);
  const rows = {
    'ASCII': best(attempt(ascii)),
    // The longest search for the place: one byte at a time, every byte before it a character.
    'ASCII, a byte not UTF-8 at its end': best(attempt(Buffer.concat([ascii, Buffer.from([0xff])]))),
    'mixed UTF-8': best(attempt(mixed)),
    'mixed UTF-8, lenient (before)': best(() => mixed.toString('utf8')),
    'mixed UTF-8, a byte not UTF-8 at its end': best(attempt(Buffer.concat([mixed, Buffer.from([0xff])]))),
    'UTF-16': best(attempt(utf16)),
    'UTF-16, an unpaired surrogate at its end': best(attempt(Buffer.concat([utf16, Buffer.from([0x00, 0xd8])]))),
    'UTF-16 ASCII, an unpaired surrogate at its end': best(attempt(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a'.repeat((size * MiB) / 2), 'utf16le'), Buffer.from([0x00, 0xd8])]))),
  };
  console.log(`${size} MiB: ${Object.entries(rows).map(([name, cost]) => `${name} ${cost}`).join('; ')}`);
}
