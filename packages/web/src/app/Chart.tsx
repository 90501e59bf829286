/**
 * Charts of the report and beacon pages (issue 17 "a charting library for
 * reports"), drawn by Chart.js on a canvas. Only the pages that show a
 * chart import this module, so Chart.js stays out of the student's sign
 * path. Registered parts: bar and line controllers, their elements, the
 * category and linear scales — no tooltip, legend or animation.
 *
 * Accessibility: the canvas has `role="img"` and an `aria-label` holding
 * every figure, the caption names the chart, and the figures are also
 * written out as text under it (nothing is only in the picture). The
 * canvas's size follows its container (responsive, phone widths included);
 * colours are read from the app's CSS variables (`--ok`, `--late`, `--bad`,
 * `--muted`, `--brand`, `--ink`). Chart.js sets sizes through the CSSOM,
 * which the app's strict CSP (no inline styles in markup) allows.
 *
 * @module
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  LinearScale,
  LineController,
  LineElement,
  PointElement
} from "chart.js"
import { useEffect, useRef } from "preact/hooks"
import "./chart.css"

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement)

/** A CSS custom property of the document (e.g. `--ok`), or `fallback`. */
const cssVar = (name: string, fallback: string) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback

/** Draws `config` on the canvas while the component is mounted; redraws when `key` changes. */
const useChart = (config: () => ChartConfiguration, key: string) => {
  const canvas = useRef<HTMLCanvasElement>(null)
  useEffect(() => {
    if (!canvas.current) return
    const chart = new Chart(canvas.current, config())
    return () => chart.destroy()
  }, [key])
  return canvas
}

/** One bar of a {@link BarChart}. */
export interface Bar {
  readonly label: string
  readonly value: number
  /** Colour: a CSS variable of the app (`--ok`, `--late`, `--bad`, `--muted`); the brand colour otherwise. */
  readonly tone?: string
}

/**
 * Horizontal bars, one per `bars` item. `unit` is appended to the figures
 * (`" %"`); `max` fixes the scale's end (100 for rates), else it fits the data.
 */
export const BarChart = ({
  title,
  bars,
  unit = "",
  max
}: {
  title: string
  bars: ReadonlyArray<Bar>
  unit?: string
  max?: number
}) => {
  const figures = bars.map((b) => `${b.label} ${b.value}${unit}`).join(", ")
  const canvas = useChart(
    () => ({
      type: "bar",
      data: {
        labels: bars.map((b) => b.label),
        datasets: [
          {
            data: bars.map((b) => b.value),
            backgroundColor: bars.map((b) => cssVar(b.tone ?? "--brand", "#1d4ed8")),
            barThickness: 18
          }
        ]
      },
      options: {
        indexAxis: "y",
        animation: false,
        responsive: true,
        // Height from the number of bars: the canvas keeps this ratio as the width changes.
        aspectRatio: 320 / Math.max(60, bars.length * 30 + 24),
        plugins: { legend: { display: false }, tooltip: { enabled: false } },
        scales: {
          x: {
            beginAtZero: true,
            ...(max !== undefined ? { max } : {}),
            // Whole numbers only: the figures are counts or whole percentages.
            ticks: { precision: 0, color: cssVar("--ink", "#1a1a1a") }
          },
          y: { ticks: { color: cssVar("--ink", "#1a1a1a") } }
        }
      }
    }),
    `${title}|${figures}|${max}`
  )
  return (
    <figure class="chart">
      <div class="chart-box">
        <canvas ref={canvas} role="img" aria-label={`${title}: ${figures}`} />
      </div>
      <figcaption>{title}</figcaption>
      <ul class="chart-values">
        {bars.map((b) => (
          <li key={b.label}>
            {b.label}: <strong>{`${b.value}${unit}`}</strong>
          </li>
        ))}
      </ul>
    </figure>
  )
}

/**
 * A line of `points` (x ascending, e.g. epoch milliseconds; `formatX`
 * writes an x for people). The label and caption give the range, the last
 * value and the number of points.
 */
export const LineChart = ({
  title,
  points,
  unit,
  formatX = String
}: {
  title: string
  points: ReadonlyArray<{ readonly x: number; readonly y: number }>
  unit: string
  formatX?: (x: number) => string
}) => {
  const ys = points.map((p) => p.y)
  const [low, high, last] = [Math.min(...ys), Math.max(...ys), ys[ys.length - 1]]
  const summary = `${low}–${high} ${unit}, ${last} ${unit} (${points.length})`
  const canvas = useChart(
    () => ({
      type: "line",
      data: {
        datasets: [
          {
            data: points.map((p) => ({ x: p.x, y: p.y })),
            borderColor: cssVar("--brand", "#1d4ed8"),
            borderWidth: 2,
            pointRadius: 0
          }
        ]
      },
      options: {
        animation: false,
        responsive: true,
        aspectRatio: 320 / 140,
        plugins: { legend: { display: false }, tooltip: { enabled: false } },
        scales: {
          x: {
            type: "linear",
            ticks: { maxTicksLimit: 4, color: cssVar("--ink", "#1a1a1a"), callback: (v) => formatX(Number(v)) }
          },
          y: { ticks: { color: cssVar("--ink", "#1a1a1a") } }
        }
      }
    }),
    `${title}|${points.length}|${points[0]?.x}|${points[points.length - 1]?.x}|${summary}`
  )
  if (points.length === 0) return null
  return (
    <figure class="chart">
      <div class="chart-box">
        <canvas ref={canvas} role="img" aria-label={`${title}: ${summary}`} />
      </div>
      <figcaption>
        {title} ({low}–{high} {unit}; {last} {unit})
      </figcaption>
    </figure>
  )
}
