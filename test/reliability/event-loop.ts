// How long hostile documents hold the event loop, and how much memory they take, through the whole path a file
// takes: read, decode, normalize, intern, merge, index, publish, then a read; then the same file rewritten with
// every value changed (intern, merge and diff against the first). Each case runs in a process of its own, so its
// memory figures are its own. Figures only, no verdict (the verdicts are in event-loop.test.ts).
//
//   node --import tsx test/reliability/event-loop.ts                      every format and shape at 1, 4 and 16 MiB
//   node --import tsx test/reliability/event-loop.ts --sizes 16 yaml toml  some formats, some sizes (MiB)
//   … --stages                                                             also each stage on the event loop alone
//   … --package                                                            through the built package (npm run build):
//                                                                          its decoding thread is the bundled one, not
//                                                                          the sources run through tsx (+30 MiB a thread)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as sources from '../../src/index.ts';
import { loadEncoder } from '../../src/encoders/index.ts';
import { intern } from '../../src/reader/intern.ts';
import { mergeLayers } from '../../src/reader/merge.ts';
import { normalize, type Tree } from '../../src/reader/tree.ts';
import { diffTrees } from '../../src/loader/diff.ts';
import { loopCpuMs } from './measure.ts';
import { EXTENSION, SHAPES } from './shapes.ts';

const MiB = 1024 * 1024;

/** What one case measured. */
interface CaseFigures {
  name: string;
  bytes: number;
  /** `decoded`, or the code of the ConfigError that refused it, and whether on load or on the reload. */
  outcome: string;
  loadMs: number;
  reloadMs: number;
  /** The longest the event loop was held, over load, read and reload (wall clock). */
  heldMs: number;
  /**
   * The most CPU time the event loop's thread spent between two ticks of the probe (ms, to 10 ms; Linux): what held
   * it, without the time a loaded machine's scheduler kept it waiting. Undefined where the system does not tell.
   */
  heldCpuMs?: number | undefined;
  /** The process's peak resident memory (every thread's), less what it was before the load: through the reload. */
  peakRssBytes: number;
  /** The same, up to the end of the load (one document; the reload holds the old layer beside the new document). */
  loadPeakRssBytes: number;
  /** The heap held after the reload (with the config open), less before the load. */
  heldHeapBytes: number;
  stages?: Record<string, number> | undefined;
}

/**
 * The process's peak resident memory since the last reset (Linux: `VmHWM`, every thread's pages included, and
 * seen even while the event loop is held), or undefined where the system does not tell.
 */
