// The derm dashboard: a page per hash route (#/runs, #/run/7, #/compare/3,4, #/sweep/2, #/jobs, #/models),
// built from the JSON API under /api/v1/ (docs/http-api.md). No inline scripts or styles: the
// server's Content-Security-Policy allows only files of this origin.
"use strict";

let me = { user: "", role: "" };
let leavePage = null;  // what the current page closes when another one opens (an EventSource)

// ---------- small helpers ----------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

function num(x) {
  if (typeof x === "number") return x;
  if (x === "NaN" || x === "Infinity" || x === "-Infinity" || x === undefined || x === null || x === "") return NaN;
  return Number(x);
}

function fmt(x, digits = 4) {
  const v = num(x);
  return Number.isFinite(v) ? v.toFixed(digits) : "—";
}

function duration(seconds) {
  const s = Math.round(num(seconds));
  if (!Number.isFinite(s)) return "—";
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function when(ms) {
  const v = num(ms);
  return v > 0 ? new Date(v).toISOString().replace("T", " ").slice(0, 19) + "Z" : "";
}

class ApiError extends Error {}

// GET (or POST with a JSON body) an API path; a lost login goes back to the login page.
async function api(path, body) {
  const init = { credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch("/api/v1" + path, init);
  if (r.status === 401) {
    location.href = "/login";
    throw new ApiError("not logged in");
  }
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new ApiError(data.message || `${r.status} ${r.statusText}`);
  return data;
}

function q(params) {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") s.set(k, v);
  return s.toString();
}

function setPage(...children) {
  const app = document.getElementById("app");
  app.replaceChildren(...children);
}

function errorBox(e) {
  return el("p", { class: "error", id: "page-error", text: String(e.message || e) });
}

function canChangeJob(submittedBy) {
  return me.role === "ADMIN" || (me.role === "EDITOR" && submittedBy === me.user);
}

function actionButton(label, id, action) {
  return el("button", {
    id,
    text: label,
    onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        await action();
      } catch (e) {
        alert(e.message);
      }
      route();
    },
  });
}

function stateClass(state) {
  return state === "SUCCEEDED" ? "good" : state === "FAILED" ? "bad" : "";
}

// ---------- runs ----------

const SUMMARY_COLUMNS = [
  { key: "state", label: "state" },
  { key: "submitted_by", label: "submitted by" },
  { key: "sweep_id", label: "sweep" },
  { key: "epochs_done", label: "epochs done", num: true },
  { key: "best_val_accuracy", label: "best val acc", num: true, metric: true },
  { key: "best_epoch", label: "best epoch", num: true },
  { key: "final_val_accuracy", label: "val acc", num: true, metric: true },
  { key: "final_val_loss", label: "val loss", num: true, metric: true },
  { key: "test_accuracy", label: "test acc", num: true, metric: true },
  { key: "duration_s", label: "duration", num: true },
];
const DEFAULT_COLUMNS = ["state", "submitted_by", "params.train.learning_rate", "params.train.batch_size",
  "epochs_done", "best_val_accuracy", "test_accuracy", "duration_s"];

function chosenColumns() {
  try {
    const saved = JSON.parse(localStorage.getItem("derm.columns"));
    if (Array.isArray(saved)) return saved;
  } catch (e) { /* fall through */ }
  return DEFAULT_COLUMNS;
}

const selectedRuns = new Set();

