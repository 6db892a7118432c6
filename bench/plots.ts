// The plots RESULTS.md shows, drawn as SVG from the run's own figures.
import type { LatencyResults } from './latency.ts';
import type { LoadTimes } from './load.ts';

const COLORS = ['#d62728', '#7f7f7f', '#bcbd22', '#1f77b4', '#2ca02c', '#9467bd'];

/** Load time against the number of keys, one line per implementation (log-log). */
export function loadPlot(series: LoadTimes, sizes: number[]): string {
  const width = 640;
  const height = 400;
  const pad = 60;
  const all = [...series.values()].flatMap((points) => [...points.values()]);
  const [minY, maxY] = [Math.min(...all), Math.max(...all)];
  const x = (size: number) => pad + ((Math.log10(size) - Math.log10(sizes[0]!)) / (Math.log10(sizes.at(-1)!) - Math.log10(sizes[0]!))) * (width - 2 * pad);
  const y = (ms: number) => height - pad - ((Math.log10(ms) - Math.log10(minY)) / (Math.log10(maxY) - Math.log10(minY))) * (height - 2 * pad);
  const lines = [...series].map(([name, points], i) => {
    const path = [...points].map(([size, ms]) => `${x(size).toFixed(1)},${y(ms).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${path}"/>` +
      `<text x="${width - pad + 4}" y="${(pad + i * 16).toFixed(0)}" fill="${COLORS[i % COLORS.length]}" font-size="11">${name}</text>`;
  });
  const ticks = sizes.map((size) => `<text x="${x(size)}" y="${height - pad + 18}" font-size="11" text-anchor="middle">${size}</text>`);
  const yTicks = [minY, Math.sqrt(minY * maxY), maxY].map((ms) => `<text x="${pad - 6}" y="${y(ms)}" font-size="11" text-anchor="end">${ms.toFixed(ms < 10 ? 2 : 0)} ms</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width + 200}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${pad}" y="24" font-size="14">Load + merge of 3 layers (log-log): time against keys</text>
<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="black"/>
<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${height - pad}" stroke="black"/>
${ticks.join('\n')}
${yTicks.join('\n')}
${lines.join('\n')}
</svg>
`;
}

/**
 * The distribution of write → get() latencies, one panel per write pattern: the share of writes seen within each
 * time (log scale), for microconf at each gap and for the floor (all gaps together), with the 2 ms goal marked.
 */
export function latencyPlot({ rows, gaps, patterns }: LatencyResults, goalMs: number): string {
  const panel = { width: 300, height: 220 };
  const pad = { left: 46, right: 12, top: 34, bottom: 36 };
  const columns = 3;
  const all = rows.flatMap((row) => [...row.ours, ...row.floor]).filter((ms) => Number.isFinite(ms) && ms > 0);
  const [minX, maxX] = [Math.max(0.05, Math.min(...all)), Math.max(goalMs * 2, ...all)];
  const lx = (ms: number) => (Math.log10(Math.min(Math.max(ms, minX), maxX)) - Math.log10(minX)) / (Math.log10(maxX) - Math.log10(minX));
  const inner = { width: panel.width - pad.left - pad.right, height: panel.height - pad.top - pad.bottom };
  const ticks = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500].filter((ms) => ms >= minX && ms <= maxX);
  const series = (rowsOf: { latencies: number[]; color: string; dash?: string }[]) =>
    rowsOf.map(({ latencies, color, dash }) => {
      // Never seen counts as off the scale: the curve stays below 1.
      const sorted = latencies.map((ms) => (Number.isFinite(ms) ? Math.max(ms, minX) : Infinity)).sort((a, b) => a - b);
      const points = sorted
        .map((ms, i) => (Number.isFinite(ms) ? [lx(ms) * inner.width, inner.height - ((i + 1) / sorted.length) * inner.height] : undefined))
        .filter((point) => point !== undefined)
        .map(([px, py]) => `${px!.toFixed(1)},${py!.toFixed(1)}`);
      return `<polyline fill="none" stroke="${color}" stroke-width="1.6"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${points.join(' ')}"/>`;
    });
  const gapColors = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd'];
  const panels = patterns.map((pattern, index) => {
    const ox = (index % columns) * panel.width;
    const oy = 40 + Math.floor(index / columns) * panel.height;
    const mine = rows.filter((row) => row.pattern === pattern);
    const lines = series([
      { latencies: mine.flatMap((row) => row.floor), color: '#555', dash: '4 3' },
      ...gaps.map((gap, i) => ({ latencies: mine.find((row) => row.gap === gap)?.ours ?? [], color: gapColors[i % gapColors.length]! })),
    ]);
    const xTicks = ticks.map((ms) => `<line x1="${(lx(ms) * inner.width).toFixed(1)}" y1="${inner.height}" x2="${(lx(ms) * inner.width).toFixed(1)}" y2="${inner.height + 4}" stroke="black"/><text x="${(lx(ms) * inner.width).toFixed(1)}" y="${inner.height + 16}" font-size="10" text-anchor="middle">${ms}</text>`);
    const yTicks = [0, 0.5, 0.99].map((share) => `<text x="-4" y="${(inner.height - share * inner.height + 3).toFixed(1)}" font-size="10" text-anchor="end">${share === 0.99 ? 'p99' : share === 0.5 ? 'p50' : '0'}</text><line x1="0" y1="${(inner.height - share * inner.height).toFixed(1)}" x2="${inner.width}" y2="${(inner.height - share * inner.height).toFixed(1)}" stroke="#eee"/>`);
    return `<g transform="translate(${ox + pad.left},${oy + pad.top})">
<text x="0" y="-10" font-size="12">${pattern.replaceAll('`', '')}</text>
${yTicks.join('\n')}
<line x1="${(lx(goalMs) * inner.width).toFixed(1)}" y1="0" x2="${(lx(goalMs) * inner.width).toFixed(1)}" y2="${inner.height}" stroke="#000" stroke-dasharray="2 2"/>
${lines.join('\n')}
<line x1="0" y1="${inner.height}" x2="${inner.width}" y2="${inner.height}" stroke="black"/>
<line x1="0" y1="0" x2="0" y2="${inner.height}" stroke="black"/>
${xTicks.join('\n')}
<text x="${inner.width / 2}" y="${inner.height + 30}" font-size="10" text-anchor="middle">ms from the write to get() (log)</text>
</g>`;
  });
  const legend = [
    `<line x1="0" y1="0" x2="18" y2="0" stroke="#555" stroke-dasharray="4 3" stroke-width="1.6"/><text x="22" y="4" font-size="11">floor (fs.watch + readFileSync + JSON.parse), every gap</text>`,
    ...gaps.map((gap, i) => `<g transform="translate(${330 + i * 150},0)"><line x1="0" y1="0" x2="18" y2="0" stroke="${gapColors[i % gapColors.length]}" stroke-width="1.6"/><text x="22" y="4" font-size="11">microconf, gap ${gap} ms</text></g>`),
  ];
  const height = 40 + Math.ceil(patterns.length / columns) * panel.height + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${columns * panel.width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="18" font-size="14">A file change: share of writes seen by get() within a time, per write pattern (dotted: the ${goalMs} ms goal)</text>
<g transform="translate(10,32)">${legend.join('')}</g>
${panels.join('\n')}
</svg>
`;
}
