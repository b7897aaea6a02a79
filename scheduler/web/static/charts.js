// Plain SVG charts for the dashboard (no library, nothing inline: colours are set through the
// DOM, which the Content-Security-Policy allows).
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const PALETTE = ["#7a3b69", "#1f77b4", "#e07b00", "#2ca02c", "#d62728", "#8c564b", "#17becf", "#bcbd22", "#555", "#9467bd"];

function svgEl(name, attrs, parent) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

function niceTicks(lo, hi, count) {
  if (!(hi > lo)) { hi = lo + 1; }
  const step0 = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0);
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toFixed(10));
  return ticks;
}

// A line chart: series = [{name, xs, ys, color?, dashed?}]. Returns a <div> with the <svg> (id
// opts.id) and its legend below it.
function lineChart(series, opts) {
  const w = opts.width || 520, h = opts.height || 260, m = { l: 48, r: 12, t: 26, b: 34 };
  const box = document.createElement("div");
  box.className = "chart-box";
  const svg = svgEl("svg", { class: "chart", width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: "img" }, box);
  const legend = document.createElement("div");
  legend.className = "legend";
  box.appendChild(legend);
  if (opts.id) svg.id = opts.id;
  const xs = series.flatMap((s) => s.xs), ys = series.flatMap((s) => s.ys).filter(Number.isFinite);
  let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (!xs.length) { x0 = 0; x1 = 1; }
  if (!ys.length) { y0 = 0; y1 = 1; }
  if (opts.yMin !== undefined) y0 = Math.min(y0, opts.yMin);
  if (opts.yMax !== undefined) y1 = Math.max(y1, opts.yMax);
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y1 = y0 + 1; }
  const X = (x) => m.l + (x - x0) / (x1 - x0) * (w - m.l - m.r);
  const Y = (y) => h - m.b - (y - y0) / (y1 - y0) * (h - m.t - m.b);
  svgEl("text", { x: m.l, y: 16 }, svg).textContent = opts.title || "";
  for (const t of niceTicks(y0, y1, 5)) {
    svgEl("line", { class: "gridline", x1: m.l, x2: w - m.r, y1: Y(t), y2: Y(t) }, svg);
    svgEl("text", { x: m.l - 6, y: Y(t) + 4, "text-anchor": "end" }, svg).textContent = String(t);
  }
  for (const t of niceTicks(x0, x1, 6)) {
    if (opts.integerX && !Number.isInteger(t)) continue;
    svgEl("text", { x: X(t), y: h - m.b + 16, "text-anchor": "middle" }, svg).textContent = String(t);
  }
  svgEl("text", { x: w - m.r, y: h - 4, "text-anchor": "end" }, svg).textContent = opts.xLabel || "";
  svgEl("line", { class: "axis", x1: m.l, x2: m.l, y1: m.t, y2: h - m.b }, svg);
  svgEl("line", { class: "axis", x1: m.l, x2: w - m.r, y1: h - m.b, y2: h - m.b }, svg);
  series.forEach((s, i) => {
    const color = s.color || PALETTE[i % PALETTE.length];
    const pts = s.xs.map((x, j) => [x, s.ys[j]]).filter((p) => Number.isFinite(p[1]));
    const path = svgEl("path", { class: "series", d: pts.map((p, j) => `${j ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join("") }, svg);
    path.style.stroke = color;
    if (s.dashed) path.setAttribute("stroke-dasharray", "5 3");
    if (pts.length === 1) {
      const c = svgEl("circle", { cx: X(pts[0][0]), cy: Y(pts[0][1]), r: 3 }, svg);
      c.style.fill = color;
    }
    const entry = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = color;
    if (s.dashed) swatch.className = "dashed";
    entry.append(swatch, s.name);
    legend.appendChild(entry);
  });
  return box;
}

// Parallel coordinates: axes = [{name, values: [...per line], numeric}], lines coloured by the
// last axis (the score); labels = one per line.
function parallelCoordinates(axes, labels, opts) {
  const w = opts.width || Math.max(520, axes.length * 140), h = opts.height || 300, m = { l: 50, r: 50, t: 30, b: 30 };
  const svg = svgEl("svg", { class: "chart", width: w, height: h, viewBox: `0 0 ${w} ${h}` });
  if (opts.id) svg.id = opts.id;
  const ax = (i) => m.l + i * (w - m.l - m.r) / Math.max(1, axes.length - 1);
  const scales = axes.map((a) => {
    if (a.numeric) {
      const v = a.values.filter(Number.isFinite);
      const lo = Math.min(...v), hi = Math.max(...v);
      return { pos: (x) => (hi === lo ? 0.5 : (x - lo) / (hi - lo)), ticks: [lo, hi] };
    }
    const cats = [...new Set(a.values)].sort();
    return { pos: (x) => (cats.length === 1 ? 0.5 : cats.indexOf(x) / (cats.length - 1)), ticks: cats };
  });
  const Y = (p) => h - m.b - p * (h - m.t - m.b);
  const score = axes[axes.length - 1];
  const sv = score.values.filter(Number.isFinite), slo = Math.min(...sv), shi = Math.max(...sv);
  labels.forEach((label, li) => {
    const d = axes.map((a, i) => `${i ? "L" : "M"}${ax(i).toFixed(1)},${Y(scales[i].pos(a.values[li])).toFixed(1)}`).join("");
    const path = svgEl("path", { class: "series", d }, svg);
    const t = shi === slo ? 1 : (score.values[li] - slo) / (shi - slo);
    path.style.stroke = `hsl(${(t * 120).toFixed(0)}, 60%, 42%)`;
    svgEl("title", {}, path).textContent = label;
  });
  axes.forEach((a, i) => {
    svgEl("line", { class: "axis", x1: ax(i), x2: ax(i), y1: m.t, y2: h - m.b }, svg);
    svgEl("text", { x: ax(i), y: 16, "text-anchor": "middle" }, svg).textContent = a.name;
    for (const t of scales[i].ticks) {
      const txt = typeof t === "number" ? (+t.toPrecision(3)).toString() : t;
      svgEl("text", { x: ax(i) + 4, y: Y(scales[i].pos(t)) + 4 }, svg).textContent = txt;
    }
  });
  return svg;
}
