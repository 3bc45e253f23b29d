// The Emoscope page: upload a video, follow its analysis, read the result and a report, manage past
// jobs. Everything goes through the public API (/v1/...), the same one other services use.
"use strict";

const $ = (id) => document.getElementById(id);
const KEY_STORE = "emoscope.key";
const state = { info: null, jobId: null, poll: null, cursor: null, file: null, key: sessionStorage.getItem(KEY_STORE) };
const LANGUAGE_NAMES = { en: "English", ru: "Русский" };
const JOBS_PAGE = 20;

class ApiError extends Error {
  constructor(status, body) {
    const message = body && body.error && body.error.message;
    super(message ? sentence(message) : `The server answered with HTTP ${status}.`);
    this.status = status;
    this.code = body && body.error ? body.error.code : undefined;
  }
}

function sentence(text) {
  const t = String(text).trim();
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? "" : ".");
}

/** The API key, when this tab has one: the server asks for it once any key exists. */
function authHeaders() {
  return state.key ? { authorization: `Bearer ${state.key}` } : {};
}

async function send(method, path, body) {
  const headers = authHeaders();
  if (body !== undefined) headers["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (_) {
    throw new Error("The server cannot be reached. Check the connection and try again.");
  }
  if (res.status === 401) askForKey(res);
  return res;
}

async function api(method, path, body) {
  const res = await send(method, path, body);
  if (res.status === 204) return null;
  const isJson = (res.headers.get("content-type") || "").includes("application/json");
  const data = isJson ? await res.json() : await res.text();
  if (!res.ok) throw new ApiError(res.status, isJson ? data : null);
  return data;
}

// ---- the API key ----

function askForKey() {
  $("key-why").textContent = state.key
    ? "The server refused this tab's API key (unknown or revoked). Enter another one."
    : "This server asks for an API key. It is kept in this browser tab only, and sent with each request.";
  $("key-box").hidden = false;
  $("key").focus();
}

function wireKey() {
  $("key-set").hidden = !state.key;
  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const key = $("key").value.trim();
    if (!key) return;
    state.key = key;
    sessionStorage.setItem(KEY_STORE, key);
    $("key").value = "";
    $("key-box").hidden = true;
    $("key-set").hidden = false;
    showError("");
    start();
  });
  $("forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORE);
    location.reload();
  });
}

/**
 * A link to an API resource. Without a key it is a plain link (and a video streams with Range);
 * with one, a browser cannot add the header to a link, so the file is fetched and handed over.
 */
async function authedUrl(url) {
  if (!state.key) return url;
  const res = await send("GET", url);
  if (!res.ok) throw new ApiError(res.status, null);
  return URL.createObjectURL(await res.blob());
}

function authedDownload(a, url, filename) {
  a.href = url;
  a.setAttribute("download", filename);
  a.onclick = state.key
    ? async (e) => {
        e.preventDefault();
        try {
          const blob = await authedUrl(url);
          const tmp = document.createElement("a");
          tmp.href = blob;
          tmp.download = filename;
          tmp.click();
          setTimeout(() => URL.revokeObjectURL(blob), 10000);
        } catch (err) {
          showError(`The file cannot be downloaded. ${err.message}`);
        }
      }
    : null;
}

function showError(message) {
  const box = $("error");
  box.textContent = message || "";
  box.hidden = !message;
  if (message) box.scrollIntoView({ block: "nearest" });
}

function setStatus(text) {
  $("status").textContent = text;
}

