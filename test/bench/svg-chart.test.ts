/**
 * The chart writer: every chart must be well-formed SVG (checked by a real
 * XML parser, Chromium's DOMParser, as a browser or an image viewer would
 * read the file), show its axes, series and marks, and put each value where
 * the axis says it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page, chromium } from 'playwright-core';
import { type Mark, PLOT, type Series, barChart, compact, escapeXml, lineChart, linearScale, logScale } from '../../bench/svg-chart.ts';

interface Parsed {
  error: string | null;
  root: { name: string; width: string | null; height: string | null; viewBox: string | null };
  title: string | null;
  xTicks: string[];
  yTicks: string[];
  labels: string[];
  series: Array<{ name: string | null; path: boolean; points: Array<{ x: number; y: number; cx: number; cy: number; tip: string }> }>;
  marks: Array<{ y: number; y1: number; text: string }>;
  bars: Array<{ label: string | null; value: number; y: number; height: number }>;
}

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu'] });
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
});

/** Parses the SVG as XML in Chromium and reads back what a viewer would show. */
function parse(svg: string): Promise<Parsed> {
  return page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const error = doc.querySelector('parsererror');
    const root = doc.documentElement;
    const texts = (selector: string) => [...doc.querySelectorAll(selector)].map((e) => e.textContent ?? '');
    const num = (e: Element, name: string) => Number(e.getAttribute(name));
    return {
      error: error ? (error.textContent ?? 'parsererror') : null,
      root: {
        name: `${root.namespaceURI} ${root.localName}`,
        width: root.getAttribute('width'),
        height: root.getAttribute('height'),
        viewBox: root.getAttribute('viewBox'),
      },
      title: doc.querySelector('svg > title')?.textContent ?? null,
      xTicks: texts('g.axis.x text.tick'),
      yTicks: texts('g.axis.y text.tick'),
      labels: texts('g.axis text.label'),
      series: [...doc.querySelectorAll('g.series:not(.bar)')].map((g) => ({
        name: g.getAttribute('data-series'),
        path: g.querySelector('path') !== null,
        points: [...g.querySelectorAll('circle')].map((c) => ({
          x: num(c, 'data-x'),
          y: num(c, 'data-y'),
          cx: num(c, 'cx'),
          cy: num(c, 'cy'),
          tip: c.querySelector('title')?.textContent ?? '',
        })),
      })),
      marks: [...doc.querySelectorAll('g.mark')].map((m) => ({
        y: num(m, 'data-y'),
        y1: num(m.querySelector('line')!, 'y1'),
        text: m.querySelector('text')?.textContent ?? '',
      })),
      bars: [...doc.querySelectorAll('g.series.bar')].map((g) => {
        const rect = g.querySelector('rect')!;
        return { label: g.getAttribute('data-series'), value: num(rect, 'data-y'), y: num(rect, 'y'), height: num(rect, 'height') };
      }),
    };
  }, svg);
}

/** A line chart on linear axes named x and y. */
function linear(series: Series[], marks?: Mark[]): string {
  return lineChart({ title: 't', x: { label: 'x', scale: 'linear' }, y: { label: 'y', scale: 'linear' }, series, marks });
}

