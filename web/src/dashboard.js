// Charts of the staff dashboard (/inbox/dashboard). Every chart is drawn from the table
// next to it: the numbers a person reads in the table are the numbers in the chart.
// A hidden count ("<5", "verborgen") is not drawn. No inline script: the inbox's
// Content-Security-Policy allows only scripts from its own origin.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement,
  PointElement, Tooltip,
} from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement,
  PointElement, Tooltip);

// Colours that differ in lightness too (readable for most kinds of colour blindness);
// the legend and the table name every series in words.
const COLOURS = ["#154273", "#e17000", "#39870c", "#a90061", "#007bc7", "#673327", "#8fcae7", "#ffb612",
  "#5e5e5e", "#42145f", "#01689b", "#d52b1e"];

function cellNumber(text) {
  const value = text.trim();
  if (!/^[0-9]+%?$/.test(value)) return null; // hidden ("<5", "verborgen") or empty ("–")
  return parseInt(value, 10);
}

export function tableData(table) {
  const columns = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  const series = (table.dataset.series || "").split(",").filter(Boolean).map(Number);
  let rows = [...table.querySelectorAll("tbody tr")];
  if (table.dataset.chartRows) rows = rows.slice(0, Number(table.dataset.chartRows));
  const labels = rows.map((tr) => tr.querySelector("th, td").textContent.trim());
  const colours = table.dataset.colours ? table.dataset.colours.split(",") : COLOURS;
  const datasets = series.map((column, i) => ({
    label: columns[column],
    data: rows.map((tr) => cellNumber(tr.children[column].textContent)),
    backgroundColor: colours[i % colours.length],
    borderColor: colours[i % colours.length],
  }));
  return { labels, datasets };
}

function draw(table) {
  const canvas = document.getElementById("grafiek-" + table.dataset.table);
  if (!canvas) return null;
  const kind = table.dataset.chart;
  const data = tableData(table);
  const stacked = kind === "stacked";
  const horizontal = kind === "horizontal";
  const chart = new Chart(canvas, {
    type: kind === "line" ? "line" : "bar",
    data,
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: horizontal ? "y" : "x",
      scales: {
        x: { stacked, beginAtZero: true, ticks: { precision: 0 } },
        y: { stacked, beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: { legend: { display: data.datasets.length > 1 || !horizontal, position: "bottom" } },
    },
  });
  return chart;
}

function start() {
  const charts = {};
  document.querySelectorAll("table[data-chart]").forEach((table) => {
    const chart = draw(table);
    if (chart) charts[table.dataset.table] = chart;
  });
  // for the browser tests and for anyone who wants to check a chart against its table
  window.zelfscanCharts = charts;
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