async function runsPage(params) {
  const filter = params.get("filter") || "";
  const order = params.get("order") || "";
  const grouped = params.get("group") === "sweep";
  const token = params.get("page") || "";
  const filterBox = el("input", { type: "text", id: "filter", value: filter,
    placeholder: "state = SUCCEEDED AND params.train.learning_rate < 0.01" });
  const orderBox = el("input", { type: "text", id: "order", value: order, placeholder: "best_val_accuracy desc" });
  orderBox.classList.add("short");
  const groupBox = el("input", { type: "checkbox", id: "group-sweep", checked: grouped });
  const go = (extra) => {
    location.hash = "#/runs?" + q(Object.assign({ filter: filterBox.value.trim(), order: orderBox.value.trim(),
      group: groupBox.checked ? "sweep" : "" }, extra || {}));
  };
  filterBox.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
  orderBox.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
  groupBox.addEventListener("change", () => go({ page: token }));
  const compareButton = el("button", { id: "compare-selected", class: "primary" });
  const updateCompare = () => {
    compareButton.textContent = `Compare selected (${selectedRuns.size})`;
    compareButton.disabled = selectedRuns.size < 2 || selectedRuns.size > 10;
  };
  compareButton.addEventListener("click", () => { location.hash = "#/compare/" + [...selectedRuns].join(","); });
  updateCompare();
  const filterError = el("p", { class: "error", id: "filter-error", hidden: true });
  const tableHolder = el("div", { id: "runs-table" }, el("p", { class: "muted", text: "Loading…" }));
  setPage(
    el("h1", { text: "Runs" }),
    el("div", { class: "toolbar" }, filterBox, el("button", { id: "apply-filter", text: "Filter", onclick: () => go() }),
      el("label", {}, "order ", orderBox), el("label", {}, groupBox, " group by sweep"), compareButton),
    filterError, tableHolder);

  let shown = chosenColumns();
  const askedParams = shown.filter((k) => k.startsWith("params.")).map((k) => k.slice(7));
  let page;
  try {
    page = await api("/runs?" + q({ filter, order_by: order, page_size: 50, page_token: token, params: askedParams.join(",") }));
  } catch (e) {
    filterError.textContent = e.message;
    filterError.hidden = false;
    tableHolder.replaceChildren();
    return;
  }
  const runs = page.runs || [];
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params || {})).concat(askedParams))].sort();
  const allColumns = SUMMARY_COLUMNS.concat(paramKeys.map((k) => ({ key: "params." + k, label: k.startsWith("tags.") ? k : k.split(".").pop(), param: k })));
  const saveColumns = () => localStorage.setItem("derm.columns", JSON.stringify(shown));
  const addColumn = el("input", { type: "text", id: "add-column", class: "short", placeholder: "add: train.optimizer, tags.team" });
  addColumn.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || !addColumn.value.trim()) return;
    const name = addColumn.value.trim().replace(/^params\./, "");
    if (!shown.includes("params." + name)) shown = shown.concat(["params." + name]);
    saveColumns();
    route();  // again: the server adds the new param to each run
  });
  const chooser = el("div", { class: "columns", id: "column-chooser" }, "columns:",
    allColumns.map((c) => el("label", {}, el("input", { type: "checkbox", "data-key": c.key, checked: shown.includes(c.key),
      onchange: (e) => {
        shown = e.target.checked ? shown.concat([c.key]) : shown.filter((k) => k !== c.key);
        saveColumns();
        draw();
      } }), " " + c.label)), addColumn);

  function sortBy(key) {
    const cur = order.split(",")[0].trim().split(/\s+/);
    const dir = cur[0] === key && cur[1] !== "asc" ? "asc" : "desc";
    orderBox.value = `${key} ${dir}`;
    go();
  }

  function draw() {
    const cols = allColumns.filter((c) => shown.includes(c.key));
    const head = el("tr", {}, el("th", {}, ""), el("th", { class: "sortable", text: "run", onclick: () => sortBy("run_id") }),
      el("th", { class: "sortable", text: "name", onclick: () => sortBy("name") }),
      cols.map((c) => el("th", { class: "sortable" + (c.num ? " num" : ""), text: c.label, title: c.key, onclick: () => sortBy(c.key) })));
    const rows = [];
    let list = runs;
    if (grouped) list = [...runs].sort((a, b) => num(b.sweep_id) - num(a.sweep_id));
    let lastSweep = null;
    for (const r of list) {
      if (grouped && r.sweep_id !== lastSweep) {
        lastSweep = r.sweep_id;
        const n = list.filter((x) => x.sweep_id === r.sweep_id).length;
        rows.push(el("tr", { class: "group" }, el("td", { colspan: cols.length + 3 },
          num(r.sweep_id) ? el("span", {}, `Sweep ${r.sweep_id} (${n} on this page) · `,
            el("a", { href: `#/sweep/${r.sweep_id}`, text: "parallel coordinates" })) : `Not in a sweep (${n})`)));
      }
      const box = el("input", { type: "checkbox", class: "select-run", "data-run": r.run_id, checked: selectedRuns.has(r.run_id),
        onchange: (e) => { e.target.checked ? selectedRuns.add(r.run_id) : selectedRuns.delete(r.run_id); updateCompare(); } });
      rows.push(el("tr", { class: "run-row", "data-run": r.run_id }, el("td", {}, box),
        el("td", { class: "num" }, el("a", { href: `#/run/${r.run_id}`, text: String(r.run_id) })),
        el("td", {}, el("a", { href: `#/run/${r.run_id}`, text: r.name || "(unnamed)" })),
        cols.map((c) => {
          let v = c.param ? (r.params || {})[c.param] : r[c.key];
          if (c.key === "duration_s") v = duration(v);
          else if (c.metric) v = fmt(v);
          else if (c.key === "sweep_id") v = num(v) ? String(v) : "";
          return el("td", { class: (c.num ? "num " : "") + (c.key === "state" ? stateClass(v) : ""), "data-col": c.key, text: v === undefined ? "" : String(v) });
        })));
    }
    const nav = el("div", { class: "toolbar" },
      token ? el("button", { id: "first-page", text: "« first page", onclick: () => go({ page: "" }) }) : null,
      page.next_page_token ? el("button", { id: "next-page", text: "next page »", onclick: () => go({ page: page.next_page_token }) }) : null,
      el("span", { class: "muted", text: `${runs.length} runs on this page` }));
    tableHolder.replaceChildren(chooser, runs.length ? el("table", { id: "runs" }, head, rows) : el("p", { class: "muted", id: "no-runs", text: "No runs match." }), nav);
  }
  draw();
}

// ---------- one run ----------

function factsList(pairs) {
  return el("dl", { class: "facts" }, pairs.flatMap(([k, v, id]) => [el("dt", { text: k }), el("dd", { id, text: v === undefined ? "" : String(v) })]));
}