function formatBytes(n) {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KiB`;
  return `${n} bytes`;
}

function option(value, text) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  return o;
}

// ---- settings from the server ----

function fillOptions(info) {
  const fps = $("sample_fps");
  fps.value = info.defaults.sample_fps;
  fps.max = info.limits.max_sample_fps;
  $("detector").value = info.defaults.detector;
  if (!info.detectors.yunet.available) {
    $("detector").querySelector('option[value="yunet"]').disabled = true;
    $("detector").value = "haar";
  }
  $("keep_video").checked = info.defaults.keep_video;
  $("model").replaceChildren(...info.models.map((m) =>
    option(m.name, m.default ? `${m.name} (default)` : m.name)));
  $("model").value = info.default_model;
  $("report-language").replaceChildren(...info.reports.template_languages.map((l) =>
    option(l, LANGUAGE_NAMES[l] || l)));
  const provider = $("report-provider");
  provider.value = info.reports.default_provider;
  const llm = provider.querySelector('option[value="openai"]');
  if (info.reports.default_provider !== "openai" && !llm.disabled) {
    llm.disabled = true;
    llm.textContent += " — not set up on this server";
  }
}

// ---- upload ----

function chooseFile(file) {
  state.file = file || null;
  $("chosen").textContent = file ? `${file.name} (${formatBytes(file.size)})` : "No video chosen.";
}

function uploadQuery() {
  const q = new URLSearchParams();
  const fps = $("sample_fps").value.trim();
  if (fps !== "") q.set("sample_fps", fps);
  q.set("detector", $("detector").value);
  if ($("model").value) q.set("model", $("model").value);
  q.set("tracking", $("tracking").checked ? "true" : "false");
  q.set("focus", $("focus").value);
  if ($("annotate").checked) q.set("annotate", "true");
  q.set("keep_video", $("keep_video").checked ? "true" : "false");
  return q;
}

/** XMLHttpRequest rather than fetch: it reports upload progress. */
function upload(file, query) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    // Options travel in the query, so the server checks them before the video is sent.
    xhr.open("POST", `/v1/jobs?${query}`);
    if (state.key) xhr.setRequestHeader("authorization", `Bearer ${state.key}`);
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.round((100 * e.loaded) / e.total);
      $("upload-bar").value = pct;
      $("upload-text").textContent = `${pct}% of ${formatBytes(e.total)}`;
    };
    xhr.onload = () => {
      if (xhr.status === 202) return resolve(xhr.response);
      if (xhr.status === 401) askForKey();
      reject(new ApiError(xhr.status, xhr.response));
    };
    xhr.onerror = () => reject(new Error("The upload broke off. Check the connection and try again."));
    const form = new FormData();
    form.append("video", file, file.name);
    xhr.send(form);
  });
}

async function submitUpload(event) {
  event.preventDefault();
  showError("");
  const file = state.file;
  if (!file) {
    showError("Choose a video first.");
    $("video").focus();
    return;
  }
  const limit = state.info && state.info.limits.max_upload_bytes;
  if (limit && file.size > limit) {
    showError(`The video is ${formatBytes(file.size)}; this server accepts up to ${formatBytes(limit)}.`);
    return;
  }
  if (file.size === 0) {
    showError("The chosen file is empty.");
    return;
  }
  $("analyse").disabled = true;
  $("progress").hidden = false;
  $("upload-bar").value = 0;
  $("job-bar").value = 0;
  $("job-text").textContent = "";
  setStatus("Uploading…");
  try {
    const job = await upload(file, uploadQuery());
    $("upload-bar").value = 100;
    $("upload-text").textContent = "done";
    openJob(job.id);
    loadJobs();
  } catch (e) {
    setStatus("");
    $("progress").hidden = true;
    showError(`The analysis could not start. ${e.message}`);
  } finally {
    $("analyse").disabled = false;
  }
}

function wireUpload() {
  const input = $("video");
  const drop = $("drop");
  input.addEventListener("change", () => chooseFile(input.files[0]));
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const file = e.dataTransfer.files[0];
    if (!file) return;
    input.files = e.dataTransfer.files;
    chooseFile(file);
  });
  $("upload-form").addEventListener("submit", submitUpload);
  $("cancel").addEventListener("click", async () => {
    if (!state.jobId) return;
    try {
      await api("POST", `/v1/jobs/${state.jobId}/cancel`);
      setStatus("Canceling…");
    } catch (e) {
      showError(`The analysis could not be canceled. ${e.message}`);
    }
  });
}

// ---- one job ----

function jobFromHash() {
  const m = /^#job=([0-9a-fA-F-]{36})$/.exec(location.hash);
  return m ? m[1] : null;
}

function openJob(id) {
  if (location.hash !== `#job=${id}`) history.replaceState(null, "", `#job=${id}`);
  state.jobId = id;
  clearTimeout(state.poll);
  $("result").hidden = true;
  $("result").dataset.state = "loading";
  follow(id);
}

