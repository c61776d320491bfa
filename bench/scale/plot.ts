/**
 * Time per budget against the number of budgets, one line per backend and
 * configuration: as SVG (counts on a log scale) and as text for a terminal.
 */

/** One line of the plot. */
export interface Series {
  label: string;
  /** Budgets → ms per budget, by increasing count. */
  points: { n: number; msPerBudget: number }[];
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

/** Escapes text for SVG. */
const escaped = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * An SVG line chart of ms per budget (linear) against budgets (log scale).
 *
 * @param series - the lines
 * @param title - the chart's title
 */
export function plotTimePerBudget(series: readonly Series[], title: string): string {
  const all = series.flatMap((line) => line.points);
  const [width, height, left, bottom, top, right] = [820, 380, 70, 50, 40, 250];
  const counts = all.map((point) => point.n);
  const minN = Math.min(...counts);
  const maxN = Math.max(...counts);
  const maxY = Math.max(1, ...all.map((point) => point.msPerBudget)) * 1.1;
  const x = (n: number): number =>
    left +
    (maxN === minN ? 0.5 : (Math.log(n) - Math.log(minN)) / (Math.log(maxN) - Math.log(minN))) * (width - left - right);
  const y = (ms: number): number => height - bottom - (ms / maxY) * (height - top - bottom);
  const yTicks = Array.from({ length: 6 }, (_, i) => (maxY / 5) * i);
  const xTicks = [...new Set(counts)].sort((a, b) => a - b);
  const lines = series.map((line, index) => {
    const colour = COLOURS[index % COLOURS.length]!;
    const points = line.points.map((point) => `${x(point.n).toFixed(1)},${y(point.msPerBudget).toFixed(1)}`).join(" ");
    const dots = line.points
      .map(
        (point) =>
          `<circle cx="${x(point.n).toFixed(1)}" cy="${y(point.msPerBudget).toFixed(1)}" r="3" fill="${colour}"/>`,
      )
      .join("");
    const legend = `<text x="${width - right + 12}" y="${top + 16 * index + 10}" fill="${colour}">${escaped(line.label)}</text>`;
    return `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${points}"/>${dots}${legend}`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
  <rect width="100%" height="100%" fill="white"/>
  <text x="${(width - right) / 2}" y="22" text-anchor="middle" font-size="14">${escaped(title)}</text>
  ${yTicks.map((t) => `<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(t < 10 ? 1 : 0)}</text><line x1="${left}" x2="${width - right}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`).join("\n  ")}
  ${xTicks.map((n) => `<text x="${x(n)}" y="${height - bottom + 16}" text-anchor="middle">${n}</text>`).join("\n  ")}
  <text x="${(width - right) / 2}" y="${height - 10}" text-anchor="middle">budgets (log scale)</text>
  <text x="16" y="${(height - bottom + top) / 2}" transform="rotate(-90 16 ${(height - bottom + top) / 2})" text-anchor="middle">ms per budget</text>
  ${lines.join("\n  ")}
</svg>
`;
}

/** The same figures as text: one row per line, one column per count. */
export function textPlot(series: readonly Series[], title: string): string {
  const counts = [...new Set(series.flatMap((line) => line.points.map((point) => point.n)))].sort((a, b) => a - b);
  const width = Math.max(...series.map((line) => line.label.length), 10);
  const head = `${"".padEnd(width)}  ${counts.map((n) => String(n).padStart(9)).join("")}`;
  const rows = series.map(
    (line) =>
      `${line.label.padEnd(width)}  ${counts.map((n) => (line.points.find((point) => point.n === n)?.msPerBudget.toFixed(2) ?? "-").padStart(9)).join("")}`,
  );
  return [`${title} (ms per budget)`, head, ...rows].join("\n");
}