function heatColor(fraction, diverging) {
  if (diverging) {  // red below zero, green above
    const a = Math.min(1, Math.abs(fraction));
    return fraction < 0 ? `rgba(179, 38, 30, ${a * 0.8})` : `rgba(30, 123, 79, ${a * 0.8})`;
  }
  return `rgba(122, 59, 105, ${Math.min(1, fraction) * 0.85})`;
}

// A confusion matrix as a table; onCell(i, j, td) on a click. counts: row-major.
function heatmap(names, counts, opts) {
  const n = names.length;
  const t = el("table", { class: "heatmap", id: opts.id });
  t.appendChild(el("tr", {}, el("th", { text: "true ↓ / predicted →" }), names.map((nm) => el("th", { class: "rot", text: nm }))));
  for (let i = 0; i < n; ++i) {
    const rowTotal = counts.slice(i * n, i * n + n).reduce((a, b) => a + Math.abs(b), 0) || 1;
    const tr = el("tr", {}, el("th", { text: names[i] }));
    for (let j = 0; j < n; ++j) {
      const v = counts[i * n + j];
      const td = el("td", { class: "cell", "data-true": i, "data-pred": j, text: String(v) });
      td.style.background = heatColor(opts.diverging ? v / (opts.scale || 1) : v / rowTotal, opts.diverging);
      if (!opts.diverging && v / rowTotal > 0.55) td.style.color = "#fff";
      if (opts.onCell) td.addEventListener("click", () => opts.onCell(i, j, td));
      tr.appendChild(td);
    }
    t.appendChild(tr);
  }
  return t;
}

function thumbnail(runId, split, p, caption) {
  const img = p.has_thumbnail
    ? el("img", { src: `/api/v1/runs/${runId}/thumbnail?` + q({ split, path: p.path }), alt: p.path, loading: "lazy" })
    : el("div", { class: "muted", text: "no thumbnail" });
  return el("div", { class: "thumb", title: p.path }, img, el("div", { text: p.path.split("/").pop() }), caption);
}

// A split's clinical evaluation (docs/evaluation.md): summary, per-class table, ROC curves and
// the reliability diagram; nothing for runs recorded before it existed.
function evaluationView(e) {
  if (!e || !(e.per_class || []).length) return [];
  const interval = (i) => (i && i.resamples ? ` [${fmt(i.lower, 3)}, ${fmt(i.upper, 3)}]` : "");
  const points = (ps, key) => (ps || []).map((p) => fmt(p[key], 2)).join(" / ");
  const targets = (ps) => (ps || []).map((p) => fmt(p.target, 2)).join("/");
  const first = e.per_class[0];
  const rel = (e.reliability || []).filter((b) => num(b.count) > 0);
  return [
    el("h2", { text: "Clinical evaluation" }),
    el("p", { id: "evaluation-summary" }, `macro ROC AUC ${fmt(e.macro_roc_auc)} · weighted ${fmt(e.weighted_roc_auc)} · ECE ${fmt(e.ece)} · NLL ${fmt(e.nll)} · Brier ${fmt(e.brier)}`,
      e.accuracy_interval && e.accuracy_interval.resamples
        ? ` · accuracy ${fmt(e.accuracy_interval.estimate)}${interval(e.accuracy_interval)} · balanced ${fmt(e.balanced_accuracy_interval.estimate)}${interval(e.balanced_accuracy_interval)} (95 % bootstrap)` : ""),
    el("table", { id: "evaluation-table" },
      el("tr", {}, ["class", "images", "ROC AUC", "AP", `sensitivity at specificity ${targets(first.at_specificity)}`, `specificity at sensitivity ${targets(first.at_sensitivity)}`]
        .map((h, k) => el("th", { class: k ? "num" : "", text: h }))),
      e.per_class.map((c, k) => el("tr", { "data-class": k }, el("td", { text: c.class_name }), el("td", { class: "num", text: String(c.positives) }),
        el("td", { class: "num auc", text: fmt(c.roc_auc) + interval(c.roc_auc_interval) }), el("td", { class: "num", text: fmt(c.average_precision) }),
        el("td", { class: "num", text: points(c.at_specificity, "sensitivity") }), el("td", { class: "num", text: points(c.at_sensitivity, "specificity") })))),
    el("div", { class: "grid2" },
      lineChart(e.per_class.map((c) => ({ name: `${c.class_name} (${fmt(c.roc_auc, 3)})`, xs: ((c.roc || {}).x || []).map(num), ys: ((c.roc || {}).y || []).map(num) }))
        .concat([{ name: "chance", xs: [0, 1], ys: [0, 1], dashed: true, color: "#999" }]),
      { title: "ROC (x: false positive rate, y: sensitivity)", id: "chart-roc", yMin: 0, yMax: 1 }),
      lineChart([{ name: "accuracy by confidence bin", xs: rel.map((b) => num(b.confidence)), ys: rel.map((b) => num(b.accuracy)) },
        { name: "perfect calibration", xs: [0, 1], ys: [0, 1], dashed: true, color: "#999" }],
      { title: "reliability (x: confidence, y: accuracy)", id: "chart-reliability", yMin: 0, yMax: 1 })),
  ];
}