function peakRss(): number | undefined {
  try {
    const found = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return found ? Number(found[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets the peak `peakRss` reports to the memory resident now (Linux 4.0 and later). */
function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Elsewhere, the probe's samples are the peak.
  }
}

/** A timer every millisecond: the longest gap between two of its calls, and the highest RSS it saw. */
function startProbe() {
  let last = performance.now();
  let held = 0;
  let rss = process.memoryUsage.rss();
  let lastCpu = loopCpuMs();
  let heldCpu = lastCpu === undefined ? undefined : 0;
  let timer: NodeJS.Timeout;
  const tick = () => {
    const now = performance.now();
    held = Math.max(held, now - last);
    last = now;
    const cpu = loopCpuMs();
    if (cpu !== undefined && lastCpu !== undefined && heldCpu !== undefined) heldCpu = Math.max(heldCpu, cpu - lastCpu);
    lastCpu = cpu;
    rss = Math.max(rss, process.memoryUsage.rss());
    timer = setTimeout(tick, 1);
  };
  timer = setTimeout(tick, 1);
  return {
    stop() {
      clearTimeout(timer);
      tick();
      clearTimeout(timer);
      return { held, heldCpu, rss: Math.max(rss, process.memoryUsage.rss(), peakRss() ?? 0) };
    },
  };
}

/** Each stage of the path run alone on the event loop, from the text (ms). */
async function stages(format: string, text: string, rewritten: string): Promise<Record<string, number>> {
  const encoder = await loadEncoder(format);
  const out: Record<string, number> = {};
  const time = <T>(name: string, work: () => T): T => {
    const start = performance.now();
    const value = work();
    out[name] = performance.now() - start;
    return value;
  };
  try {
    const layer = (body: string, tag: string) =>
      time(`normalize${tag}`, () => normalize(time(`parse${tag}`, () => encoder.decode(body)), { maxDepth: 64, owned: true, freeze: false }));
    const first = layer(text, '');
    const second = layer(rewritten, ' 2');
    const shared = time('intern', () => intern(first, second));
    const before = time('merge', () => mergeLayers([{}, first]));
    const after = time('merge 2', () => mergeLayers([{}, shared as Tree]));
    time('diff', () => diffTrees(before, after).length);
  } catch (error) {
    out.failed = 1;
    void error;
  }
  return out;
}

/** Runs one case in this process: the whole path through a config, then optionally the stages. */
async function runCase(format: string, shape: string, size: number, withStages: boolean, fromPackage: boolean): Promise<CaseFigures> {
  // A specifier in a variable: the package is built on demand, and its types are the sources'.
  const built = new URL('../../dist/index.mjs', import.meta.url).href;
  const { createConfig, fileSource } = fromPackage ? ((await import(built)) as typeof sources) : sources;
  const gc = runInNewContext('gc') as () => void;
  const make = SHAPES[format]![shape]!;
  const dir = await mkdtemp(join(tmpdir(), 'microconf-loop-'));
  const path = join(dir, `doc.${EXTENSION[format]}`);
  // The texts are built in a function of their own, so that only the rewrite is still held when the load starts.
  const prepare = async () => {
    // A shape's text passes its size by up to one line and its brackets: aimed a little under, so that a 16 MiB case
    // stays within the default maxBytes and is decoded, not refused from its size.
    const text = make(size - 4096);
    const rewritten = make(size - 4096, 1);
    await writeFile(path, text);
    // The rewrite is written from bytes made now: a string written during the case would be encoded there, and that
    // copy, the writer's, counted in the config's peak (another process writes a service's file).
    return { bytes: Buffer.byteLength(text), rewritten: Buffer.from(rewritten), stages: withStages ? await stages(format, text, rewritten) : undefined };
  };
  const { bytes, rewritten: second, stages: stageFigures } = await prepare();
  const figures: CaseFigures = { name: `${format}, ${shape}`, bytes, outcome: 'decoded', loadMs: 0, reloadMs: 0, heldMs: 0, peakRssBytes: 0, loadPeakRssBytes: 0, heldHeapBytes: 0 };
  figures.stages = stageFigures;
  for (let i = 0; i < 3; i++) gc();
  resetPeakRss();
  const rssBefore = process.memoryUsage.rss();
  const heapBefore = process.memoryUsage().heapUsed;
  const probe = startProbe();
  let start = performance.now();
  let stage = 'load';
  try {
    const config = await createConfig({ sources: [fileSource({ path, watch: false })] });
    figures.loadMs = performance.now() - start;
    stage = 'reload';
    figures.loadPeakRssBytes = Math.max(peakRss() ?? 0, process.memoryUsage.rss()) - rssBefore;
    config.get('a').exists();
    await writeFile(path, second);
    start = performance.now();
    await config.sync();
    figures.reloadMs = performance.now() - start;
    const { held, heldCpu, rss } = probe.stop();
    figures.heldMs = held;
    figures.heldCpuMs = heldCpu;
    figures.peakRssBytes = rss - rssBefore;
    for (let i = 0; i < 3; i++) gc();
    figures.heldHeapBytes = process.memoryUsage().heapUsed - heapBefore;
    await config.close();
  } catch (error) {
    const { held, heldCpu, rss } = probe.stop();
    figures.heldCpuMs = heldCpu;
    if (stage === 'load') {
      figures.loadMs = performance.now() - start;
      figures.loadPeakRssBytes = rss - rssBefore;
    } else {
      figures.reloadMs = performance.now() - start;
    }
    figures.heldMs = held;
    figures.peakRssBytes = rss - rssBefore;
    figures.outcome = `${(error as { code?: string }).code ?? String(error)} on ${stage}`;
  }
  await rm(dir, { recursive: true, force: true });
  return figures;
}

function describe(figures: CaseFigures): string {
  const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  const stageText = figures.stages
    ? ` | ${Object.entries(figures.stages)
        .map(([name, ms]) => `${name} ${ms.toFixed(0)}`)
        .join(', ')}`
    : '';
  return (
    `[event loop] ${mib(figures.bytes)} of ${figures.name}: ${figures.outcome}, loop held ${figures.heldMs.toFixed(0)} ms ` +
    (figures.heldCpuMs === undefined ? '' : `(its thread's CPU at most ${figures.heldCpuMs} ms at once) `) +
    `(load ${figures.loadMs.toFixed(0)} ms, reload ${figures.reloadMs.toFixed(0)} ms), peak RSS +${mib(figures.loadPeakRssBytes)} ` +
    `(${(figures.loadPeakRssBytes / figures.bytes).toFixed(1)}×) on load, +${mib(figures.peakRssBytes)} (${(figures.peakRssBytes / figures.bytes).toFixed(1)}×) ` +
    `through the reload, heap held +${mib(figures.heldHeapBytes)}${stageText}`
  );
}

const args = process.argv.slice(2);
const caseAt = args.indexOf('--case');
if (caseAt >= 0) {
  setFlagsFromString('--expose-gc');
  const [format, shape, size] = args[caseAt + 1]!.split('/');
  const figures = await runCase(format!, shape!, Number(size), args.includes('--stages'), args.includes('--package'));
  console.log(JSON.stringify(figures));
} else {
  const sizesAt = args.indexOf('--sizes');
  const sizes = sizesAt >= 0 ? args[sizesAt + 1]!.split(',').map(Number) : [1, 4, 16];
  const chosen = args.filter((arg, i) => !arg.startsWith('--') && (sizesAt < 0 || i !== sizesAt + 1));
  const formats = chosen.length > 0 ? chosen : Object.keys(SHAPES);
  const unknown = formats.filter((format) => SHAPES[format] === undefined);
  if (unknown.length > 0 || sizes.some((size) => !(size > 0))) {
    console.error(`usage: event-loop.ts [--sizes 1,4,16] [--stages] [--package] [format…]; formats: ${Object.keys(SHAPES).join(', ')}`);
    process.exit(2);
  }
  const self = fileURLToPath(import.meta.url);
  for (const size of sizes) {
    for (const format of formats) {
      for (const shape of Object.keys(SHAPES[format]!)) {
        const out = execFileSync(
          process.execPath,
          // Only `--stages` parses on the event loop, which may need a larger heap; otherwise the flag is not given,
          // since V8 applies it to every thread of the process, overriding the decoding thread's own limits.
          ['--import', 'tsx', ...(args.includes('--stages') ? ['--max-old-space-size=8192'] : []), self, '--case', `${format}/${shape}/${size * MiB}`, ...args.filter((arg) => arg === '--stages' || arg === '--package')],
          { encoding: 'utf8', maxBuffer: 16 * MiB },
        );
        console.log(describe(JSON.parse(out.trim().split('\n').at(-1)!) as CaseFigures));
      }
    }
  }
  console.log(`[event loop] load average ${(await import('node:os')).loadavg().map((n) => n.toFixed(1)).join(' ')}`);
}
