// A site's week as an SVG chart (no style attributes: the CSP forbids them; colours
// come from classes in style.css): per hour, what the uplink may carry (bars) and
// what the site sends (a line); below, the backlog waiting at the end of each hour.
import { formatNumber } from "../format";
import { t } from "../i18n";
import { WEEK_H, type SitePlan, weekChart, weekHour } from "./plan-model";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 672;
const HEIGHT = 180;
const BAND = 90;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/** Day lines and their names (the user's language), every 24 hours. */
function days(): SVGGElement {
  const step = WIDTH / WEEK_H;
  const group = svg("g", { class: "plan-days" });
  for (let day = 0; day < 7; day++) {
    const x = day * 24 * step;
    group.append(
      svg("line", { x1: x, x2: x, y1: 0, y2: HEIGHT }),
      svg("text", { x: x + 3, y: 12 }, weekHour(day * 24).split(" ")[0] ?? ""),
    );
  }
  return group;
}

export function siteChart(site: SitePlan): SVGSVGElement {
  const chart = weekChart(site, WIDTH, HEIGHT, BAND);
  const step = WIDTH / WEEK_H;
  const label = t("plan.chartLabel", {
    site: site.name,
    rate: formatNumber(chart.maxRateGb, 2),
    backlog: formatNumber(chart.maxBacklogGb, 1),
  });
  const root = svg("svg", {
    class: "plan-chart",
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-label": label,
    "data-site": site.site,
  });
  const bars = svg("g", { class: "plan-capacity" });
  for (const bar of chart.bars) {
    bars.append(svg("rect", { x: bar.x.toFixed(1), y: bar.y.toFixed(1), width: step.toFixed(2), height: bar.height.toFixed(1) }));
  }
  root.append(
    svg("title", {}, label),
    bars,
    svg("line", { class: "plan-sends", x1: 0, x2: WIDTH, y1: chart.sendsY.toFixed(1), y2: chart.sendsY.toFixed(1) }),
    svg("polygon", { class: "plan-backlog", points: `${chart.backlog} ${WIDTH},${HEIGHT}` }),
    svg("line", { class: "plan-split", x1: 0, x2: WIDTH, y1: BAND, y2: BAND }),
    days(),
  );
  return root;
}