async function runPage(runId) {
  const run = await api(`/runs/${runId}`);
  const facts = run.facts || {};
  const epochs = run.epochs || [];
  const names = facts.class_names || [];
  const last = epochs.length ? epochs[epochs.length - 1] : null;
  const hasTest = !!(run.result && run.result.test);
  const actions = el("div", { class: "toolbar", id: "run-actions" });
  const job = await api(`/jobs/${run.job_id}`).catch(() => null);
  if (job && canChangeJob(job.submitted_by)) {
    if (job.state === "QUEUED" || job.state === "RUNNING") {
      actions.appendChild(actionButton("Cancel job", "cancel-job", () => api(`/jobs/${run.job_id}/cancel`, { reason: "cancelled from the dashboard" })));
    } else {
      actions.appendChild(actionButton("Retry job", "retry-job", () => api(`/jobs/${run.job_id}/retry`, {})));
    }
  }
  const curves = el("div", { class: "grid2", id: "curves" });
  const confusion = el("div", { id: "confusion" });
  setPage(
    el("h1", {}, `Run ${run.run_id}: ${run.name || "(unnamed)"} `, el("span", { class: stateClass(run.state), id: "run-state", text: run.state })),
    actions,
    el("div", { class: "grid2" },
      el("div", { class: "card" }, el("h2", { text: "Data and model" }), factsList([
        ["job", run.job_id],
        ["classes", names.join(", ")],
        ["images (train / validation / test)", `${facts.train_images || 0} / ${facts.validation_images || 0} / ${facts.test_images || 0}`],
        ["dataset fingerprint", facts.dataset_fingerprint, "run-fingerprint"],
        ["weights", facts.weights, "run-weights"],
        ["weights SHA-256", facts.weights_sha256],
        ["device", facts.device],
        ["skipped files", (facts.skipped || []).length],
        ["epochs done", epochs.length, "run-epochs"],
        ["model epoch", run.model_epoch || "—", "run-model-epoch"],
        ["stopped early", run.stopped_epoch ? `after epoch ${run.stopped_epoch}: ${run.stop_reason}` : "no", "run-stopped"],
        ["val accuracy (last epoch)", last ? fmt(last.validation.accuracy) : "—", "run-val-accuracy"],
        ["val loss (last epoch)", last ? fmt(last.validation.loss) : "—", "run-val-loss"],
        ["test accuracy", hasTest ? fmt(run.result.test.accuracy) : "—", "run-test-accuracy"],
        ["test balanced accuracy", hasTest ? fmt(run.result.test.balanced_accuracy) : "—"],
      ])),
      el("div", { class: "card" }, el("h2", { text: "Parameters" }),
        el("table", { id: "params" }, Object.keys(run.params || {}).sort().map((k) => el("tr", {}, el("td", { text: k }), el("td", { text: run.params[k] })))))),
    el("h2", { text: "Learning curves" }), curves,
    el("h2", { text: "Confusion matrix and per-class scores" }), confusion);

  api(`/runs/${runId}/curves`).then((c) => {
    const s = Object.fromEntries((c.series || []).map((x) => [x.name, x]));
    const pick = (name, label, dashed) => ({ name: label, xs: (s[name].epochs || []).map(num), ys: (s[name].values || []).map(num), dashed });
    curves.replaceChildren(
      lineChart([pick("train_loss", "train loss", true), pick("val_loss", "validation loss")], { title: "loss", xLabel: "epoch", integerX: true, id: "chart-loss" }),
      lineChart([pick("train_accuracy", "train accuracy", true), pick("val_accuracy", "validation accuracy")], { title: "accuracy", xLabel: "epoch", integerX: true, id: "chart-accuracy" }));
  }).catch((e) => curves.replaceChildren(errorBox(e)));

  if (!epochs.length) {
    confusion.replaceChildren(el("p", { class: "muted", text: "No epoch has finished yet." }));
    return;
  }
  // The epoch the run's model (and so its stored predictions and test split) is of.
  const modelEpoch = run.model_epoch || epochs.length;
  const split = el("select", { id: "split" }, el("option", { value: "validation", text: "validation" }), hasTest ? el("option", { value: "test", text: "test (final model)" }) : null);
  const slider = el("input", { type: "range", id: "epoch-slider", min: 1, max: epochs.length, value: epochs.length, step: 1 });
  const epochLabel = el("span", { id: "epoch-label" });
  const matrix = el("div", { id: "matrix" });
  const perClass = el("div", { id: "per-class" });
  const images = el("div", { id: "cell-images" });
  const evaluation = el("div", { id: "evaluation" });
  confusion.replaceChildren(el("div", { class: "toolbar" }, el("label", {}, "split ", split), el("label", {}, "epoch ", slider), epochLabel),
    el("div", { class: "grid2" }, matrix, perClass), images, evaluation);

  async function show() {
    const s = split.value, epoch = Number(slider.value);
    slider.disabled = s === "test";
    epochLabel.textContent = s === "test" ? "final model" : `epoch ${epoch} of ${epochs.length}`;
    const m = await api(`/runs/${runId}/confusion?` + q({ split: s, epoch: s === "test" ? 0 : epoch }));
    const finalModel = s === "test" || epoch === modelEpoch;
    const cm = m.confusion || { class_names: [], counts: [] };
    matrix.replaceChildren(
      heatmap(cm.class_names, (cm.counts || []).map(num), {
        id: "confusion-matrix",
        onCell: (i, j, td) => {
          for (const c of matrix.querySelectorAll("td.selected")) c.classList.remove("selected");
          td.classList.add("selected");
          showCell(s, i, j, cm.class_names, finalModel);
        },
      }),
      el("p", { class: "muted", text: `accuracy ${fmt(m.accuracy)} · balanced ${fmt(m.balanced_accuracy)} · loss ${fmt(m.loss)} · click a cell for its images` }));
    perClass.replaceChildren(el("table", { id: "per-class-table" },
      el("tr", {}, ["class", "precision", "recall", "F1", "support"].map((h, k) => el("th", { class: k ? "num" : "", text: h }))),
      (m.per_class || []).map((c) => el("tr", {}, el("td", { text: c.class_name }), el("td", { class: "num", text: fmt(c.precision) }),
        el("td", { class: "num", text: fmt(c.recall) }), el("td", { class: "num", text: fmt(c.f1) }), el("td", { class: "num", text: String(c.support) })))));
    images.replaceChildren();
    evaluation.replaceChildren(...evaluationView(m.evaluation));
  }

  async function showCell(s, i, j, classNames, finalModel) {
    if (!finalModel) {
      images.replaceChildren(el("p", { class: "muted", id: "cell-note", text: `Images are stored with the final model's predictions: move the slider to epoch ${modelEpoch} to see them.` }));
      return;
    }
    const page = await api(`/runs/${runId}/predictions?` + q({ split: s, true_class: i, predicted_class: j, page_size: 200 }));
    const preds = page.predictions || [];
    images.replaceChildren(
      el("h2", { id: "cell-title", text: `true ${classNames[i]}, predicted ${classNames[j]}: ${preds.length}${page.next_page_token ? "+" : ""} images` }),
      el("div", { class: "thumbs", id: "thumbs" }, preds.map((p) => thumbnail(runId, s, p, el("div", { text: `p = ${fmt(p.probability, 3)}` })))));
  }

  split.addEventListener("change", () => show().catch((e) => matrix.replaceChildren(errorBox(e))));
  slider.addEventListener("input", () => show().catch((e) => matrix.replaceChildren(errorBox(e))));
  await show();
}