/** Shows a job's state; true once it has finished (and its result is shown). */
async function render(id, job) {
  if (id !== state.jobId) return true;
  const name = job.video.name || "the video";
  const p = job.progress;
  $("progress").hidden = false;
  $("job-bar").value = p.percent;
  $("job-text").textContent = `${p.frames_done} of ${p.frames_total} frames (${p.percent}%)`;
  const active = ["downloading", "queued", "running"].includes(job.status);
  $("cancel").hidden = !active;
  if (active) {
    const doing = {
      downloading: `Fetching ${name}…`,
      queued: `${name} is waiting for a worker…`,
      running: `Analysing ${name}…`,
    };
    setStatus(doing[job.status]);
    return false;
  }
  if (job.status === "succeeded") {
    setStatus(`${name} is analysed.`);
    await showResult(job);
  } else if (job.status === "failed") {
    setStatus("");
    showError(`The analysis of ${name} failed. ${job.error ? sentence(job.error.message) : "No reason was given."}`);
  } else {
    setStatus(`The analysis of ${name} was canceled.`);
  }
  loadJobs();
  return true;
}

/** Follows a job through its event stream; polls once a second if the stream is unavailable. */
async function follow(id) {
  let res;
  try {
    res = await send("GET", `/v1/jobs/${id}/events`);
  } catch (_) {
    res = null;
  }
  if (!res || !res.ok || !res.body) {
    if (res && res.status === 404) showError("The analysis cannot be read. It does not exist (any more).");
    else if (!res || res.status !== 401) poll(id);
    return;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (_) {
      break;
    }
    if (chunk.done) break;
    if (id !== state.jobId) return reader.cancel();
    buffer += chunk.value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const lines = buffer.slice(0, end).split("\n");
      buffer = buffer.slice(end + 2);
      const event = (lines.find((l) => l.startsWith("event:")) || "").slice(6).trim();
      const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      if (event === "job" && (await render(id, JSON.parse(data)))) return reader.cancel();
      if (event === "gone") return showError("The analysis was deleted.");
    }
  }
  // The stream ended before the job did (the server restarted): poll instead.
  if (id === state.jobId) poll(id);
}

async function poll(id) {
  let job;
  try {
    job = await api("GET", `/v1/jobs/${id}`);
  } catch (e) {
    if (id === state.jobId) showError(`The analysis cannot be read. ${e.message}`);
    return;
  }
  if (!(await render(id, job))) state.poll = setTimeout(() => poll(id), 1000);
}

