/**
 * A small SVG chart writer for the benchmark's figures: line charts on
 * linear or logarithmic axes, and bar charts, with a title, axes, ticks, a
 * legend and optional reference lines (targets). Pure: numbers in, SVG text
 * out. No charting framework: the bench needs four kinds of picture, and a
 * page of code that draws them is easier to trust than a dependency.
 *
 * Every drawn point carries its values (data-x, data-y) and a tooltip, so a
 * reader (or a test) can check what a mark stands for.
 */

export type ScaleKind = 'linear' | 'log';

export interface Axis {
  label: string;
  scale: ScaleKind;
  /** Tick positions to use instead of computed ones (e.g. the sizes measured). */
  ticks?: number[];
  /** Tick text (default: compact numbers, 1.5k, 2M). */
  format?: (value: number) => string;
}

export interface Series {
  name: string;
  /** [x, y]; points that the axis cannot show (non-finite, ≤ 0 on a log axis) are left out. */
  points: Array<readonly [number, number]>;
  color?: string;
  dashed?: boolean;
  /** false: markers only, e.g. measurements that are not a sequence (default true). */
  line?: boolean;
}

/** A horizontal reference line across the plot, e.g. a target. */
export interface Mark {
  y: number;
  label: string;
}

export interface LineChartSpec {
  title: string;
  /** A second line under the title: where the figures come from. */
  subtitle?: string;
  x: Axis;
  y: Axis;
  series: Series[];
  marks?: Mark[];
}

export interface Bar {
  label: string;
  value: number;
  color?: string;
  /** A limit drawn over this bar only (dashed), with its text. */
  target?: { value: number; label: string };
}

export interface BarChartSpec {
  title: string;
  subtitle?: string;
  yLabel: string;
  bars: Bar[];
  format?: (value: number) => string;
}

/** Size of every chart, in SVG user units (pixels when shown at 100 %). */
export const WIDTH = 720;
export const HEIGHT = 420;
/** The plot area inside the chart: room for the title and three rows of legend above, the axes' labels around. */
export const PLOT = { left: 78, right: WIDTH - 24, top: 116, bottom: HEIGHT - 58 } as const;
/** Where the legend's first row is, and how far apart its rows are. */
const LEGEND_Y = 62;
const LEGEND_ROW = 17;

/** Colour-blind-safe colours (Okabe–Ito), in the order series get them. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000'] as const;

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/** Maps a value of the domain to a position of the range; `ticks` are the values to label. */
export interface Scale {
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly ticks: readonly number[];
}

/** Text safe inside an element or an attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** 1500 → "1.5k", 2e6 → "2M", 0.25 → "0.25": tick and value text. */
export function compact(value: number): string {
  const abs = Math.abs(value);
  const trim = (n: number) => String(Number(n.toPrecision(3)));
  if (abs >= 1e9) return `${trim(value / 1e9)}G`;
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

/** A step of 1, 2 or 5 × 10^k that cuts `span` into about `count` parts. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

/**
 * A linear scale over the values, from 0 (bars and counts start there) or
 * from below the least value when all are far from 0, widened to round ticks.
 */
export function linearScale(values: readonly number[], range: readonly [number, number], fixedTicks?: readonly number[]): Scale {
  const finite = values.filter(Number.isFinite);
  let lo = Math.min(0, ...finite);
  let hi = Math.max(...finite, ...(fixedTicks ?? []));
  if (!Number.isFinite(hi) || hi <= lo) hi = lo + 1;
  const step = niceStep(hi - lo, 5);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const ticks = fixedTicks ? [...fixedTicks] : Array.from({ length: Math.round((hi - lo) / step) + 1 }, (_, i) => lo + i * step);
  const [a, b] = range;
  const scale = ((v: number) => a + ((v - lo) / (hi - lo)) * (b - a)) as Scale;
  return Object.assign(scale, { domain: [lo, hi] as const, ticks });
}

/**
 * A logarithmic scale over the positive values, from the decade below the
 * least to the decade above the greatest. Ticks at each decade, and at 2
 * and 5 times it when the values span few decades.
 */
export function logScale(values: readonly number[], range: readonly [number, number], fixedTicks?: readonly number[]): Scale {
  const positive = [...values, ...(fixedTicks ?? [])].filter((v) => Number.isFinite(v) && v > 0);
  let lo = positive.length > 0 ? 10 ** Math.floor(Math.log10(Math.min(...positive))) : 1;
  let hi = positive.length > 0 ? 10 ** Math.ceil(Math.log10(Math.max(...positive))) : 10;
  if (hi <= lo) hi = lo * 10;
  const decades = Math.round(Math.log10(hi / lo));
  let ticks: number[];
  if (fixedTicks) ticks = [...fixedTicks];
  else {
    ticks = [];
    const steps = decades <= 2 ? [1, 2, 5] : [1];
    for (let d = lo; d <= hi * 1.0001; d *= 10) for (const m of steps) if (d * m <= hi * 1.0001) ticks.push(Number((d * m).toPrecision(6)));
  }
  // With fixed ticks the domain only needs to hold them and the values.
  if (fixedTicks && positive.length > 0) {
    lo = Math.min(...positive) / 1.25;
    hi = Math.max(...positive) * 1.25;
  }
  const [a, b] = range;
  const l0 = Math.log10(lo);
  const l1 = Math.log10(hi);
  const scale = ((v: number) => a + ((Math.log10(v) - l0) / (l1 - l0)) * (b - a)) as Scale;
  return Object.assign(scale, { domain: [lo, hi] as const, ticks });
}

function makeScale(axis: Axis, values: number[], range: readonly [number, number]): Scale {
  return axis.scale === 'log' ? logScale(values, range, axis.ticks) : linearScale(values, range, axis.ticks);
}

/** Whether an axis of this kind can show the value. */
function drawable(kind: ScaleKind, v: number): boolean {
  return Number.isFinite(v) && (kind === 'linear' || v > 0);
}

const n = (v: number) => String(Math.round(v * 10) / 10);

/** How the chart's lines look: axes, grid, reference marks. */
const AXIS = 'stroke="#333"';
const GRID = 'class="grid" stroke="#e5e5e5"';
const MARK = 'stroke="#C00000" stroke-width="1.5" stroke-dasharray="4 3"';
/** A series drawn dashed (its legend too). */
const DASHED = 'stroke-dasharray="6 4"';

function line(x1: number, y1: number, x2: number, y2: number, look: string): string {
  return `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" ${look}/>`;
}

function header(title: string, subtitle: string | undefined): string[] {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" ${FONT} font-size="12">`,
    `<title id="chart-title">${escapeXml(title)}</title>`,
    `<desc id="chart-desc">${escapeXml(subtitle ?? title)}</desc>`,
    // A background of its own: the chart reads the same on a light or a dark page.
    `<rect class="background" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text class="title" x="${PLOT.left}" y="24" font-size="16" font-weight="600" fill="#222">${escapeXml(title)}</text>`,
  ];
  if (subtitle) out.push(`<text class="subtitle" x="${PLOT.left}" y="42" fill="#666">${escapeXml(subtitle)}</text>`);
  return out;
}

