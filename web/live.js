// The page's live camera: the camera's picture (getUserMedia) sent five times a second to a live
// session (GET /v1/live, a WebSocket opened with a one-use ticket when the server asks for a key),
// each face drawn with its person and expression, the people so far in a table, and the session
// kept as a job on request. Loaded after app.js, whose helpers ($, api, state) it uses.
"use strict";

const LIVE_FPS = 5;
const live = { ws: null, stream: null, timer: null, keep: false, canvas: document.createElement("canvas") };

function liveStatus(text) {
  $("live-status").textContent = text;
}

function liveButtons(running) {
  $("live-start").hidden = running;
  $("live-keep").hidden = !running;
  $("live-stop").hidden = !running;
}

async function startLive() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    liveStatus("This browser gives no camera to pages (it needs https, or localhost).");
    return;
  }
  liveStatus("Starting the camera…");
  try {
    live.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  } catch (e) {
    liveStatus(`The camera cannot be used: ${e.message || e.name}.`);
    return;
  }
  const video = $("live-video");
  video.srcObject = live.stream;
  await video.play();
  $("live-view").hidden = false;
  const protocols = ["emoscope"];
  try {
    if (state.key) protocols.push((await api("POST", "/v1/live/tickets")).protocol);
  } catch (e) {
    stopCamera();
    liveStatus(`The live session cannot be opened. ${e.message}`);
    return;
  }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  live.keep = false;
  live.ws = new WebSocket(`${scheme}://${location.host}/v1/live?tracking=true`, protocols);
  live.ws.onmessage = (e) => onLiveMessage(JSON.parse(e.data));
  live.ws.onclose = () => {
    stopCamera();
    if ($("live-status").dataset.ended !== "true") liveStatus("The live session was closed.");
  };
  $("live-status").dataset.ended = "false";
  liveButtons(true);
  liveStatus("Opening the live session…");
}

/** Sends the camera's current picture, unless the last one is still on its way. */
function sendFrame() {
  const video = $("live-video");
  if (!live.ws || live.ws.readyState !== WebSocket.OPEN || live.ws.bufferedAmount > 0 || !video.videoWidth) return;
  live.canvas.width = video.videoWidth;
  live.canvas.height = video.videoHeight;
  live.canvas.getContext("2d").drawImage(video, 0, 0);
  live.canvas.toBlob((blob) => {
    if (blob && live.ws && live.ws.readyState === WebSocket.OPEN) live.ws.send(blob);
  }, "image/jpeg", 0.85);
}

function onLiveMessage(m) {
  if (m.type === "ready") {
    liveStatus(`Analysing with ${m.model}. Faces are numbered as people within this session.`);
    live.timer = setInterval(sendFrame, 1000 / LIVE_FPS);
  } else if (m.type === "frame") {
    drawFaces(m.faces);
  } else if (m.type === "summary") {
    showLivePeople(m.people);
  } else if (m.type === "error") {
    liveStatus(sentence(m.message));
  } else if (m.type === "ended") {
    $("live-status").dataset.ended = "true";
    endLive(m);
  }
}

function drawFaces(faces) {
  const video = $("live-video");
  const overlay = $("live-overlay");
  overlay.width = video.videoWidth;
  overlay.height = video.videoHeight;
  const g = overlay.getContext("2d");
  g.clearRect(0, 0, overlay.width, overlay.height);
  g.lineWidth = 3;
  g.font = "bold 16px system-ui, sans-serif";
  for (const f of faces) {
    const color = Charts.COLORS[f.emotion] || "#fff";
    g.strokeStyle = color;
    g.strokeRect(f.box.x, f.box.y, f.box.w, f.box.h);
    const label = `${f.track_id != null ? `person ${f.track_id}: ` : ""}${f.emotion}`;
    g.fillStyle = "rgba(0,0,0,0.65)";
    g.fillRect(f.box.x, Math.max(0, f.box.y - 22), g.measureText(label).width + 8, 22);
    g.fillStyle = "#fff";
    g.fillText(label, f.box.x + 4, Math.max(16, f.box.y - 6));
  }
  $("live-overlay").dataset.faces = String(faces.length);
}

function showLivePeople(people) {
  const body = $("live-people").querySelector("tbody");
  body.replaceChildren();
  for (const p of people) {
    const tr = document.createElement("tr");
    tr.dataset.person = String(p.person);
    const shares = Object.entries(p.percentages)
      .filter(([, v]) => v > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([e, v]) => `${e} ${v}%`)
      .join(", ");
    for (const text of [`Person ${p.person}`, String(p.faces), p.dominant || "—", shares]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
  }
  $("live-people").hidden = people.length === 0;
}

function stopLive(keep) {
  clearInterval(live.timer);
  live.timer = null;
  if (live.ws && live.ws.readyState === WebSocket.OPEN) {
    live.ws.send(JSON.stringify({ type: "end", keep }));
    liveStatus(keep ? "Keeping the session as a job…" : "Stopping…");
  } else {
    stopCamera();
  }
}

function endLive(m) {
  stopCamera();
  if (m.job) {
    liveStatus(`Kept as a job: ${m.frames} frames analysed.`);
    loadJobs();
    openJob(m.job.id);
  } else if (m.error) {
    liveStatus(`The session ended: ${m.error}`);
  } else {
    liveStatus(`The session ended after ${m.frames} frames; nothing was kept.`);
  }
}

function stopCamera() {
  clearInterval(live.timer);
  live.timer = null;
  if (live.stream) live.stream.getTracks().forEach((t) => t.stop());
  live.stream = null;
  $("live-video").srcObject = null;
  $("live-view").hidden = true;
  liveButtons(false);
}

$("live-start").addEventListener("click", startLive);
$("live-keep").addEventListener("click", () => stopLive(true));
$("live-stop").addEventListener("click", () => stopLive(false));
