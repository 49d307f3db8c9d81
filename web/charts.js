// SPDX-License-Identifier: Apache-2.0
// Charts as SVG elements (createElementNS), coloured by CSS classes: nothing inline.
import { svg, h } from './dom.js';

// Horizontal stacked bars. rows: [{label, href, parts: [{cls, value, title}]}].
export function barChart(rows, { width = 560, barHeight = 18, gap = 6, labelWidth = 170, testid } = {}) {
  const max = Math.max(1, ...rows.map((r) => r.parts.reduce((a, p) => a + p.value, 0)));
  const height = rows.length * (barHeight + gap) + gap;
  const plot = width - labelWidth - 50;
  const root = svg('svg', {
    class: 'chart bars', viewBox: `0 0 ${width} ${height}`, role: 'img', 'data-testid': testid,
    'aria-label': rows.map((r) => `${r.label}: ${r.parts.map((p) => p.value).join('/')}`).join('; '),
  });
  rows.forEach((r, i) => {
    const y = gap + i * (barHeight + gap);
    const g = svg('g', { class: 'row' });
    g.append(svg('text', { x: labelWidth - 6, y: y + barHeight - 5, 'text-anchor': 'end' }, r.label));
    g.append(svg('rect', { class: 'bar-bg', x: labelWidth, y, width: plot, height: barHeight }));
    let x = labelWidth;
    for (const p of r.parts) {
      if (p.value <= 0) continue;
      const w = Math.max(1, (p.value / max) * plot);
      g.append(svg('rect', { class: `bar ${p.cls}`, x, y, width: w, height: barHeight, 'data-value': p.value },
        svg('title', null, p.title || String(p.value))));
      x += w;
    }
    const total = r.parts.reduce((a, p) => a + p.value, 0);
    g.append(svg('text', { x: x + 4, y: y + barHeight - 5 }, String(r.total ?? total)));
    root.append(r.href ? svg('a', { href: r.href }, g) : g);
  });
  return root;
}

// A line chart of daily series. days: ['YYYY-MM-DD', ...]; series: [{key, cls, label, values}].
export function lineChart(days, series, { width = 720, height = 240, testid } = {}) {
  const left = 44, right = 12, top = 12, bottom = 34;
  const plotW = width - left - right, plotH = height - top - bottom;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const ticks = niceTicks(max);
  const top_ = ticks[ticks.length - 1];
  const xAt = (i) => left + (days.length <= 1 ? plotW / 2 : (i * plotW) / (days.length - 1));
  const yAt = (v) => top + plotH - (v / top_) * plotH;
  const root = svg('svg', { class: 'chart trend', viewBox: `0 0 ${width} ${height}`, role: 'img', 'data-testid': testid,
    'aria-label': series.map((s) => `${s.label}: ${s.values.join(', ')}`).join('; ') });
  for (const v of ticks) {
    root.append(svg('line', { class: 'axis', x1: left, x2: width - right, y1: yAt(v), y2: yAt(v) }));
    root.append(svg('text', { x: left - 6, y: yAt(v) + 4, 'text-anchor': 'end' }, String(v)));
  }
  const every = Math.max(1, Math.ceil(days.length / 8));
  days.forEach((d, i) => {
    if (i % every !== 0 && i !== days.length - 1) return;
    root.append(svg('text', { x: xAt(i), y: height - 12, 'text-anchor': 'middle' }, d.slice(5)));
  });
  for (const s of series) {
    const pts = s.values.map((v, i) => `${xAt(i).toFixed(1)},${yAt(v).toFixed(1)}`).join(' ');
    root.append(svg('polyline', { class: `line ${s.cls}`, points: pts, 'data-series': s.key }));
    s.values.forEach((v, i) => {
      root.append(svg('circle', { class: `dot ${s.cls}`, cx: xAt(i), cy: yAt(v), r: 3 },
        svg('title', null, `${days[i]} ${s.label}: ${v}`)));
    });
  }
  return root;
}

export function legend(items) {
  return h('div', { class: 'legend' }, items.map((i) => h('span', null, h('span', { class: `key ${i.cls}` }), i.label)));
}

function niceTicks(max) {
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = 0; v <= max + step - 1e-9; v += step) out.push(Math.round(v));
  if (out.length < 2) out.push(Math.round(step));
  return out;
}
