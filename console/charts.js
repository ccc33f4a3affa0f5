// @ts-check
/**
 * The usage charts, drawn with uPlot (console/vendor/, copied from the `uplot` package by wrangler's build command):
 * calls per day per tool, error rate and p95 duration, each with its numbers in a table beside it for screen readers.
 * A chart's figure carries `data-points`, the number of points drawn (days with a value, over all series).
 */
import uPlot from "./vendor/uPlot.esm.js";
import { h, table } from "./dom.js";

const COLORS = ["#1f4e79", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490", "#a16207", "#4d7c0f", "#be185d"];

/**
 * @typedef {{ days: string[], tools: { tool: string, calls: number[] }[], calls: number[], errors: number[],
 *   errorRate: (number | null)[], p95Ms: (number | null)[] }} DailyUsage
 */

/**
 * The three charts of one usage report.
 *
 * @param {DailyUsage} usage
 * @param {string} idPrefix
 * @returns {HTMLElement}
 */
export function usageCharts(usage, idPrefix) {
  const wrap = h("div", { class: "charts" });
  const tools = usage.tools.length > 0 ? usage.tools : [{ tool: "calls", calls: usage.calls }];
  const figures = [
    chart(`${idPrefix}-calls`, "Calls per day, per tool", usage.days, tools.map((t) => ({ label: t.tool, values: t.calls }))),
    chart(`${idPrefix}-errors`, "Error rate per day (%)", usage.days, [
      { label: "error rate %", values: usage.errorRate.map((r) => (r === null ? null : Math.round(r * 1000) / 10)) },
    ]),
    chart(`${idPrefix}-p95`, "p95 duration per day (ms)", usage.days, [{ label: "p95 ms", values: usage.p95Ms }]),
  ];
  wrap.append(...figures.map((f) => f.figure));
  // Drawn once in the document, so uPlot can measure; the width follows the page's.
  requestAnimationFrame(() => {
    for (const f of figures) f.draw();
  });
  return wrap;
}

/**
 * @param {string} id
 * @param {string} title
 * @param {string[]} days
 * @param {{ label: string, values: (number | null)[] }[]} series
 */
function chart(id, title, days, series) {
  const plot = h("div", { class: "plot", "aria-hidden": "true" });
  const points = series.reduce((n, s) => n + s.values.filter((v) => v !== null && v !== 0).length, 0);
  const figure = h(
    "figure",
    { class: "chart", id, "aria-labelledby": `${id}-title` },
    h("figcaption", { id: `${id}-title` }, title),
    plot,
    h(
      "details",
      {},
      h("summary", {}, `${title}: the numbers`),
      table(
        title,
        ["day", ...series.map((s) => s.label)],
        days.map((d, i) => [d, ...series.map((s) => (s.values[i] === null ? "-" : String(s.values[i])))]),
      ),
    ),
  );
  const draw = () => {
    const x = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const width = Math.max(320, Math.min(1000, (figure.parentElement?.clientWidth ?? 800) - 10));
    const u = new uPlot(
      {
        width,
        height: 220,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
        scales: { x: { time: true } },
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            points: { show: true, size: 5 },
            spanGaps: false,
          })),
        ],
        axes: [{}, { size: 60 }],
      },
      /** @type {any} */ ([x, ...series.map((s) => s.values)]),
      plot,
    );
    figure.dataset.points = String(points);
    figure.dataset.drawn = "true";
    return u;
  };
  return { figure, draw };
}