/** A label under the x axis at `x`: a tick's value, or a bar's name. */
function xTickText(x: number, text: string): string {
  return `<text class="tick" x="${n(x)}" y="${PLOT.bottom + 18}" text-anchor="middle" fill="#333">${escapeXml(text)}</text>`;
}

function xAxis(scale: Scale, axis: Axis): string[] {
  const fmt = axis.format ?? compact;
  const out = [`<g class="axis x">`, line(PLOT.left, PLOT.bottom, PLOT.right, PLOT.bottom, AXIS)];
  for (const t of scale.ticks) {
    const x = scale(t);
    out.push(line(x, PLOT.top, x, PLOT.bottom, GRID), line(x, PLOT.bottom, x, PLOT.bottom + 5, AXIS), xTickText(x, fmt(t)));
  }
  out.push(
    `<text class="label" x="${n((PLOT.left + PLOT.right) / 2)}" y="${HEIGHT - 16}" text-anchor="middle" fill="#222">${escapeXml(axis.label)}</text>`,
    `</g>`,
  );
  return out;
}

function yAxis(scale: Scale, label: string, format: (v: number) => string): string[] {
  const out = [`<g class="axis y">`, line(PLOT.left, PLOT.top, PLOT.left, PLOT.bottom, AXIS)];
  for (const t of scale.ticks) {
    const y = scale(t);
    out.push(
      line(PLOT.left, y, PLOT.right, y, GRID),
      line(PLOT.left - 5, y, PLOT.left, y, AXIS),
      `<text class="tick" x="${PLOT.left - 8}" y="${n(y)}" dy="0.32em" text-anchor="end" fill="#333">${escapeXml(format(t))}</text>`,
    );
  }
  const cy = n((PLOT.top + PLOT.bottom) / 2);
  out.push(
    `<text class="label" x="18" y="${cy}" transform="rotate(-90 18 ${cy})" text-anchor="middle" fill="#222">${escapeXml(label)}</text>`,
    `</g>`,
  );
  return out;
}

function legend(entries: Array<{ name: string; color: string; dashed?: boolean; line?: boolean }>): string[] {
  const out = [`<g class="legend">`];
  let x = PLOT.left;
  let y = LEGEND_Y;
  for (const e of entries) {
    // An estimate of the text's width: system fonts are about 0.6 em per character.
    const width = 28 + Math.ceil(e.name.length * 7);
    if (x > PLOT.left && x + width > PLOT.right) {
      x = PLOT.left;
      y += LEGEND_ROW;
    }
    out.push(
      e.line === false
        ? `<circle cx="${x + 11}" cy="${y}" r="3.5" fill="${e.color}"/>`
        : line(x, y, x + 22, y, `stroke="${e.color}" stroke-width="2.5"${e.dashed ? ` ${DASHED}` : ''}`),
      `<text x="${x + 28}" y="${y}" dy="0.32em" fill="#222">${escapeXml(e.name)}</text>`,
    );
    x += width + 18;
  }
  out.push(`</g>`);
  return out;
}