async function allFrames(id) {
  const size = state.info ? state.info.limits.max_page_size : 100;
  const frames = [];
  let cursor = null;
  do {
    const q = new URLSearchParams({ limit: String(size) });
    if (cursor !== null) q.set("cursor", String(cursor));
    const page = await api("GET", `/v1/jobs/${id}/timeline?${q}`);
    frames.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return frames;
}

async function showResult(job) {
  const id = job.id;
  let emotions, frames;
  try {
    [emotions, frames] = await Promise.all([api("GET", `/v1/jobs/${id}/emotions`), allFrames(id)]);
  } catch (e) {
    showError(`The result cannot be read. ${e.message}`);
    return;
  }
  if (id !== state.jobId) return;
  const v = job.video;
  $("result-video").textContent =
    `${v.name || "Unnamed video"} · ${v.width}×${v.height}, ${Charts.formatTime(v.duration_ms)} · ` +
    `model ${emotions.model}, detector ${job.options.detector}, ${job.options.sample_fps || "every"} frame(s) per second`;
  $("n-frames").textContent = emotions.frames_analyzed;
  $("n-face-frames").textContent = emotions.frames_with_face;
  $("n-faces").textContent = emotions.faces_classified;
  $("n-dominant").textContent = emotions.dominant || "no face seen";
  Charts.bars($("bars"), emotions.percentages);
  $("emotion-table").tBodies[0].replaceChildren(...Charts.EMOTIONS.map((e) => {
    const tr = document.createElement("tr");
    tr.dataset.emotion = e;
    for (const text of [e, `${emotions.percentages[e].toFixed(2)}%`, emotions.counts[e],
      emotions.mean_probabilities[e].toFixed(3)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
  const slices = Charts.slice(frames, v.duration_ms, 120);
  Charts.timeline($("timeline"), slices, v.duration_ms);
  $("legend").replaceChildren(...Charts.EMOTIONS.map((e) => {
    const li = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = Charts.COLORS[e];
    li.append(swatch, e);
    return li;
  }));
  await showPeople(job, frames);
  if (id !== state.jobId) return;
  const annotated = job.links.annotated;
  $("annotated-box").hidden = !annotated;
  const player = $("annotated");
  if (player.src.startsWith("blob:")) URL.revokeObjectURL(player.src);
  player.removeAttribute("src");
  if (annotated) {
    authedUrl(annotated)
      .then((url) => { if (id === state.jobId) player.src = url; })
      .catch((e) => showError(`The annotated video cannot be read. ${e.message}`));
  }
  authedDownload($("dl-json"), `/v1/jobs/${id}/emotions`, `${id}-emotions.json`);
  authedDownload($("dl-csv"), `/v1/jobs/${id}/timeline?format=csv`, `${id}-timeline.csv`);
  $("note").textContent = emotions.note;
  $("report").hidden = true;
  $("report-status").textContent = "";
  $("result").hidden = false;
  $("result").dataset.jobId = id;
  $("result").dataset.state = "ready";
  try {
    const reports = await api("GET", `/v1/jobs/${id}/reports`);
    const written = reports.items.find((r) => r.status === "succeeded");
    if (written && id === state.jobId) showReport(written);
  } catch (e) {
    $("report-status").textContent = `The stored reports cannot be read. ${e.message}`;
  }
}

/** The people table and one timeline lane per person; a job without tracking says so. */
async function showPeople(job, frames) {
  const body = $("people-table").tBodies[0];
  let people = [];
  if (job.options.tracking) {
    try {
      people = (await api("GET", `/v1/jobs/${job.id}/people`)).people;
    } catch (e) {
      $("people-note").textContent = `The people cannot be read. ${e.message}`;
    }
  }
  $("people-note").textContent = !job.options.tracking
    ? "This video was analysed without following faces, so there are no people."
    : people.length === 0
      ? "No face stayed on screen long enough to count as a person."
      : `${people.length} ${people.length === 1 ? "person" : "people"}: each is a face followed through this video, numbered in the order they appeared. Nobody is identified.`;
  body.replaceChildren(...people.map((p) => {
    const tr = document.createElement("tr");
    tr.dataset.person = p.id;
    const share = p.dominant ? p.percentages[p.dominant] : 0;
    const cells = [
      `Person ${p.id}`,
      `${Charts.formatTime(p.screen_ms)} (${(p.screen_share * 100).toFixed(0)}% of frames)`,
      `${Charts.formatTime(p.first_ms)}–${Charts.formatTime(p.last_ms)}`,
      p.dominant ? `${p.dominant} (${share.toFixed(1)}%)` : "—",
    ];
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    const td = document.createElement("td");
    Charts.stack(td, p.percentages, `Person ${p.id}`);
    tr.append(td);
    return tr;
  }));
  Charts.lanes($("lanes"), people, frames, job.video.duration_ms);
  $("lanes").hidden = people.length === 0;
}

// ---- report ----

/** The little Markdown the reports use: paragraphs, headings, lists and **bold**. */
function renderMarkdown(target, text) {
  const inline = (parent, line) => {
    for (const part of line.split(/(\*\*[^*]+\*\*)/)) {
      if (!part) continue;
      if (part.startsWith("**") && part.endsWith("**")) {
        const b = document.createElement("strong");
        b.textContent = part.slice(2, -2);
        parent.append(b);
      } else {
        parent.append(part);
      }
    }
    return parent;
  };
  const nodes = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split("\n").filter((l) => l.trim() !== "");
    if (lines.length === 0) continue;
    if (lines.every((l) => /^\s*[-*] /.test(l))) {
      const ul = document.createElement("ul");
      for (const l of lines) ul.append(inline(document.createElement("li"), l.replace(/^\s*[-*] /, "")));
      nodes.push(ul);
    } else if (lines.length === 1 && /^#{1,6} /.test(lines[0])) {
      nodes.push(inline(document.createElement("h4"), lines[0].replace(/^#+ /, "")));
    } else {
      nodes.push(inline(document.createElement("p"), lines.join(" ")));
    }
  }
  target.replaceChildren(...nodes);
}

function showReport(report) {
  const box = $("report");
  renderMarkdown(box, report.text);
  const meta = document.createElement("p");
  meta.className = "muted";
  meta.textContent = `${report.provider} · ${report.model} · ${LANGUAGE_NAMES[report.language] || report.language} · ` +
    new Date(report.created_at).toLocaleString();
  const note = document.createElement("p");
  note.className = "note";
  note.textContent = report.note;
  box.append(meta, note);
  box.hidden = false;
  box.dataset.reportId = report.id;
}

function wireReport() {
  $("report-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = state.jobId;
    if (!id) return;
    const button = $("report-button");
    button.disabled = true;
    $("report-status").textContent = "Writing the report…";
    try {
      let report = await api("POST", `/v1/jobs/${id}/report`, {
        language: $("report-language").value,
        provider: $("report-provider").value,
      });
      // 202: written in the background; ask again until it has finished.
      while (report.status === "queued" || report.status === "running") {
        await new Promise((r) => setTimeout(r, 1000));
        if (id !== state.jobId) return;
        report = await api("GET", report.links.self);
      }
      if (id !== state.jobId) return;
      if (report.status === "failed") {
        $("report-status").textContent = `No report was written. ${report.error.message}`;
        return;
      }
      $("report-status").textContent = "";
      showReport(report);
    } catch (e) {
      $("report-status").textContent = `No report was written. ${e.message}`;
    } finally {
      button.disabled = false;
    }
  });
}

// ---- past jobs ----

const STATUS_WORDS = {
  downloading: "fetching", queued: "waiting", running: "analysing", succeeded: "done", failed: "failed", canceled: "canceled",
};

function jobRow(job) {
  const tr = document.createElement("tr");
  tr.dataset.jobId = job.id;
  tr.dataset.status = job.status;
  const name = job.video.name || "Unnamed video";
  const cells = [name, new Date(job.created_at).toLocaleString(), STATUS_WORDS[job.status] || job.status,
    `${job.progress.percent}%`];
  for (const text of cells) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.append(td);
  }
  tr.children[2].className = `status ${job.status}`;
  const actions = document.createElement("td");
  actions.className = "actions";
  const open = document.createElement("button");
  open.type = "button";
  open.textContent = "Open";
  open.setAttribute("aria-label", `Open the analysis of ${name}`);
  open.addEventListener("click", () => {
    showError("");
    openJob(job.id);
    $("upload").scrollIntoView();
  });
  const del = document.createElement("button");
  del.type = "button";
  del.textContent = "Delete";
  del.className = "danger";
  del.setAttribute("aria-label", `Delete the analysis of ${name}`);
  del.addEventListener("click", () => deleteJob(job.id, name));
  actions.append(open, del);
  tr.append(actions);
  return tr;
}

async function deleteJob(id, name) {
  if (!window.confirm(`Delete the analysis of ${name}, with its results and reports?`)) return;
  try {
    await api("DELETE", `/v1/jobs/${id}`);
  } catch (e) {
    showError(`The analysis could not be deleted. ${e.message}`);
    return;
  }
  if (state.jobId === id) {
    state.jobId = null;
    clearTimeout(state.poll);
    $("result").hidden = true;
    $("progress").hidden = true;
    $("cancel").hidden = true;
    setStatus(`The analysis of ${name} was deleted.`);
    history.replaceState(null, "", location.pathname);
  }
  loadJobs();
}

async function loadJobs(more) {
  const q = new URLSearchParams({ limit: String(JOBS_PAGE) });
  if (more && state.cursor) q.set("cursor", state.cursor);
  let page;
  try {
    page = await api("GET", `/v1/jobs?${q}`);
  } catch (e) {
    showError(`The list of analyses cannot be read. ${e.message}`);
    return;
  }
  const body = $("jobs-table").tBodies[0];
  const rows = page.items.map(jobRow);
  if (more) body.append(...rows);
  else body.replaceChildren(...rows);
  state.cursor = page.next_cursor;
  $("more").hidden = !page.next_cursor;
  $("jobs-empty").hidden = body.children.length > 0;
}

function wireJobs() {
  $("refresh").addEventListener("click", () => loadJobs());
  $("more").addEventListener("click", () => loadJobs(true));
}

// ---- start ----

/** Reads the server's settings and the jobs; run again once a key is given. */
async function start() {
  try {
    state.info = await api("GET", "/v1/info");
    fillOptions(state.info);
  } catch (e) {
    if (e.status !== 401) showError(`The server's settings cannot be read. ${e.message}`);
    return;
  }
  loadJobs();
  const id = jobFromHash();
  if (id) openJob(id);
}

async function init() {
  wireKey();
  wireUpload();
  wireReport();
  wireJobs();
  window.addEventListener("hashchange", () => {
    const next = jobFromHash();
    if (next && next !== state.jobId) openJob(next);
  });
  await start();
  document.body.dataset.ready = "true";
}

init();
