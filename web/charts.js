// Two small SVG charts, written here rather than pulled from a library: the page must work with
// no network, and these are all it needs.
"use strict";

const Charts = (() => {
  const EMOTIONS = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"];
  const COLORS = {
    angry: "#c0392b",
    disgust: "#6b8e23",
    fear: "#7d3c98",
    happy: "#e6b800",
    neutral: "#8a9597",
    sad: "#2471a3",
    surprise: "#e67e22",
  };
  const NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, text) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(width, height, label) {
    return el("svg", {
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": label,
      preserveAspectRatio: "xMidYMid meet",
    });
  }

  /** Horizontal bars, one per emotion, with its percentage. */
  function bars(container, percentages) {
    const rowH = 30, labelW = 110, valueW = 80, width = 560, height = rowH * EMOTIONS.length;
    const chartW = width - labelW - valueW;
    const summary = EMOTIONS.map((e) => `${e} ${percentages[e].toFixed(1)}%`).join(", ");
    const root = svg(width, height, `Share of each expression: ${summary}`);
    root.classList.add("bars");
    EMOTIONS.forEach((e, i) => {
      const p = percentages[e];
      const y = i * rowH;
      const g = el("g", { "data-emotion": e });
      g.append(
        el("text", { x: labelW - 8, y: y + rowH / 2, "text-anchor": "end", "dominant-baseline": "middle" }, e),
        el("rect", { x: labelW, y: y + 5, width: chartW, height: rowH - 10, class: "track" }),
        el("rect", {
          x: labelW, y: y + 5, width: (chartW * p) / 100, height: rowH - 10,
          fill: COLORS[e], class: "bar",
        }),
        el("text", { x: width - valueW + 8, y: y + rowH / 2, "dominant-baseline": "middle", class: "value" },
          `${p.toFixed(1)}%`),
      );
      g.append(el("title", {}, `${e}: ${p.toFixed(2)}%`));
      root.append(g);
    });
    container.replaceChildren(root);
  }

  /**
   * Mean probabilities over time as stacked columns; `slices` is a list of
   * {start_ms, end_ms, faces, mean: {emotion: probability}} in time order.
   */
  function timeline(container, slices, durationMs) {
    const width = 720, height = 240, left = 64, bottom = 32, top = 12, right = 24;
    const plotW = width - left - right, plotH = height - top - bottom;
    const withFaces = slices.filter((s) => s.faces > 0).length;
    const root = svg(width, height,
      `Expressions over ${formatTime(durationMs)}: ${withFaces} of ${slices.length} time slices had a face`);
    root.classList.add("timeline");
    for (const frac of [0, 0.5, 1]) {
      const y = top + plotH * (1 - frac);
      root.append(
        el("line", { x1: left, x2: width - right, y1: y, y2: y, class: "grid" }),
        el("text", { x: left - 6, y, "text-anchor": "end", "dominant-baseline": "middle", class: "axis" },
          `${frac * 100}%`),
      );
    }
    const scale = (ms) => left + (plotW * ms) / Math.max(durationMs, 1);
    for (const s of slices) {
      if (s.faces === 0) continue;
      const x = scale(s.start_ms);
      const w = Math.max(scale(s.end_ms) - x, 0.5);
      let acc = 0;
      const g = el("g", { class: "slice" });
      for (const e of EMOTIONS) {
        const p = s.mean[e];
        if (p <= 0) continue;
        const y = top + plotH * (1 - acc - p);
        g.append(el("rect", { x, y, width: w + 0.3, height: plotH * p, fill: COLORS[e], "data-emotion": e }));
        acc += p;
      }
      const top3 = EMOTIONS.slice().sort((a, b) => s.mean[b] - s.mean[a]).slice(0, 3)
        .map((e) => `${e} ${(s.mean[e] * 100).toFixed(0)}%`).join(", ");
      g.append(el("title", {}, `${formatTime(s.start_ms)}–${formatTime(s.end_ms)}: ${top3} (${s.faces} faces)`));
      root.append(g);
    }
    for (const frac of [0, 0.5, 1]) {
      const ms = durationMs * frac;
      root.append(el("text", {
        x: scale(ms), y: height - 8, class: "axis",
        "text-anchor": frac === 0 ? "start" : frac === 1 ? "end" : "middle",
      }, formatTime(ms)));
    }
    container.replaceChildren(root);
  }

  /** One thin bar of a person's expressions, stacked in the order of EMOTIONS. */
  function stack(container, percentages, who) {
    const width = 160, height = 14;
    const summary = EMOTIONS.filter((e) => percentages[e] > 0)
      .map((e) => `${e} ${percentages[e].toFixed(1)}%`).join(", ");
    const root = svg(width, height, `${who}: ${summary || "no face"}`);
    root.classList.add("stack");
    let x = 0;
    for (const e of EMOTIONS) {
      const w = (width * percentages[e]) / 100;
      if (w <= 0) continue;
      root.append(el("rect", { x, y: 0, width: w, height, fill: COLORS[e], "data-emotion": e }));
      x += w;
    }
    container.replaceChildren(root);
  }

  /** One lane per person: a mark per analysed frame that shows them, coloured by expression. */
  function lanes(container, people, frames, durationMs) {
    const laneH = 22, left = 84, right = 24, bottom = 24, width = 720;
    const height = laneH * people.length + bottom;
    const root = svg(width, height, `Each person's expressions over ${formatTime(durationMs)}`);
    root.classList.add("lanes");
    const plotW = width - left - right;
    const scale = (ms) => left + (plotW * ms) / Math.max(durationMs, 1);
    const row = new Map(people.map((p, i) => [p.id, i]));
    const lanes = people.map((p, i) => {
      const g = el("g", { class: "lane", "data-person": p.id });
      g.append(
        el("text", { x: left - 8, y: i * laneH + laneH / 2, "text-anchor": "end", "dominant-baseline": "middle", class: "axis" },
          `Person ${p.id}`),
        el("rect", { x: left, y: i * laneH + 3, width: plotW, height: laneH - 6, class: "track" }),
      );
      root.append(g);
      return g;
    });
    const mark = Math.max(plotW / Math.max(frames.length, 1), 1);
    for (const f of frames) {
      for (const face of f.faces) {
        const i = row.get(face.track_id);
        if (i === undefined) continue;
        lanes[i].append(el("rect", {
          x: scale(f.time_ms), y: i * laneH + 3, width: mark, height: laneH - 6,
          fill: COLORS[face.emotion], "data-emotion": face.emotion, class: "mark",
        }));
      }
    }
    for (const frac of [0, 0.5, 1]) {
      const ms = durationMs * frac;
      root.append(el("text", {
        x: scale(ms), y: height - 6, class: "axis",
        "text-anchor": frac === 0 ? "start" : frac === 1 ? "end" : "middle",
      }, formatTime(ms)));
    }
    container.replaceChildren(root);
  }

  /** Averages the faces' probabilities in `count` equal slices of the video. */
  function slice(frames, durationMs, count) {
    const n = Math.max(1, Math.min(count, frames.length || 1));
    const slices = Array.from({ length: n }, (_, i) => ({
      start_ms: (durationMs * i) / n,
      end_ms: (durationMs * (i + 1)) / n,
      faces: 0,
      mean: Object.fromEntries(EMOTIONS.map((e) => [e, 0])),
    }));
    for (const f of frames) {
      const i = Math.min(n - 1, Math.floor((f.time_ms * n) / Math.max(durationMs, 1)));
      for (const face of f.faces) {
        slices[i].faces += 1;
        for (const e of EMOTIONS) slices[i].mean[e] += face.probabilities[e];
      }
    }
    for (const s of slices) {
      if (s.faces > 0) for (const e of EMOTIONS) s.mean[e] /= s.faces;
    }
    return slices;
  }

  function formatTime(ms) {
    const s = Math.round(ms / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  return { EMOTIONS, COLORS, bars, timeline, slice, stack, lanes, formatTime };
})();
