// The Emoscope API from TypeScript: `schema.d.ts` is generated from the contract
// (openapi/openapi.json, `npm run generate`); this file adds what a generator cannot know:
// uploading a file or naming its URL, waiting for a job, reading its people and report, analysing a picture,
// and verifying a webhook's signature (Standard Webhooks).

import { createHmac, timingSafeEqual } from "node:crypto";
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths };
type Schemas = components["schemas"];
export type Job = Schemas["JobView"];
export type Emotions = Schemas["EmotionsView"];
export type People = Schemas["PeopleView"];
export type Report = Schemas["ReportView"];
export type ImageResult = Schemas["ImageView"];
export type Info = Schemas["InfoView"];

/** Options of an upload (`POST /v1/jobs`), as the contract names them. */
export interface UploadOptions {
  filename?: string;
  sample_fps?: number;
  detector?: "yunet" | "haar";
  min_face_px?: number;
  model?: string;
  tracking?: boolean;
  min_track_ms?: number;
  focus?: "all" | "main";
  annotate?: boolean;
  keep_video?: boolean;
  callback_url?: string;
}

/** An answer in the API's one error shape: its HTTP status, stable `code` and message. */
export class EmoscopeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = "EmoscopeError";
  }
}

const FINISHED = new Set(["succeeded", "failed", "canceled"]);

export interface ClientOptions {
  /** The server, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** An API key (`emoscope keys create`), sent as `Authorization: Bearer`. */
  apiKey?: string;
  fetch?: typeof fetch;
}

export class Emoscope {
  /** The generated client, for every route of the contract. */
  readonly api: Client<paths>;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly fetcher: typeof fetch;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.headers = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
    this.fetcher = options.fetch ?? fetch;
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      headers: this.headers,
      fetch: this.fetcher,
    });
  }

  /** Uploads a video (its bytes) and returns the queued job. */
  async upload(video: Uint8Array | Blob, options: UploadOptions = {}): Promise<Job> {
    const form = new FormData();
    for (const [name, value] of Object.entries(options)) {
      if (value !== undefined) form.append(name, String(value));
    }
    const blob = video instanceof Blob ? video : new Blob([new Uint8Array(video)]);
    form.append("video", blob, options.filename ?? "video");
    return this.send<Job>("POST", "/v1/jobs", form);
  }

  /**
   * Makes a job whose video the server fetches (`https://…` or `s3://bucket/key`); returns it
   * `downloading`. A token in the URL is used, never shown.
   */
  async fromUrl(videoUrl: string, options: UploadOptions = {}): Promise<Job> {
    const body = JSON.stringify({ ...options, video_url: videoUrl });
    return this.send<Job>("POST", "/v1/jobs", body, { "content-type": "application/json" });
  }

  async job(id: string): Promise<Job> {
    return this.send<Job>("GET", `/v1/jobs/${encodeURIComponent(id)}`);
  }

  /** Polls the job until it has succeeded, failed or been canceled. */
  async wait(id: string, { timeoutMs = 600_000, intervalMs = 500 } = {}): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.job(id);
      if (FINISHED.has(job.status)) return job;
      if (Date.now() > deadline) {
        throw new Error(`job ${id} is still ${job.status} after ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  async emotions(id: string): Promise<Emotions> {
    return this.send<Emotions>("GET", `/v1/jobs/${encodeURIComponent(id)}/emotions`);
  }

  async people(id: string): Promise<People> {
    return this.send<People>("GET", `/v1/jobs/${encodeURIComponent(id)}/people`);
  }

  /** Asks for a narrative report and waits until it is written (or has failed). */
  async report(
    id: string,
    request: Schemas["ReportRequest"] = {},
    { timeoutMs = 300_000, intervalMs = 500 } = {},
  ): Promise<Report> {
    const job = encodeURIComponent(id);
    let report = await this.send<Report>("POST", `/v1/jobs/${job}/report`, JSON.stringify(request), {
      "content-type": "application/json",
    });
    const deadline = Date.now() + timeoutMs;
    while (report.status === "queued" || report.status === "running") {
      if (Date.now() > deadline) throw new Error(`report ${report.id} is still ${report.status}`);
      await new Promise((r) => setTimeout(r, intervalMs));
      report = await this.send<Report>(
        "GET",
        `/v1/jobs/${job}/reports/${encodeURIComponent(report.id)}`,
      );
    }
    return report;
  }

  /** Analyses one picture (JPEG, PNG or WebP bytes) at once; nothing is stored. */
  async image(
    picture: Uint8Array,
    options: { model?: string; detector?: "yunet" | "haar"; min_face_px?: number } = {},
  ): Promise<ImageResult> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(options)) {
      if (value !== undefined) query.set(name, String(value));
    }
    const path = `/v1/images${query.size > 0 ? `?${query}` : ""}`;
    return this.send<ImageResult>("POST", path, new Blob([new Uint8Array(picture)]), {
      "content-type": "application/octet-stream",
    });
  }

  private async send<T>(
    method: string,
    path: string,
    body?: BodyInit,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const response = await this.fetcher(`${this.baseUrl}${path}`, {
      method,
      body,
      headers: { ...this.headers, ...headers },
    });
    const text = await response.text();
    const value = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const error = value?.error ?? {};
      throw new EmoscopeError(response.status, error.code ?? "unknown", error.message ?? text);
    }
    return value as T;
  }
}

/** The headers of a webhook that carry its signature. */
export interface WebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * Whether a webhook was signed with `secret` (`whsec_…`, the API key's webhook secret or the
 * server's) within `toleranceSecs` of now: HMAC-SHA256 over `id.timestamp.body`, as the
 * Standard Webhooks specification says. Pass the body exactly as received.
 */
export function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  body: string | Uint8Array,
  { toleranceSecs = 300, now = Date.now() / 1000 } = {},
): boolean {
  const timestamp = Number(headers["webhook-timestamp"]);
  if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > toleranceSecs) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signed = Buffer.concat([
    Buffer.from(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.`),
    typeof body === "string" ? Buffer.from(body) : Buffer.from(body),
  ]);
  const expected = createHmac("sha256", key).update(signed).digest();
  return headers["webhook-signature"].split(" ").some((candidate) => {
    const [version, signature] = candidate.split(",", 2);
    if (version !== "v1" || !signature) return false;
    const given = Buffer.from(signature, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
