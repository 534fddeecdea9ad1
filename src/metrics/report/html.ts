import type { DoraReport, TrendPoint } from "../dora/compute.js";
import { figureKeys } from "../dora/figure.js";
import { formatInterval, formatLevel, formatValue } from "./format.js";
import { sourceLines } from "./table.js";

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) =>
      ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[
        c
      ]!,
  );

/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028|\u2029/g, "");

/**
 * A trend series split at its empty weeks: runs of consecutive weeks with a value, each drawn as
 * its own line, so no line crosses a week that has no value.
 */
export function trendRuns(
  values: readonly (number | null)[],
): { start: number; values: number[] }[] {
  const runs: { start: number; values: number[] }[] = [];
  let run: { start: number; values: number[] } | undefined;
  values.forEach((v, i) => {
    if (v === null) {
      run = undefined;
      return;
    }
    if (!run) runs.push((run = { start: i, values: [] }));
    run.values.push(v);
  });
  return runs;
}

/**
 * Whether a figure's two cohorts can be compared: both have a value and at least `minSamples`
 * samples. Otherwise the report shows the counts and says they are too few, not bars and
 * intervals that look like a finding.
 */
export function comparable(
  report: DoraReport,
  key: (typeof figureKeys)[number],
): boolean {
  const min = report.scope.minCohortSamples;
  return (["ai-assisted", "unmarked"] as const).every((c) => {
    const f = report.cohorts[c].figures[key];
    return f.value !== null && f.samples >= min;
  });
}

/**
 * A self-contained HTML page: the figures table, a weekly trend chart per figure and a cohort
 * comparison with 95% intervals. Charts are inline SVG drawn by inline JS: no server, no CDN.
 */
