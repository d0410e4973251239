/**
 * Inline SVG charts, generated as strings: line charts, interval (point + error bar) charts and
 * histograms. Deterministic (fixed decimals), self-contained (no fonts or scripts), well-formed XML.
 */
import { esc } from "./format.ts";

/** A data point. */
export interface Pt {
  x: number;
  y: number;
  /** optional interval drawn as a vertical error bar */
  lo?: number;
  hi?: number;
}

/** One line of a line chart. */
export interface LineSeries {
  name: string;
  color: string;
  points: Pt[];
  dashed?: boolean;
}

/** The categorical palette (colour-blind friendly, Okabe–Ito order). */
export const PALETTE = [
  "#0072b2",
  "#e69f00",
  "#009e73",
  "#cc79a7",
  "#d55e00",
  "#56b4e9",
  "#8c6d31",
  "#555555",
  "#b8860b",
] as const;

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif"`;

/** A coordinate with one decimal (stable text). */
function c(v: number): string {
  const s = v.toFixed(1);
  return s === "-0.0" ? "0.0" : s;
}

/**
 * Tick label. With `step` (the tick spacing), as many decimals as the step needs, or exponent
 * notation for very small steps; without it, up to 3 decimals. No trailing zeros, no "-0".
 */
export function tickLabel(v: number, step?: number): string {
  if (Math.abs(v) < Math.abs(step ?? 1) * 1e-9) return "0";
  let s: string;
  if (step !== undefined && (Math.abs(step) < 1e-3 || Math.abs(v) >= 1e6)) {
    s = v.toExponential(2).replace(/\.?0+e/, "e").replace("e+", "e");
    return s;
  }
  if (step !== undefined) {
    let d = 0;
    while (d < 8 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-6) d++;
    s = v.toFixed(d);
  } else {
    const a = Math.abs(v);
    s = v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
    if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  }
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(lo / step + 1e-9) * step;
  const out: number[] = [];
  for (let v = first; v <= hi + step * 1e-6 || out.length < 2; v += step) {
    out.push(Number(v.toFixed(10)));
    if (out.length > 50) break;
  }
  if (out[out.length - 1] < hi - 1e-12) out.push(Number((first + out.length * step).toFixed(10)));
  return out;
}