describe('lineChart', () => {
  it('writes a well-formed SVG with a title, both axes with their labels and ticks, and one group per series', async () => {
    const svg = lineChart({
      title: 'Deliveries',
      subtitle: 'a run',
      x: { label: 'offered', scale: 'linear' },
      y: { label: 'achieved', scale: 'linear' },
      series: [
        { name: 'baseline', points: [[0, 0], [5, 50], [10, 100]] },
        { name: 'server', points: [[0, 0], [10, 90]] },
      ],
    });
    const p = await parse(svg);
    expect(p.error).toBeNull();
    expect(p.root).toEqual({ name: 'http://www.w3.org/2000/svg svg', width: '720', height: '420', viewBox: '0 0 720 420' });
    expect(p.title).toBe('Deliveries');
    expect(p.labels).toEqual(['offered', 'achieved']);
    expect(p.xTicks.length).toBeGreaterThanOrEqual(3);
    expect(p.yTicks.length).toBeGreaterThanOrEqual(3);
    expect(p.series.map((s) => [s.name, s.path, s.points.length])).toEqual([
      ['baseline', true, 3],
      ['server', true, 2],
    ]);
  });

  it('maps values onto the plot area: the least at the bottom left, the greatest at the top right, the middle between', async () => {
    const p = await parse(linear([{ name: 's', points: [[10, 100], [0, 0], [5, 50]] }]));
    const at = (x: number) => p.series[0]!.points.find((q) => q.x === x)!;
    expect(at(0)).toMatchObject({ cx: PLOT.left, cy: PLOT.bottom });
    expect(at(10)).toMatchObject({ cx: PLOT.right, cy: PLOT.top });
    expect(at(5).cx).toBeCloseTo((PLOT.left + PLOT.right) / 2, 0);
    expect(at(5).cy).toBeCloseTo((PLOT.top + PLOT.bottom) / 2, 0);
    // Drawn left to right, whatever order the points came in.
    expect(p.series[0]!.points.map((q) => q.x)).toEqual([0, 5, 10]);
    expect(at(5).tip).toBe('s: y 50, x 5');
  });

  it('spaces each decade equally on a log axis and leaves out what a log axis cannot show', async () => {
    const p = await parse(
      lineChart({
        title: 't',
        x: { label: 'x', scale: 'log' },
        y: { label: 'y', scale: 'log' },
        series: [{ name: 's', points: [[1e3, 1], [1e4, 10], [1e5, 100], [0, 5], [1e6, Number.NaN], [1e6, -1]] }],
      }),
    );
    const pts = p.series[0]!.points;
    expect(pts.map((q) => q.x)).toEqual([1e3, 1e4, 1e5]);
    expect(pts[1]!.cx - pts[0]!.cx).toBeCloseTo(pts[2]!.cx - pts[1]!.cx, 0);
    expect(pts[0]!.cy - pts[1]!.cy).toBeCloseTo(pts[1]!.cy - pts[2]!.cy, 0);
    expect(pts[0]!.cx).toBeLessThan(pts[1]!.cx);
    expect(pts[0]!.cy).toBeGreaterThan(pts[1]!.cy);
    expect(p.xTicks).toEqual(expect.arrayContaining(['1k', '10k', '100k']));
  });

  it('draws a reference line at its value, with its text', async () => {
    const p = await parse(linear([{ name: 's', points: [[0, 0], [1, 200]] }], [{ y: 100, label: 'target' }]));
    expect(p.marks).toEqual([{ y: 100, y1: (PLOT.top + PLOT.bottom) / 2, text: 'target (100)' }]);
  });

  it('escapes names and titles so that any text stays well-formed', async () => {
    const name = `a<b & "c" 'd'>`;
    const p = await parse(lineChart({ title: name, x: { label: name, scale: 'linear' }, y: { label: 'y', scale: 'linear' }, series: [{ name, points: [[1, 1]] }] }));
    expect(p.error).toBeNull();
    expect(p.title).toBe(name);
    expect(p.series[0]!.name).toBe(name);
  });

  it('still draws the axes when no series has a point', async () => {
    const p = await parse(lineChart({ title: 't', x: { label: 'x', scale: 'log' }, y: { label: 'y', scale: 'linear' }, series: [{ name: 's', points: [] }] }));
    expect(p.error).toBeNull();
    expect(p.labels).toEqual(['x', 'y']);
    expect(p.series[0]!.points).toEqual([]);
  });
});

describe('barChart', () => {
  it('draws one bar per value, heights in proportion from zero, and each bar its own target', async () => {
    const p = await parse(
      barChart({
        title: 'Memory',
        yLabel: 'KiB',
        bars: [
          { label: 'baseline', value: 10 },
          { label: 'server', value: 20, target: { value: 15, label: 'target' } },
        ],
      }),
    );
    expect(p.error).toBeNull();
    expect(p.title).toBe('Memory');
    expect(p.bars.map((b) => [b.label, b.value])).toEqual([
      ['baseline', 10],
      ['server', 20],
    ]);
    const [a, b] = p.bars;
    expect(a!.y + a!.height).toBeCloseTo(PLOT.bottom, 0);
    expect(b!.y + b!.height).toBeCloseTo(PLOT.bottom, 0);
    expect(b!.height / a!.height).toBeCloseTo(2, 2);
    expect(p.marks).toHaveLength(1);
    expect(p.marks[0]!.y).toBe(15);
    // The target line sits between the two bars' tops.
    expect(p.marks[0]!.y1).toBeLessThan(a!.y);
    expect(p.marks[0]!.y1).toBeGreaterThan(b!.y);
  });
});

describe('scales and text', () => {
  it('gives round linear ticks that cover the values', () => {
    const s = linearScale([3, 87], [0, 100]);
    expect(s.ticks).toEqual([0, 20, 40, 60, 80, 100]);
    expect(s.domain).toEqual([0, 100]);
    expect(s(50)).toBe(50);
    expect(s(s.domain[0])).toBe(0);
    expect(s(s.domain[1])).toBe(100);
  });

  it('gives a log scale that spans whole decades around the values', () => {
    const s = logScale([2_000, 300_000], [0, 300]);
    expect(s.domain).toEqual([1_000, 1_000_000]);
    expect(s(10_000)).toBeCloseTo(100);
    expect(s.ticks).toEqual([1_000, 10_000, 100_000, 1_000_000]);
  });

  it('writes numbers compactly', () => {
    expect([0.25, 7, 1500, 2_000_000, 10_749_240].map(compact)).toEqual(['0.25', '7', '1.5k', '2M', '10.7M']);
  });

  it('escapes the five XML special characters', () => {
    expect(escapeXml(`<&>"'`)).toBe('&#60;&#38;&#62;&#34;&#39;');
  });
});