// ---------- compare ----------

async function comparePage(ids) {
  const cmp = await api("/compare?" + q({ run_ids: ids.join(",") }));
  const runs = cmp.runs || [];
  const label = (r) => `#${r.run_id} ${r.name || ""}`.trim();
  const lastVal = (r) => { const e = r.epochs || []; return e.length ? e[e.length - 1].validation : null; };
  const differing = cmp.differing_params || [];
  const curveSeries = (field) => runs.map((r) => ({ name: label(r), xs: (r.epochs || []).map((e) => num(e.epoch)), ys: (r.epochs || []).map((e) => num(e.validation[field])) }));
  const classNames = [...new Set(runs.flatMap((r) => ((lastVal(r) || {}).per_class || []).map((c) => c.class_name)))];
  const pairA = el("select", { id: "pair-a" }, runs.map((r, k) => el("option", { value: k, text: label(r), selected: k === 0 })));
  const pairB = el("select", { id: "pair-b" }, runs.map((r, k) => el("option", { value: k, text: label(r), selected: k === 1 })));
  const pairView = el("div", { id: "pair" });
  setPage(
    el("h1", { text: `Compare ${runs.map(label).join(" · ")}` }),
    (cmp.warnings || []).map((w) => el("p", { class: "error warning", text: w })),
    el("h2", { text: "Parameters that differ" }),
    differing.length
      ? el("table", { id: "differing-params" }, el("tr", {}, el("th", { text: "parameter" }), runs.map((r) => el("th", { text: label(r) }))),
        differing.map((p) => el("tr", { "data-param": p }, el("td", { text: p }), runs.map((r) => el("td", { text: (r.params || {})[p] || "" })))))
      : el("p", { class: "muted", id: "differing-params", text: "The runs have the same parameters." }),
    el("h2", { text: "Validation curves" }),
    el("div", { class: "grid2", id: "compare-curves" },
      lineChart(curveSeries("accuracy"), { title: "validation accuracy", xLabel: "epoch", integerX: true }),
      lineChart(curveSeries("loss"), { title: "validation loss", xLabel: "epoch", integerX: true })),
    el("h2", { text: "Per-class F1 and recall (last epoch, validation)" }),
    el("table", { id: "compare-per-class" },
      el("tr", {}, el("th", { text: "class" }), runs.map((r) => el("th", { class: "num", text: `${label(r)} F1 / recall` }))),
      classNames.map((c) => el("tr", {}, el("td", { text: c }), runs.map((r) => {
        const pc = ((lastVal(r) || {}).per_class || []).find((x) => x.class_name === c);
        return el("td", { class: "num", text: pc ? `${fmt(pc.f1, 3)} / ${fmt(pc.recall, 3)}` : "—" });
      })))),
    el("h2", { text: "McNemar's test (paired validation predictions)" }),
    (cmp.tests || []).length
      ? el("table", { id: "mcnemar" }, el("tr", {}, ["runs", "paired images", "only first right", "only second right", "p-value", "test", "accuracy second − first [95 % paired bootstrap]"].map((h) => el("th", { text: h }))),
        cmp.tests.map((t) => el("tr", {}, el("td", { text: `#${t.run_a} vs #${t.run_b}` }), el("td", { class: "num", text: String(t.paired_images) }),
          el("td", { class: "num", text: String(t.only_a_correct) }), el("td", { class: "num", text: String(t.only_b_correct) }),
          el("td", { class: "num", text: fmt(t.p_value, 4) }), el("td", { text: t.exact ? "exact binomial" : "chi-square" }),
          el("td", { class: "num", text: t.accuracy_difference ? `${fmt(t.accuracy_difference.estimate, 3)} [${fmt(t.accuracy_difference.lower, 3)}, ${fmt(t.accuracy_difference.upper, 3)}]` : "—" }))))
      : el("p", { class: "muted", id: "mcnemar", text: "No pair of these runs has paired predictions." }),
    el("h2", { text: "Two runs: confusion difference and images that flipped" }),
    el("div", { class: "toolbar" }, el("label", {}, "A ", pairA), el("label", {}, "B ", pairB)),
    pairView);

  async function showPair() {
    const a = runs[Number(pairA.value)], b = runs[Number(pairB.value)];
    if (!a || !b || a === b) {
      pairView.replaceChildren(el("p", { class: "muted", text: "Choose two different runs." }));
      return;
    }
    const va = lastVal(a), vb = lastVal(b);
    const parts = [];
    if (va && vb && va.confusion && vb.confusion && JSON.stringify(va.confusion.class_names) === JSON.stringify(vb.confusion.class_names)) {
      const ca = va.confusion.counts.map(num), cb = vb.confusion.counts.map(num);
      const diff = cb.map((v, k) => v - ca[k]);
      const scale = Math.max(1, ...diff.map(Math.abs));
      parts.push(el("p", { class: "muted", text: `B − A, last epoch, validation: green = more images in B` }),
        heatmap(va.confusion.class_names, diff, { id: "confusion-difference", diverging: true, scale }));
    }
    const flips = await api(`/runs/${a.run_id}/predictions?` + q({ differs_from_run: b.run_id, page_size: 200 }));
    const names = flips.class_names || [];
    const preds = flips.predictions || [];
    parts.push(el("h2", { id: "flips-title", text: `${preds.length}${flips.next_page_token ? "+" : ""} validation images one run got right and the other wrong` }),
      el("div", { class: "thumbs", id: "flips" }, preds.map((p) => {
        const aRight = p.predicted_class === p.true_class;
        return thumbnail(a.run_id, "validation", p, el("div", {},
          el("div", { text: `true ${names[p.true_class] || p.true_class}` }),
          el("div", { class: aRight ? "good" : "bad", text: `A: ${names[p.predicted_class] || p.predicted_class} (${fmt(p.probability, 2)})` }),
          el("div", { class: aRight ? "bad" : "good", text: `B: ${names[p.other_predicted_class] || p.other_predicted_class} (${fmt(p.other_probability, 2)})` })));
      })));
    pairView.replaceChildren(...parts);
  }
  pairA.addEventListener("change", showPair);
  pairB.addEventListener("change", showPair);
  await showPair();
}