export function renderHtml(
  report: DoraReport,
  trend: TrendPoint[],
  generatedAt: string,
): string {
  const s = report.scope;
  const title = `sluice · DORA · ${s.project ?? "all projects"} · ${s.environment}`;
  const rows = figureKeys
    .map((k) => {
      const f = report.figures[k];
      const ai = report.cohorts["ai-assisted"].figures[k];
      const un = report.cohorts.unmarked.figures[k];
      const ok = comparable(report, k);
      const cell = (c: typeof ai) =>
        ok || c.value === null
          ? `${escapeHtml(formatValue(c.unit, c.value))} (${c.samples})`
          : `too few to compare (n = ${c.samples})`;
      return `<tr><td>${escapeHtml(f.name)}</td><td>${escapeHtml(formatValue(f.unit, f.value))}</td><td>${escapeHtml(formatLevel(f))}</td><td>${f.samples}</td><td>${escapeHtml(formatInterval(f))}</td><td>${cell(ai)}</td><td>${cell(un)}</td></tr>`;
    })
    .join("\n");
  const warnings = report.warnings
    .slice(0, 30)
    .map((w) => `<li>${escapeHtml(w)}</li>`)
    .join("");
  const chartData = {
    keys: figureKeys,
    units: Object.fromEntries(
      figureKeys.map((k) => [k, report.figures[k].unit]),
    ),
    names: Object.fromEntries(
      figureKeys.map((k) => [k, report.figures[k].name]),
    ),
    weeks: trend.map((p) => p.weekStart),
    runs: Object.fromEntries(
      figureKeys.map((k) => [
        k,
        {
          all: trendRuns(trend.map((p) => p.values[k])),
          "ai-assisted": trendRuns(
            trend.map((p) => p.byCohort["ai-assisted"][k]),
          ),
          unmarked: trendRuns(trend.map((p) => p.byCohort.unmarked[k])),
        },
      ]),
    ),
    minSamples: s.minCohortSamples,
    missing: Object.fromEntries(
      figureKeys.map((k) => [k, report.figures[k].missingSource ?? null]),
    ),
    comparable: Object.fromEntries(
      figureKeys.map((k) => [k, comparable(report, k)]),
    ),
    cohorts: Object.fromEntries(
      (["ai-assisted", "unmarked"] as const).map((c) => [
        c,
        Object.fromEntries(
          figureKeys.map((k) => {
            const f = report.cohorts[c].figures[k];
            return [
              k,
              {
                value: f.value,
                samples: f.samples,
                low: f.interval?.low ?? null,
                high: f.interval?.high ?? null,
              },
            ];
          }),
        ),
      ]),
    ),
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1b1f24; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; } td, th { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: left; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid #ddd; border-radius: 6px; padding: 8px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.legend span { margin-right: 12px; } .muted { color: #667; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">${escapeHtml(s.from.slice(0, 10))} to ${escapeHtml(s.to.slice(0, 10))} · levels from the DORA ${s.year} report · incidents linked within ${s.incidentWindowHours} h · generated ${escapeHtml(generatedAt)}.
"unmarked" changes carry no AI marker; they are not known to be written without AI.</p>
<h2>What the figures rest on</h2>
<ul id="sources">${[...(s.projectBasis ? [`Scope: ${s.projectBasis}`] : []), ...sourceLines(report)].map((l) => `<li>${escapeHtml(l)}</li>`).join("")}</ul>
<table>
<thead><tr><th>Figure</th><th>Value</th><th>Level</th><th>Samples</th><th>95% interval</th><th>ai-assisted (n)</th><th>unmarked (n)</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${warnings ? `<h2>Warnings</h2><ul>${warnings}</ul>` : ""}
<h2>Trend per week</h2>
<p class="legend"><span style="color:#1f6feb">■ all</span><span style="color:#d2691e">■ ai-assisted</span><span style="color:#2e8b57">■ unmarked</span></p>
<div class="charts" id="trend"></div>
<h2>Cohort comparison (95% intervals; only where each cohort has at least ${s.minCohortSamples} samples)</h2>
<div class="charts" id="cohorts"></div>
<script id="data" type="application/json">${scriptJson(chartData)}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById("data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var colours = { all: "#1f6feb", "ai-assisted": "#d2691e", unmarked: "#2e8b57" };
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(unit, v) {
    if (v === null || v === undefined) return "n/a";
    if (unit === "ratio") return (v * 100).toFixed(1) + " %";
    if (unit === "seconds") return v < 3600 ? Math.round(v / 60) + " min" : v < 86400 ? (v / 3600).toFixed(1) + " h" : (v / 86400).toFixed(1) + " d";
    return v >= 1 ? v.toFixed(2) + "/day" : (v * 7).toFixed(2) + "/week";
  }
  function frame(container, name) {
    var fig = document.createElement("figure");
    var cap = document.createElement("figcaption");
    cap.textContent = name;
    fig.appendChild(cap);
    container.appendChild(fig);
    var svg = el("svg", { width: 420, height: 200, viewBox: "0 0 420 200", role: "img" });
    fig.appendChild(svg);
    return svg;
  }
  var W = 420, H = 200, L = 60, R = 10, T = 10, B = 30;
  data.keys.forEach(function (key) {
    var unit = data.units[key];
    var svg = frame(document.getElementById("trend"), data.names[key]);
    svg.setAttribute("data-chart", "trend-" + key);
    var runs = data.runs[key];
    var max = 0;
    Object.keys(runs).forEach(function (s) { runs[s].forEach(function (r) { r.values.forEach(function (v) { if (v > max) max = v; }); }); });
    if (max === 0) max = 1;
    var weeks = data.weeks;
    var n = Math.max(1, weeks.length - 1);
    var x = function (i) { return L + (i / n) * (W - L - R); };
    var y = function (v) { return H - B - (v / max) * (H - T - B); };
    el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#999" }, svg);
    el("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#999" }, svg);
    var top = el("text", { x: L - 4, y: T + 10, "text-anchor": "end", "font-size": 10 }, svg);
    top.textContent = fmt(unit, max);
    var zero = el("text", { x: L - 4, y: H - B, "text-anchor": "end", "font-size": 10 }, svg);
    zero.textContent = "0";
    if (weeks.length > 0) {
      var first = el("text", { x: L, y: H - 8, "font-size": 10 }, svg);
      first.textContent = weeks[0].slice(0, 10);
      var last = el("text", { x: W - R, y: H - 8, "font-size": 10, "text-anchor": "end" }, svg);
      last.textContent = weeks[weeks.length - 1].slice(0, 10);
    }
    // One line per run of weeks with a value: an empty week is a gap, never bridged.
    Object.keys(runs).forEach(function (s) {
      runs[s].forEach(function (run) {
        var d = "";
        run.values.forEach(function (v, k) {
          var i = run.start + k;
          d += (k === 0 ? "M" : "L") + x(i).toFixed(1) + " " + y(v).toFixed(1) + " ";
          el("circle", { cx: x(i), cy: y(v), r: 2, fill: colours[s] }, svg);
        });
        if (run.values.length > 1) el("path", { d: d, fill: "none", stroke: colours[s], "stroke-width": s === "all" ? 2 : 1.5, "data-series": s }, svg);
      });
    });
  });
  data.keys.forEach(function (key) {
    var unit = data.units[key];
    var svg = frame(document.getElementById("cohorts"), data.names[key]);
    svg.setAttribute("data-chart", "cohort-" + key);
    var names = ["ai-assisted", "unmarked"];
    if (!data.comparable[key]) {
      // Too few samples (or no value) in a cohort: the counts, not bars and intervals.
      svg.setAttribute("data-too-few", "true");
      var msg = el("text", { x: W / 2, y: H / 2 - 10, "text-anchor": "middle", "font-size": 12 }, svg);
      msg.textContent = data.missing[key]
        ? data.missing[key] + ": nothing to compare"
        : "too few to compare (fewer than " + data.minSamples + " samples in a cohort)";
      names.forEach(function (c, i) {
        var f = data.cohorts[c][key];
        var t = el("text", { x: W / 2, y: H / 2 + 12 + i * 16, "text-anchor": "middle", "font-size": 11 }, svg);
        t.textContent = c + ": n = " + f.samples + (f.value === null ? " (no value)" : "");
      });
      return;
    }
    var max = 0;
    names.forEach(function (c) {
      var f = data.cohorts[c][key];
      [f.value, f.high].forEach(function (v) { if (v !== null && v > max) max = v; });
    });
    if (max === 0) max = 1;
    var y = function (v) { return H - B - (v / max) * (H - T - B); };
    el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#999" }, svg);
    names.forEach(function (c, i) {
      var f = data.cohorts[c][key];
      var bx = L + 40 + i * 160;
      var label = el("text", { x: bx + 40, y: H - 10, "text-anchor": "middle", "font-size": 11 }, svg);
      label.textContent = c + " (n=" + f.samples + ")";
      el("rect", { x: bx, y: y(f.value), width: 80, height: H - B - y(f.value), fill: colours[c] }, svg);
      var v = el("text", { x: bx + 40, y: y(f.value) - 4, "text-anchor": "middle", "font-size": 11 }, svg);
      v.textContent = fmt(unit, f.value);
      if (f.low !== null && f.high !== null) {
        el("line", { x1: bx + 40, y1: y(f.low), x2: bx + 40, y2: y(f.high), stroke: "#222" }, svg);
        el("line", { x1: bx + 32, y1: y(f.high), x2: bx + 48, y2: y(f.high), stroke: "#222" }, svg);
        el("line", { x1: bx + 32, y1: y(f.low), x2: bx + 48, y2: y(f.low), stroke: "#222" }, svg);
      }
    });
  });
})();
</script>
</body>
</html>
`;
}
