// The client against a real Emoscope server (started by tests/it/clients.rs): upload, wait,
// emotions, people, report, a picture, a verified webhook, and typed errors.
// Environment: EMOSCOPE_URL, EMOSCOPE_KEY and EMOSCOPE_WEBHOOK_SECRET (the key's),
// EMOSCOPE_VIDEO and EMOSCOPE_PICTURE (files).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";

import { Emoscope, EmoscopeError, verifyWebhook, type WebhookHeaders } from "../src/index.js";

function env(name: string): string {
  const value = process.env[name];
  assert.ok(value, `set ${name}`);
  return value;
}

const client = () => new Emoscope({ baseUrl: env("EMOSCOPE_URL"), apiKey: env("EMOSCOPE_KEY") });

/** A local receiver that resolves with the first `job.*` webhook it gets (the report's may come
 * first: deliveries are sent side by side). */
async function receiver(): Promise<{ url: string; hook: Promise<{ headers: WebhookHeaders; body: string }>; close: () => void }> {
  let resolve!: (v: { headers: WebhookHeaders; body: string }) => void;
  const hook = new Promise<{ headers: WebhookHeaders; body: string }>((r) => (resolve = r));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200).end();
      const body = Buffer.concat(chunks).toString("utf8");
      if (!String(JSON.parse(body).type).startsWith("job.")) return;
      resolve({
        headers: {
          "webhook-id": String(req.headers["webhook-id"]),
          "webhook-timestamp": String(req.headers["webhook-timestamp"]),
          "webhook-signature": String(req.headers["webhook-signature"]),
        },
        body,
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, hook, close: () => server.close() };
}

test("a video goes in, its people and report come out, and its webhook verifies", async () => {
  const emoscope = client();
  const hooks = await receiver();
  try {
    const queued = await emoscope.upload(readFileSync(env("EMOSCOPE_VIDEO")), {
      filename: "scene.mp4",
      callback_url: hooks.url,
    });
    assert.equal(queued.status, "queued");
    const job = await emoscope.wait(queued.id, { timeoutMs: 120_000 });
    assert.equal(job.status, "succeeded", JSON.stringify(job));

    const emotions = await emoscope.emotions(job.id);
    const total = Object.values(emotions.percentages).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 100) < 0.05, JSON.stringify(emotions));

    const people = await emoscope.people(job.id);
    assert.ok(people.people.length >= 2, JSON.stringify(people));

    const report = await emoscope.report(job.id, { provider: "template", language: "en" });
    assert.equal(report.status, "succeeded", JSON.stringify(report));
    assert.ok((report.text ?? "").length > 100);

    const { headers, body } = await hooks.hook;
    assert.equal(JSON.parse(body).type, "job.succeeded", body);
    assert.ok(verifyWebhook(env("EMOSCOPE_WEBHOOK_SECRET"), headers, body));
    assert.ok(!verifyWebhook(env("EMOSCOPE_WEBHOOK_SECRET"), headers, body.replace("succeeded", "failed")));
    assert.ok(!verifyWebhook("whsec_" + Buffer.from("another secret").toString("base64"), headers, body));
  } finally {
    hooks.close();
  }
});

test("a video by URL is fetched and its token never shown", async () => {
  const video = readFileSync(env("EMOSCOPE_VIDEO"));
  const host = createServer((req, res) => {
    if (req.url === "/scene.mp4?token=ts-s3cr3t") res.writeHead(200).end(video);
    else res.writeHead(403).end();
  });
  await new Promise<void>((r) => host.listen(0, "127.0.0.1", r));
  try {
    const { port } = host.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/scene.mp4`;
    const emoscope = client();
    const made = await emoscope.fromUrl(`${url}?token=ts-s3cr3t`, { sample_fps: 2 });
    assert.equal(made.status, "downloading");
    const job = await emoscope.wait(made.id, { timeoutMs: 120_000 });
    assert.equal(job.status, "succeeded", JSON.stringify(job));
    assert.equal(job.video.url, `${url}?…`);
    assert.ok(!JSON.stringify(job).includes("ts-s3cr3t"));
    await assert.rejects(emoscope.fromUrl("ftp://example.com/a.mp4"), (e: unknown) => {
      assert.ok(e instanceof EmoscopeError);
      assert.equal(e.code, "invalid_video_url");
      return true;
    });
  } finally {
    host.close();
  }
});

test("a picture is analysed at once", async () => {
  const result = await client().image(readFileSync(env("EMOSCOPE_PICTURE")));
  assert.equal(result.faces.length, 2, JSON.stringify(result));
  assert.deepEqual(result.faces.map((f) => f.emotion).sort(), ["happy", "surprise"]);
});

test("errors are typed", async () => {
  const wrongKey = new Emoscope({ baseUrl: env("EMOSCOPE_URL"), apiKey: "emo_not_a_key" });
  await assert.rejects(wrongKey.job("x"), (e: unknown) => e instanceof EmoscopeError && e.status === 401 && e.code === "unauthorized");
  await assert.rejects(client().job("0190a0a0-0000-7000-8000-000000000000"), (e: unknown) => e instanceof EmoscopeError && e.code === "not_found");
  await assert.rejects(client().image(new TextEncoder().encode("not a picture")), (e: unknown) => e instanceof EmoscopeError && e.status === 422 && e.code === "unsupported_image");
  // The generated client reaches every route too.
  const { data, error } = await client().api.GET("/v1/info");
  assert.equal(error, undefined);
  assert.equal(data?.name, "emoscope");
});