// ---------- sweep ----------

async function sweepPage(sweepId) {
  const page = await api("/runs?" + q({ filter: `sweep_id = ${sweepId}`, order_by: "run_id", page_size: 1000 }));
  const runs = page.runs || [];
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.params || {})))].sort()
    .filter((k) => new Set(runs.map((r) => (r.params || {})[k])).size > 1);
  const axes = keys.map((k) => {
    const values = runs.map((r) => (r.params || {})[k]);
    const numeric = values.every((v) => v !== undefined && Number.isFinite(Number(v)));
    return { name: k.split(".").pop(), values: numeric ? values.map(Number) : values, numeric };
  });
  axes.push({ name: "best val accuracy", values: runs.map((r) => num(r.best_val_accuracy)), numeric: true });
  setPage(el("h1", { text: `Sweep ${sweepId}: ${runs.length} runs` }),
    el("p", { class: "muted", text: "One line per run over the parameters that vary; colour by best validation accuracy (green is better)." }),
    runs.length ? parallelCoordinates(axes, runs.map((r) => `#${r.run_id} ${r.name}`), { id: "parallel-coordinates" }) : el("p", { text: "No runs." }),
    el("p", {}, el("a", { href: "#/runs?" + q({ filter: `sweep_id = ${sweepId}`, order: "best_val_accuracy desc" }), text: "these runs in the runs table" })));
}

