import type { RecordedRequest } from "pulumi-partnercenter/emulator";

/** Width of one time bucket of the plot, in ms. */
const BUCKET_MS = 250;

/**
 * Draws requests per second and 429s per second over time as an SVG line
 * chart, from the emulator's request log.
 *
 * @param requests - the requests of the phase
 * @param title - the chart's title
 * @param limit - the service's rate limit, drawn as a dashed line
 */
export function plotRequestRate(requests: RecordedRequest[], title: string, limit: number): string {
  const start = Math.min(...requests.map((r) => r.time));
  const end = Math.max(...requests.map((r) => r.time));
  const buckets = Math.max(1, Math.ceil((end - start + 1) / BUCKET_MS));
  const sent = new Array<number>(buckets).fill(0);
  const throttled = new Array<number>(buckets).fill(0);
  for (const request of requests) {
    const index = Math.min(buckets - 1, Math.floor((request.time - start) / BUCKET_MS));
    sent[index]! += 1000 / BUCKET_MS;
    if (request.status === 429) throttled[index]! += 1000 / BUCKET_MS;
  }
  const [width, height, left, bottom, top, right] = [800, 360, 60, 40, 40, 20];
  const maxY = Math.max(limit * 1.5, ...sent);
  const x = (i: number): number => left + (i / Math.max(1, buckets - 1)) * (width - left - right);
  const y = (v: number): number => height - bottom - (v / maxY) * (height - top - bottom);
  const line = (values: number[]): string => values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const seconds = (buckets * BUCKET_MS) / 1000;
  const ticks = Array.from({ length: 6 }, (_, i) => Math.round((maxY / 5) * i));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
  <rect width="100%" height="100%" fill="white"/>
  <text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>
  ${ticks.map((t) => `<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text><line x1="${left}" x2="${width - right}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`).join("\n  ")}
  <line x1="${left}" x2="${width - right}" y1="${y(limit)}" y2="${y(limit)}" stroke="#999" stroke-dasharray="6 4"/>
  <text x="${width - right}" y="${y(limit) - 4}" text-anchor="end" fill="#666">service limit ${limit}/s</text>
  <polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${line(sent)}"/>
  <polyline fill="none" stroke="#d62728" stroke-width="1.5" points="${line(throttled)}"/>
  <text x="${left}" y="${height - 10}">0 s</text><text x="${width - right}" y="${height - 10}" text-anchor="end">${seconds.toFixed(1)} s</text>
  <text x="${left + 10}" y="${top + 12}" fill="#1f77b4">requests/s received</text>
  <text x="${left + 10}" y="${top + 28}" fill="#d62728">429s/s</text>
</svg>
`;
}