/** A dashed reference line for `value`, from x1 to x2 at height y, its text above its right end. */
function mark(value: number, y: number, x1: number, x2: number, text: string): string[] {
  // At the very top of the plot the text goes under the line, not into the legend.
  const dy = y - PLOT.top < 14 ? '1.1em' : '-0.4em';
  return [
    `<g class="mark" data-y="${value}">`,
    line(x1, y, x2, y, MARK),
    `<text x="${n(x2)}" y="${n(y)}" dy="${dy}" text-anchor="end" fill="#C00000">${escapeXml(text)}</text>`,
    `</g>`,
  ];
}

function marks(list: readonly Mark[], scale: Scale, kind: ScaleKind, format: (v: number) => string): string[] {
  return list.filter((m) => drawable(kind, m.y)).flatMap((m) => mark(m.y, scale(m.y), PLOT.left, PLOT.right, `${m.label} (${format(m.y)})`));
}

export function lineChart(spec: LineChartSpec): string {
  const kept = spec.series.map((s, i) => ({
    ...s,
    color: s.color ?? PALETTE[i % PALETTE.length]!,
    points: s.points.filter(([x, y]) => drawable(spec.x.scale, x) && drawable(spec.y.scale, y)).sort((a, b) => a[0] - b[0]),
  }));
  const xs = kept.flatMap((s) => s.points.map((p) => p[0]));
  const ys = [...kept.flatMap((s) => s.points.map((p) => p[1])), ...(spec.marks ?? []).map((m) => m.y)];
  const x = makeScale(spec.x, xs, [PLOT.left, PLOT.right]);
  const y = makeScale(spec.y, ys, [PLOT.bottom, PLOT.top]);
  const fx = spec.x.format ?? compact;
  const fy = spec.y.format ?? compact;
  const out = [
    ...header(spec.title, spec.subtitle),
    ...xAxis(x, spec.x),
    ...yAxis(y, spec.y.label, fy),
    ...marks(spec.marks ?? [], y, spec.y.scale, fy),
  ];
  for (const s of kept) {
    out.push(`<g class="series" data-series="${escapeXml(s.name)}">`);
    if (s.line !== false && s.points.length > 1) {
      const d = s.points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${n(x(px))},${n(y(py))}`).join(' ');
      out.push(
        `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5" stroke-linejoin="round"${s.dashed ? ` ${DASHED}` : ''}/>`,
      );
    }
    for (const [px, py] of s.points) {
      out.push(
        `<circle cx="${n(x(px))}" cy="${n(y(py))}" r="3.5" fill="${s.color}" data-x="${px}" data-y="${py}"><title>${escapeXml(`${s.name}: ${spec.y.label} ${fy(py)}, ${spec.x.label} ${fx(px)}`)}</title></circle>`,
      );
    }
    out.push(`</g>`);
  }
  out.push(...legend(kept), `</svg>`);
  return out.join('\n') + '\n';
}

export function barChart(spec: BarChartSpec): string {
  const format = spec.format ?? compact;
  const values = spec.bars.flatMap((b) => [b.value, b.target?.value ?? 0]);
  const y = linearScale(values, [PLOT.bottom, PLOT.top]);
  const slot = (PLOT.right - PLOT.left) / Math.max(1, spec.bars.length);
  const width = Math.min(120, slot * 0.6);
  const out = [...header(spec.title, spec.subtitle), ...yAxis(y, spec.yLabel, format)];
  out.push(`<g class="axis x">`, line(PLOT.left, PLOT.bottom, PLOT.right, PLOT.bottom, AXIS));
  spec.bars.forEach((b, i) => out.push(xTickText(PLOT.left + slot * (i + 0.5), b.label)));
  out.push(`</g>`);
  spec.bars.forEach((b, i) => {
    const color = b.color ?? PALETTE[i % PALETTE.length]!;
    const cx = PLOT.left + slot * (i + 0.5);
    const top = y(Math.max(0, b.value));
    out.push(
      `<g class="series bar" data-series="${escapeXml(b.label)}">`,
      `<rect x="${n(cx - width / 2)}" y="${n(top)}" width="${n(width)}" height="${n(PLOT.bottom - top)}" fill="${color}" data-y="${b.value}"><title>${escapeXml(`${b.label}: ${format(b.value)}`)}</title></rect>`,
      `<text class="value" x="${n(cx)}" y="${n(top - 6)}" text-anchor="middle" fill="#222">${escapeXml(format(b.value))}</text>`,
    );
    if (b.target) {
      const { value, label } = b.target;
      out.push(...mark(value, y(value), cx - slot / 2 + 6, cx + slot / 2 - 6, `${label} (${format(value)})`));
    }
    out.push(`</g>`);
  });
  out.push(`</svg>`);
  return out.join('\n') + '\n';
}