// ---------- jobs and workers ----------

// ---------- models: the registry's versions, their stages and every stage change ----------

async function modelsPage() {
  const reply = await api("/models");
  const versions = reply.versions || [];
  const gates = (v) => num(v.gates) ? `${num(v.gates_passed) || 0}/${v.gates} passed` : "no gates";
  const change = (c) => `${when(c.changed_ms)}: ${c.from_stage} → ${c.to_stage} by ${c.changed_by}${c.forced ? " (forced past the gates)" : ""}${c.reason ? " — " + c.reason : ""}`;
  setPage(el("h1", { text: "Models" }),
    el("p", { class: "muted", text: "Registered with dermctl model register; production needs every gate passed (or an admin's --force). docs/models.md" }),
    versions.length ? el("table", { id: "models" },
      el("tr", {}, ["model", "version", "run", "stage", "gates", "registered", "by", "stage changes"].map((h) => el("th", { text: h }))),
      versions.map((v) => el("tr", { "data-version": `${v.name}/${v.version}` }, el("td", { text: v.name }), el("td", { class: "num", text: String(v.version) }),
        el("td", { class: "num" }, el("a", { href: `#/run/${v.run_id}`, text: String(v.run_id) })),
        el("td", { class: v.stage === "production" ? "good" : v.stage === "archived" ? "muted" : "", text: v.stage }), el("td", { text: gates(v) }), el("td", { text: when(v.registered_ms) }),
        el("td", { text: v.registered_by }), el("td", {}, (v.history || []).map((c) => el("div", { class: "change", text: change(c) }))))))
      : el("p", { class: "muted", id: "no-models", text: "No model is registered yet." }));
}