/** x ticks inside [x0, x1]; whole numbers only when every x is a whole number (steps). */
function xTicks(x0: number, x1: number, integer: boolean): number[] {
  let t = niceTicks(x0, x1, 5).filter((v) => v >= x0 - 1e-9 && v <= x1 + 1e-9);
  if (integer) {
    t = t.filter((v) => Number.isInteger(v));
    if (t.length < 2) t = x1 - x0 >= 1 ? [x0, x1] : [x0];
  }
  return t;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function open(f: Frame, title: string, desc: string, subtitle?: string): string {
  return `<svg class="chart" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" ${FONT} font-size="11"><title>${
    esc(title)
  }</title><desc>${esc(desc)}</desc>` +
    `<text x="${c(Math.min(f.left, 40))}" y="14" font-size="12.5" font-weight="600" fill="#222">${
      esc(title)
    }</text>` +
    (subtitle
      ? `<text x="${c(Math.min(f.left, 40))}" y="28" font-size="11" fill="#666">${
        esc(subtitle)
      }</text>`
      : "");
}

interface LegendItem {
  name: string;
  color: string;
  dashed?: boolean;
}

/** Places legend items left to right, wrapping to new rows; returns positions and row count. */
function layoutLegend(items: LegendItem[], x0: number, xMax: number) {
  let x = x0, row = 0;
  const pos = items.map((it) => {
    const w = 24 + it.name.length * 6;
    if (x + w > xMax && x > x0) {
      x = x0;
      row++;
    }
    const p = { x, row };
    x += w;
    return p;
  });
  return { pos, rows: items.length ? row + 1 : 0 };
}

const LEGEND_Y = 30;
const LEGEND_ROW = 14;

function legend(items: LegendItem[], x0: number, xMax: number): string {
  const { pos } = layoutLegend(items, x0, xMax);
  return items.map((it, i) => {
    const x = pos[i].x, y = LEGEND_Y + pos[i].row * LEGEND_ROW;
    return `<line x1="${c(x)}" y1="${y - 4}" x2="${c(x + 16)}" y2="${
      y - 4
    }" stroke="${it.color}" stroke-width="2.5"${it.dashed ? ` stroke-dasharray="4 2"` : ""}/>` +
      `<text x="${c(x + 20)}" y="${y}" fill="#333">${esc(it.name)}</text>`;
  }).join("");
}

/** Options of a line chart. */
export interface LineChartOptions {
  title: string;
  series: LineSeries[];
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** plot x on a log2 axis (ticks at powers of two) */
  log2X?: boolean;
  /** always include y = 0 in the range */
  includeZero?: boolean;
  /** format y ticks as percent of a fraction */
  percentY?: boolean;
}

/** A line chart with axes, grid, legend and point markers (for ≤ 40 points per series). */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 296, left = 46, right = 10;
  const rows = layoutLegend(o.series, left, width - right).rows;
  const top = LEGEND_Y + 6 + Math.max(0, rows - 1) * LEGEND_ROW + 6;
  const f: Frame = { width, height: (o.height ?? 210) + top, left, right, top, bottom: 38 };
  const pts = o.series.flatMap((s) => s.points).filter((p) => isFinite(p.x) && isFinite(p.y));
  let out = open(f, o.title, `Line chart of ${o.yLabel} against ${o.xLabel}`);
  if (pts.length === 0) {
    return out +
      `<text x="${c(f.width / 2)}" y="${
        c(f.height / 2)
      }" text-anchor="middle" fill="#888">no data</text></svg>`;
  }
  const tx = (x: number) => (o.log2X ? Math.log2(x) : x);
  const xs = pts.map((p) => tx(p.x));
  let ys = pts.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]);
  if (o.includeZero) ys = ys.concat([0]);
  let x0 = Math.min(...xs), x1 = Math.max(...xs);
  if (x1 === x0) {
    x0 -= 1;
    x1 += 1;
  }
  const yt = niceTicks(Math.min(...ys), Math.max(...ys), 4);
  const y0 = yt[0], y1 = yt[yt.length - 1];
  const pw = f.width - f.left - f.right, ph = f.height - f.top - f.bottom;
  const sx = (x: number) => f.left + ((tx(x) - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => f.top + ph - ((y - y0) / (y1 - y0)) * ph;
  out += `<g stroke="#e6e6e6">`;
  for (const t of yt) {
    out += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${c(sy(t))}" y2="${c(sy(t))}"/>`;
  }
  out += `</g><g fill="#555" text-anchor="end">`;
  const yScale = o.percentY ? 100 : 1;
  const ystep = (yt[1] - yt[0]) * yScale;
  for (const t of yt) {
    out += `<text x="${f.left - 4}" y="${c(sy(t) + 3.5)}">${tickLabel(t * yScale, ystep)}</text>`;
  }
  out += `</g>`;
  const xt = o.log2X
    ? Array.from({ length: Math.round(x1 - x0) + 1 }, (_, i) => Math.pow(2, Math.round(x0) + i))
    : xTicks(x0, x1, xs.every((x) => Number.isInteger(x)));
  const xstep = xt.length > 1 ? xt[1] - xt[0] : 1;
  out += `<g fill="#555" text-anchor="middle">`;
  for (const t of xt) {
    out += `<text x="${c(sx(t))}" y="${f.height - f.bottom + 14}">${
      o.log2X ? tickLabel(t) : tickLabel(t, xstep)
    }</text>`;
  }
  out += `</g>`;
  out += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${f.height - f.bottom}" y2="${
    f.height - f.bottom
  }" stroke="#999"/>`;
  if (y0 < 0 && y1 > 0) {
    out += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${c(sy(0))}" y2="${
      c(sy(0))
    }" stroke="#999" stroke-dasharray="2 2"/>`;
  }
  out += `<text x="${c(f.left + pw / 2)}" y="${f.height - 6}" text-anchor="middle" fill="#333">${
    esc(o.xLabel)
  }</text>`;
  out += `<text transform="translate(12 ${
    c(f.top + ph / 2)
  }) rotate(-90)" text-anchor="middle" fill="#333">${esc(o.yLabel)}</text>`;
  for (const s of o.series) {
    const p = s.points.filter((q) => isFinite(q.x) && isFinite(q.y));
    if (p.length === 0) continue;
    const d = p.map((q, i) => `${i ? "L" : "M"}${c(sx(q.x))} ${c(sy(q.y))}`).join(" ");
    out += `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"${
      s.dashed ? ` stroke-dasharray="5 3"` : ""
    }><title>${esc(s.name)}</title></path>`;
    for (const q of p) {
      if (q.lo === undefined || q.hi === undefined) continue;
      out += `<line x1="${c(sx(q.x))}" x2="${c(sx(q.x))}" y1="${c(sy(q.lo))}" y2="${
        c(sy(q.hi))
      }" stroke="${s.color}" stroke-width="1.2" opacity="0.8"/>`;
    }
    if (p.length <= 40) {
      for (const q of p) {
        out += `<circle cx="${c(sx(q.x))}" cy="${c(sy(q.y))}" r="2.4" fill="${s.color}"/>`;
      }
    }
  }
  out += legend(o.series, f.left, f.width - f.right);
  return out + `</svg>`;
}

/** One row of an interval chart. */
export interface IntervalRow {
  label: string;
  point: number;
  lo?: number;
  hi?: number;
  color: string;
  /** hollow diamond marker (used for the paper's numbers) */
  reference?: boolean;
}

/** Options of an interval chart (horizontal: one row per entry, values as percent). */
export interface IntervalChartOptions {
  title: string;
  rows: IntervalRow[];
  xLabel: string;
  width?: number;
  legend?: { name: string; color: string }[];
  /** include 0 in the axis range (default true) */
  includeZero?: boolean;
}

/** Horizontal point-and-error-bar chart of fractions (shown as percent), zero line marked. */
export function intervalChart(o: IntervalChartOptions): string {
  const rowH = 20;
  const labelW = Math.min(380, 14 + Math.max(...o.rows.map((r) => r.label.length)) * 6.1);
  const f: Frame = {
    width: o.width ?? 620,
    height: 0,
    left: labelW,
    right: 16,
    top: o.legend ? 42 : 26,
    bottom: 36,
  };
  f.height = f.top + f.bottom + rowH * Math.max(1, o.rows.length);
  let out = open(f, o.title, `Point estimates with 95% intervals: ${o.xLabel}`);
  const vals = o.rows.flatMap((r) => [r.point, r.lo ?? r.point, r.hi ?? r.point])
    .concat(o.includeZero === false ? [] : [0]);
  const xt = niceTicks(Math.min(...vals), Math.max(...vals), 6);
  const x0 = xt[0], x1 = xt[xt.length - 1];
  const pw = f.width - f.left - f.right;
  const sx = (x: number) => f.left + ((x - x0) / (x1 - x0)) * pw;
  const bottom = f.height - f.bottom;
  o.rows.forEach((_, i) => {
    if (i % 2 === 0) {
      out += `<rect x="0" y="${
        c(f.top + rowH * i)
      }" width="${f.width}" height="${rowH}" fill="#f7f7f9"/>`;
    }
  });
  out += `<g stroke="#eee">`;
  for (const t of xt) {
    out += `<line x1="${c(sx(t))}" x2="${c(sx(t))}" y1="${f.top}" y2="${bottom}"/>`;
  }
  out += `</g>`;
  if (x0 <= 0 && x1 >= 0) {
    out += `<line x1="${c(sx(0))}" x2="${c(sx(0))}" y1="${f.top}" y2="${bottom}" stroke="#888"/>`;
  }
  out += `<g fill="#555" text-anchor="middle">`;
  for (const t of xt) {
    out += `<text x="${c(sx(t))}" y="${bottom + 14}">${tickLabel(t * 100)}</text>`;
  }
  out += `</g><text x="${c(f.left + pw / 2)}" y="${
    f.height - 6
  }" text-anchor="middle" fill="#333">${esc(o.xLabel)}</text>`;
  o.rows.forEach((r, i) => {
    const y = f.top + rowH * i + rowH / 2;
    out += `<text x="${c(f.left - 8)}" y="${c(y + 3.5)}" text-anchor="end" fill="${
      r.reference ? "#777" : "#222"
    }"${r.reference ? ` font-style="italic"` : ""}>${esc(r.label)}</text>`;
    if (r.lo !== undefined && r.hi !== undefined) {
      out +=
        `<line x1="${c(sx(r.lo))}" x2="${c(sx(r.hi))}" y1="${c(y)}" y2="${
          c(y)
        }" stroke="${r.color}" stroke-width="1.6"/>` +
        `<line x1="${c(sx(r.lo))}" x2="${c(sx(r.lo))}" y1="${c(y - 4)}" y2="${
          c(y + 4)
        }" stroke="${r.color}"/>` +
        `<line x1="${c(sx(r.hi))}" x2="${c(sx(r.hi))}" y1="${c(y - 4)}" y2="${
          c(y + 4)
        }" stroke="${r.color}"/>`;
    }
    const px = sx(r.point);
    const tip = `${r.label}: ${(r.point * 100).toFixed(1)}` +
      (r.lo !== undefined && r.hi !== undefined
        ? ` [${(r.lo * 100).toFixed(1)}, ${(r.hi * 100).toFixed(1)}]`
        : "");
    out += r.reference
      ? `<path d="M${c(px)} ${c(y - 5)} L${c(px + 5)} ${c(y)} L${c(px)} ${c(y + 5)} L${c(px - 5)} ${
        c(y)
      } Z" fill="#fff" stroke="${r.color}" stroke-width="1.6"><title>${esc(tip)}</title></path>`
      : `<circle cx="${c(px)}" cy="${c(y)}" r="4.2" fill="${r.color}"><title>${
        esc(tip)
      }</title></circle>`;
  });
  if (o.legend) out += legend(o.legend, 40, f.width - f.right);
  return out + `</svg>`;
}

/** Options of a histogram. */
export interface HistogramOptions {
  title: string;
  subtitle?: string;
  edges: number[];
  counts: number[];
  color: string;
  xLabel: string;
  width?: number;
  height?: number;
}

/** A histogram of bin fractions (bars over [edges[i], edges[i+1]]). */
export function histogramChart(o: HistogramOptions): string {
  const f: Frame = {
    width: o.width ?? 260,
    height: o.height ?? 184,
    left: 38,
    right: 10,
    top: o.subtitle ? 38 : 24,
    bottom: 34,
  };
  const total = o.counts.reduce((a, b) => a + b, 0);
  const fr = o.counts.map((k) => (total > 0 ? k / total : 0));
  let out = open(f, o.title, `Histogram of ${o.xLabel}, percent of problems per bin`, o.subtitle);
  const yt = niceTicks(0, Math.max(0.05, ...fr), 4);
  const y1 = yt[yt.length - 1];
  const x0 = o.edges[0], x1 = o.edges[o.edges.length - 1];
  const pw = f.width - f.left - f.right, ph = f.height - f.top - f.bottom;
  const sx = (x: number) => f.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => f.top + ph - (y / y1) * ph;
  out += `<g stroke="#eee">`;
  for (const t of yt) {
    out += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${c(sy(t))}" y2="${c(sy(t))}"/>`;
  }
  out += `</g><g fill="#555" text-anchor="end">`;
  for (const t of yt) {
    out += `<text x="${f.left - 4}" y="${c(sy(t) + 3.5)}">${tickLabel(t * 100)}</text>`;
  }
  out += `</g>`;
  fr.forEach((v, i) => {
    const a = sx(o.edges[i]) + 0.5, b = sx(o.edges[i + 1]) - 0.5;
    out += `<rect x="${c(a)}" y="${c(sy(v))}" width="${c(Math.max(0, b - a))}" height="${
      c(sy(0) - sy(v))
    }" fill="${o.color}"><title>${o.edges[i].toFixed(2)}–${o.edges[i + 1].toFixed(2)}: ${
      (v * 100).toFixed(1)
    }% (${o.counts[i]})</title></rect>`;
  });
  out += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${c(sy(0))}" y2="${
    c(sy(0))
  }" stroke="#999"/>`;
  out += `<g fill="#555" text-anchor="middle">`;
  for (const t of [x0, (x0 + x1) / 2, x1]) {
    out += `<text x="${c(sx(t))}" y="${f.height - f.bottom + 13}">${tickLabel(t)}</text>`;
  }
  out += `</g><text x="${c(f.left + pw / 2)}" y="${
    f.height - 5
  }" text-anchor="middle" fill="#333">${esc(o.xLabel)}</text>`;
  return out + `</svg>`;
}
