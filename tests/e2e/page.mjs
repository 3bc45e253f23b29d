// Drives the Emoscope page in real headless Chromium, as a person would, and checks what it shows
// against the API. Run by tests/web.rs, which starts the server, makes the video and an API key:
//   BASE_URL=http://127.0.0.1:PORT VIDEO=clip.mp4 API_KEY=emo_… OUT_DIR=dir node tests/e2e/page.mjs
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.BASE_URL;
const VIDEO = process.env.VIDEO;
const OUT = process.env.OUT_DIR || "e2e-artifacts";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const KEY = process.env.API_KEY;
const CAMERA = process.env.CAMERA;
const AUTH = KEY ? { authorization: `Bearer ${KEY}` } : {};
assert.ok(BASE && VIDEO, "set BASE_URL and VIDEO");
mkdirSync(OUT, { recursive: true });

const api = async (path, init = {}) => {
  const res = await fetch(BASE + path, { ...init, headers: { ...AUTH, ...(init.headers || {}) } });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
};

const ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
const steps = [];
const step = async (name, fn) => {
  const started = Date.now();
  await fn();
  steps.push(`${name} (${Date.now() - started} ms)`);
  console.log(`ok - ${name}`);
};

try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const outside = [];
  const consoleErrors = [];
  const requested = [];
  page.on("request", (r) => {
    const url = r.url();
    requested.push(url);
    if (!url.startsWith(BASE) && !url.startsWith(`blob:${BASE}`) && !url.startsWith("data:")) outside.push(url);
  });
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(`${m.text()} ${m.location().url || ""}`);
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("dialog", (d) => d.accept());

  await step("the page loads, asks for the API key, and reads the server's settings", async () => {
    await page.goto(BASE + "/");
    await page.waitForSelector("body[data-ready=true]");
    if (KEY) {
      await page.waitForSelector("#key-box:not([hidden])");
      await page.fill("#key", "emo_not-a-key");
      await page.click("#key-form button[type=submit]");
      await page.waitForFunction(() => /refused/.test(document.querySelector("#key-why").textContent));
      await page.fill("#key", KEY);
      await page.click("#key-form button[type=submit]");
      await page.waitForFunction(() => document.querySelector("#model").options.length > 0);
      assert.equal(await page.isHidden("#key-box"), true);
      // Kept for this tab only: never in localStorage or a cookie.
      assert.equal(await page.evaluate(() => sessionStorage.getItem("emoscope.key")), KEY);
      assert.equal(await page.evaluate(() => localStorage.length), 0);
      assert.deepEqual(await context.cookies(), []);
    }
    const info = (await api("/v1/info")).body;
    assert.equal(await page.inputValue("#model"), info.default_model);
    assert.equal(Number(await page.inputValue("#sample_fps")), info.defaults.sample_fps);
    // Every form control has a label a screen reader can read.
    const unlabeled = await page.$$eval("input, select", (els) =>
      els.filter((e) => e.labels.length === 0).map((e) => e.id));
    assert.deepEqual(unlabeled, []);
  });

  await step("a file dropped on the page that is not a video gets an error in words", async () => {
    const transfer = await page.evaluateHandle(() => {
      const t = new DataTransfer();
      t.items.add(new File(["these are not frames\n".repeat(50)], "notes.mp4", { type: "video/mp4" }));
      return t;
    });
    await page.dispatchEvent("#drop", "dragover", { dataTransfer: transfer });
    await page.dispatchEvent("#drop", "drop", { dataTransfer: transfer });
    assert.match(await page.textContent("#chosen"), /notes\.mp4/);
    await page.click("#analyse");
    await page.waitForSelector("#error:not([hidden])");
    const text = await page.textContent("#error");
    assert.match(text, /could not start/i);
    assert.match(text, /video/i);
  });

  let jobId;
  await step("a real video is uploaded and analysed, with progress shown", async () => {
    await page.setInputFiles("#video", VIDEO);
    await page.fill("#sample_fps", "5");
    await page.check("#annotate");
    // From the keyboard, as someone who does not use a mouse would.
    await page.focus("#analyse");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#progress:not([hidden])");
    await page.waitForSelector("#result[data-state=ready]", { timeout: 180_000 });
    assert.equal(await page.isHidden("#error"), true, "the earlier error is cleared");
    jobId = await page.getAttribute("#result", "data-job-id");
    // Progress came over the event stream, not by polling the job.
    assert.ok(requested.some((u) => u.endsWith(`/v1/jobs/${jobId}/events`)), "the page opened /events");
    assert.ok(!requested.some((u) => u.endsWith(`/v1/jobs/${jobId}`)), "the page did not poll");
    assert.match(await page.textContent("#status"), /analysed/);
    assert.equal(await page.textContent("#upload-text"), "done");
    assert.equal(await page.$eval("#job-bar", (p) => p.value), 100);
  });

  await step("the numbers and charts match the API", async () => {
    const { status, body: em } = await api(`/v1/jobs/${jobId}/emotions`);
    assert.equal(status, 200);
    assert.ok(em.faces_classified > 0, "the test video has faces");
    assert.equal(Number(await page.textContent("#n-frames")), em.frames_analyzed);
    assert.equal(Number(await page.textContent("#n-face-frames")), em.frames_with_face);
    assert.equal(Number(await page.textContent("#n-faces")), em.faces_classified);
    assert.equal(await page.textContent("#n-dominant"), em.dominant);
    const rows = await page.$$eval("#emotion-table tbody tr", (trs) =>
      trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.equal(rows.length, 7);
    for (const [emotion, share, faces] of rows) {
      assert.equal(share, `${em.percentages[emotion].toFixed(2)}%`, emotion);
      assert.equal(Number(faces), em.counts[emotion], emotion);
    }
    const widths = await page.$$eval("#bars rect.bar", (rs) =>
      Object.fromEntries(rs.map((r) => [r.parentNode.dataset.emotion, Number(r.getAttribute("width"))])));
    const total = Object.values(widths).reduce((a, b) => a + b, 0);
    for (const [emotion, w] of Object.entries(widths)) {
      assert.ok(Math.abs((100 * w) / total - em.percentages[emotion]) < 0.01, `bar of ${emotion}`);
    }
    const slices = await page.$$eval("#timeline svg g.slice", (gs) => gs.length);
    assert.ok(slices > 0, "the timeline chart has columns");
    assert.equal(await page.$$eval("#legend li", (l) => l.length), 7);
    assert.equal(await page.getAttribute("#dl-csv", "href"), `/v1/jobs/${jobId}/timeline?format=csv`);
    assert.equal(await page.getAttribute("#dl-json", "href"), `/v1/jobs/${jobId}/emotions`);
    const csv = await (await fetch(BASE + `/v1/jobs/${jobId}/timeline?format=csv`, { headers: AUTH })).text();
    assert.ok(csv.startsWith("frame,time_ms,face,"), "the CSV download is the timeline");
  });

  await step("the annotated video plays in the page", async () => {
    await page.waitForFunction(() => document.querySelector("#annotated").getAttribute("src"));
    const src = await page.getAttribute("#annotated", "src");
    // With a key the page fetches the video itself: a <video> cannot send the header.
    if (KEY) assert.match(src, /^blob:/);
    else assert.equal(src, `/v1/jobs/${jobId}/annotated.mp4`);
    const duration = await page.$eval("#annotated", (v) => new Promise((resolve, reject) => {
      if (v.readyState >= 1) return resolve(v.duration);
      if (v.error) return reject(new Error(`the video cannot play: ${v.error.message}`));
      setTimeout(() => reject(new Error("the video did not load in 30 s")), 30_000);
      v.addEventListener("loadedmetadata", () => resolve(v.duration), { once: true });
      v.addEventListener("error", () => reject(new Error(`the video cannot play: ${v.error && v.error.message}`)), { once: true });
    }));
    assert.ok(Math.abs(duration - 10) < 0.5, `the annotated video lasts ${duration} s`);
  });

  await step("the people list and lanes match /people", async () => {
    const { status, body } = await api(`/v1/jobs/${jobId}/people`);
    assert.equal(status, 200);
    assert.ok(body.people.length >= 2, "the test video shows at least two people");
    const rows = await page.$$eval("#people-table tbody tr", (trs) =>
      trs.map((tr) => ({ id: Number(tr.dataset.person), cells: [...tr.children].map((td) => td.textContent) })));
    assert.deepEqual(rows.map((r) => r.id), body.people.map((p) => p.id), "one row per person, in order");
    for (const [i, p] of body.people.entries()) {
      assert.equal(rows[i].cells[0], `Person ${p.id}`);
      assert.ok(rows[i].cells[3].startsWith(p.dominant), `dominant of person ${p.id}`);
      const widths = await page.$$eval(`#people-table tr[data-person="${p.id}"] svg.stack rect`, (rs) =>
        Object.fromEntries(rs.map((r) => [r.dataset.emotion, Number(r.getAttribute("width"))])));
      for (const [emotion, w] of Object.entries(widths)) {
        assert.ok(Math.abs((100 * w) / 160 - p.percentages[emotion]) < 0.01, `person ${p.id} ${emotion}`);
      }
    }
    const lanes = await page.$$eval("#lanes g.lane", (gs) =>
      gs.map((g) => ({ id: Number(g.dataset.person), marks: g.querySelectorAll("rect.mark").length })));
    assert.deepEqual(lanes.map((l) => l.id), body.people.map((p) => p.id), "one lane per person");
    for (const [i, p] of body.people.entries()) {
      assert.equal(lanes[i].marks, p.faces, `one mark per face of person ${p.id}`);
    }
  });

  await step("a template report is written and shown with its note", async () => {
    await page.selectOption("#report-language", "en");
    await page.selectOption("#report-provider", "template");
    await page.click("#report-button");
    await page.waitForSelector("#report:not([hidden])");
    const { body: report } = await api(`/v1/jobs/${jobId}/report`);
    assert.equal(await page.getAttribute("#report", "data-report-id"), report.id);
    const shown = (await page.innerText("#report")).replace(/\s+/g, " ");
    const firstSentence = report.text.split(/\n\s*\n/)[0].replace(/\*\*/g, "").replace(/\s+/g, " ").trim();
    assert.ok(shown.includes(firstSentence.slice(0, 80)), `report text shown:\n${shown}`);
    assert.match(shown, /not a diagnosis/);
  });

  await step("screenshots, wide and phone-sized", async () => {
    await page.screenshot({ path: join(OUT, "page.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways on a phone by ${overflow} px`);
    await page.screenshot({ path: join(OUT, "page-phone.png"), fullPage: true });
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  await step("the job is in the list and can be deleted from it", async () => {
    await page.click("#refresh");
    const row = `#jobs-table tr[data-job-id="${jobId}"]`;
    await page.waitForSelector(`${row}[data-status=succeeded]`);
    await page.click(`${row} button.danger`);
    await page.waitForSelector(row, { state: "detached" });
    assert.equal((await api(`/v1/jobs/${jobId}`)).status, 404);
    assert.equal(await page.isHidden("#result"), true);
  });

  await step("the API docs render offline from the binary", async () => {
    await page.goto(BASE + "/docs");
    await page.waitForSelector(".opblock", { timeout: 30_000 });
    const operations = await page.$$eval(".opblock", (o) => o.length);
    const spec = (await api("/openapi.json")).body;
    const expected = Object.values(spec.paths).reduce((n, p) => n + Object.keys(p).length, 0);
    assert.equal(operations, expected);
    await page.screenshot({ path: join(OUT, "docs.png") });
  });

  if (CAMERA) {
    await step("the live camera shows faces and people, and keeps its session as a job", async () => {
      const cameraArgs = [
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        `--use-file-for-fake-video-capture=${CAMERA}`,
      ];
      const withCamera = await chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...cameraArgs] });
      try {
        const context = await withCamera.newContext({ viewport: { width: 1100, height: 900 } });
        if (KEY) await context.addInitScript((k) => sessionStorage.setItem("emoscope.key", k), KEY);
        const cam = await context.newPage();
        cam.on("pageerror", (e) => consoleErrors.push(String(e)));
        cam.on("console", (m) => {
          if (m.type() === "error") consoleErrors.push(`${m.text()} ${m.location().url || ""}`);
        });
        await cam.goto(BASE + "/");
        await cam.waitForSelector("body[data-ready=true]");
        await cam.click("#live-start");
        await cam.waitForSelector("#live-overlay[data-faces]:not([data-faces='0'])", { timeout: 30_000 });
        await cam.waitForSelector("#live-people tbody tr", { timeout: 30_000 });
        await cam.screenshot({ path: join(OUT, "live.png") });
        await cam.click("#live-keep");
        await cam.waitForFunction(() => /Kept as a job/.test(document.getElementById("live-status").textContent),
          null, { timeout: 30_000 });
        const { body } = await api("/v1/jobs?limit=5");
        const kept = body.items.find((j) => j.video.name === "live session");
        assert.ok(kept && kept.status === "succeeded", JSON.stringify(body.items.map((j) => j.video.name)));
        const people = (await api(`/v1/jobs/${kept.id}/people`)).body.people;
        assert.ok(people.length >= 1, "the kept session has people");
        await cam.waitForSelector(`#jobs-table tr[data-job-id="${kept.id}"]`);
      } finally {
        await withCamera.close();
      }
    });
  }

  await step("nothing was fetched from outside and the console stayed clean", async () => {
    assert.deepEqual(outside, []);
    // The deliberate bad upload logs its 422 response, and the page's first requests without a
    // key (and with a wrong one) their 401s; nothing else may.
    const unexpected = consoleErrors.filter((e) => !/status of (422|401)/.test(e));
    assert.deepEqual(unexpected, []);
  });
  writeFileSync(join(OUT, "steps.txt"), steps.join("\n") + "\n");
  console.log(`all ${steps.length} steps of the browser test passed`);
} finally {
  await browser.close();
}