async function jobsPage() {
  const liveBox = el("input", { type: "checkbox", id: "live", checked: localStorage.getItem("derm.live") !== "off" });
  const queue = el("div", { id: "queue" }), running = el("div", { id: "running" }), workers = el("div", { id: "workers" });
  const events = el("div", { class: "events", id: "events" });
  const liveState = el("span", { class: "muted", id: "live-state" });
  setPage(el("h1", { text: "Jobs and workers" }),
    el("div", { class: "toolbar" }, el("label", {}, liveBox, " live updates"), liveState),
    el("h2", { text: "Running" }), running, el("h2", { text: "Queue (scheduling order)" }), queue,
    el("h2", { text: "Workers" }), workers, el("h2", { text: "Events" }), events);
  const totals = new Map();  // job id -> epochs
  const lastProgress = new Map();  // job id -> progress seen on the stream

  function progressText(jobId, p) {
    const total = totals.get(jobId);
    return `epoch ${p.epoch}${total ? " of " + total : ""} · ${Number(p.images_done)}/${Number(p.images_total)} images · ` +
      `${fmt(p.images_per_second, 1)} img/s · ETA ${duration(p.eta_seconds)}`;
  }

  function showProgress(jobId, p) {
    const cell = document.getElementById(`progress-${jobId}`);
    if (!cell) return;
    const total = totals.get(jobId) || 1;
    const done = (Number(p.epoch) - 1 + Number(p.images_done) / Math.max(1, Number(p.images_total))) / total;
    const bar = el("span", { class: "bar" }, el("span"));
    bar.firstChild.style.width = `${Math.max(0, Math.min(100, done * 100)).toFixed(1)}%`;
    cell.replaceChildren(bar, " ", el("span", { class: "progress-text", text: progressText(jobId, p) }));
  }

  async function refresh() {
    const [active, ws] = await Promise.all([api("/jobs?" + q({ states: "QUEUED,RUNNING", limit: 1000 })), api("/workers")]);
    const jobs = active.jobs || [];
    const workerOf = new Map((ws.workers || []).filter((w) => num(w.running_job_id)).map((w) => [w.running_job_id, w]));
    for (const j of jobs) totals.set(j.id, num(((j.spec || {}).train || {}).epochs));
    const run = jobs.filter((j) => j.state === "RUNNING");
    const queued = jobs.filter((j) => j.state === "QUEUED").sort((a, b) => ((b.spec || {}).priority || 0) - ((a.spec || {}).priority || 0) || num(a.id) - num(b.id));
    const cancel = (j) => canChangeJob(j.submitted_by) ? actionButton("cancel", `cancel-${j.id}`, () => api(`/jobs/${j.id}/cancel`, { reason: "cancelled from the dashboard" })) : "";
    running.replaceChildren(run.length ? el("table", { id: "running-table" },
      el("tr", {}, ["job", "name", "run", "worker", "progress", "submitted by", ""].map((h) => el("th", { text: h }))),
      run.map((j) => el("tr", { "data-job": j.id }, el("td", { text: j.id }), el("td", { text: (j.spec || {}).name || "" }),
        el("td", {}, num(j.run_id) ? el("a", { href: `#/run/${j.run_id}`, text: j.run_id }) : ""),
        el("td", { text: workerOf.has(j.id) ? workerOf.get(j.id).name : "" }),
        el("td", { id: `progress-${j.id}`, class: "progress", text: "starting…" }), el("td", { text: j.submitted_by }), el("td", {}, cancel(j)))))
      : el("p", { class: "muted", text: "Nothing is running." }));
    for (const [id, p] of lastProgress) showProgress(id, p);
    queue.replaceChildren(queued.length ? el("table", { id: "queue-table" },
      el("tr", {}, ["#", "job", "name", "priority", "why it waits", "not before", "submitted by", ""].map((h) => el("th", { text: h }))),
      queued.map((j, k) => el("tr", { "data-job": j.id }, el("td", { text: String(k + 1) }), el("td", { text: j.id }), el("td", { text: (j.spec || {}).name || "" }),
        el("td", { class: "num", text: String((j.spec || {}).priority || 0) }),
        el("td", { text: j.message || (num(j.not_before_ms) > Date.now() ? "retry backoff" : "waiting for a free worker that fits") }),
        el("td", { text: num(j.not_before_ms) > Date.now() ? when(j.not_before_ms) : "" }), el("td", { text: j.submitted_by }), el("td", {}, cancel(j)))))
      : el("p", { class: "muted", text: "The queue is empty." }));
    const mayDrain = me.role === "ADMIN";
    workers.replaceChildren(el("table", { id: "workers-table" },
      el("tr", {}, ["id", "name", "state", "device", "GPUs", "memory", "labels", "job", "cluster job", "last seen", ""].map((h) => el("th", { text: h }))),
      (ws.workers || []).filter((w) => w.state !== "GONE").map((w) => el("tr", { "data-worker": w.id }, el("td", { text: w.id }), el("td", { text: w.name }),
        el("td", { text: w.state }), el("td", { text: w.device }), el("td", { text: `${w.gpus}${w.visible_gpus ? " (" + w.visible_gpus + ")" : ""}` }),
        el("td", { text: num(w.memory_mb) ? `${w.memory_mb} MB` : "" }), el("td", { text: (w.labels || []).join(", ") }),
        el("td", { text: num(w.running_job_id) ? w.running_job_id : "" }), el("td", { text: w.cluster_job }), el("td", { text: when(w.last_seen_ms) }),
        el("td", {}, mayDrain && w.state === "ACTIVE" ? actionButton("drain", `drain-${w.id}`, () => api(`/workers/${w.id}/drain`, {})) : "")))));
  }

  let source = null, pending = null;
  const scheduleRefresh = () => {
    if (pending) return;
    pending = setTimeout(() => { pending = null; refresh().catch((e) => liveState.textContent = e.message); }, 300);
  };
  function connect() {
    if (source) { source.close(); source = null; }
    localStorage.setItem("derm.live", liveBox.checked ? "on" : "off");
    if (!liveBox.checked) { liveState.textContent = "paused"; return; }
    source = new EventSource("/api/v1/events?after_event_id=-1");
    source.onopen = () => { liveState.textContent = "connected"; };
    source.onerror = () => { liveState.textContent = "reconnecting…"; };
    source.onmessage = (m) => {
      const ev = JSON.parse(m.data);
      if (ev.progress) {
        lastProgress.set(ev.job_id, ev.progress);
        showProgress(ev.job_id, ev.progress);
        return;
      }
      const what = ev.epoch ? `epoch ${ev.epoch.epoch} done, val acc ${fmt(ev.epoch.validation.accuracy)}` : `${ev.state}${ev.message ? ": " + ev.message : ""}`;
      events.prepend(el("div", { class: "event", text: `${when(ev.time_ms)}  job ${ev.job_id}  ${what}` }));
      while (events.childNodes.length > 200) events.lastChild.remove();
      if (!ev.epoch) scheduleRefresh();  // a state change: the tables change
    };
  }
  liveBox.addEventListener("change", connect);
  leavePage = () => { if (source) source.close(); if (pending) clearTimeout(pending); };
  await refresh();
  connect();
}

// ---------- router ----------

async function route() {
  if (leavePage) { leavePage(); leavePage = null; }
  const hash = location.hash || "#/runs";
  const [path, query] = hash.slice(1).split("?");
  const parts = path.split("/").filter(Boolean);
  for (const a of document.querySelectorAll("header nav a")) a.classList.toggle("active", hash.startsWith(a.getAttribute("href")));
  try {
    if (parts[0] === "run" && parts[1]) await runPage(parts[1]);
    else if (parts[0] === "compare" && parts[1]) await comparePage(parts[1].split(",").filter(Boolean));
    else if (parts[0] === "sweep" && parts[1]) await sweepPage(parts[1]);
    else if (parts[0] === "jobs") await jobsPage();
    else if (parts[0] === "models") await modelsPage();
    else await runsPage(new URLSearchParams(query || ""));
  } catch (e) {
    if (!(e instanceof ApiError && e.message === "not logged in")) setPage(errorBox(e));
  }
  document.body.setAttribute("data-ready", hash);
}

document.addEventListener("DOMContentLoaded", async () => {
  try {
    me = await api("/whoami");
    document.getElementById("who").textContent = `${me.user} (${me.role.toLowerCase()})`;
  } catch (e) {
    return;
  }
  window.addEventListener("hashchange", route);
  route();
});
