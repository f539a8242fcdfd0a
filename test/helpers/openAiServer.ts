import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import wav from 'node-wav';

/**
 * A real HTTP server that speaks the OpenAI wire format (chat completions as
 * SSE, audio transcriptions, audio speech), scripted per test and recording
 * every request, so tests assert on what a client sent and how it copes with
 * what came back, faults included.
 */

/** One request as the server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The JSON body (chat, speech) or the multipart text fields (transcriptions). */
  body: Record<string, unknown>;
  /** The uploaded file of a transcription request. */
  file?: { name: string; type: string; bytes: Buffer };
}

/** How a streamed answer goes wrong after `afterChunks` chunks. */
export type StreamFault =
  /** Stops sending, connection kept open. */
  | { kind: 'stall'; afterChunks: number }
  /** Destroys the socket. */
  | { kind: 'drop'; afterChunks: number }
  /** Sends a data line that is not JSON, then carries on. */
  | { kind: 'malformed'; afterChunks: number }
  /** Ends the response cleanly without finish_reason or `[DONE]`. */
  | { kind: 'truncate'; afterChunks: number };

/** A tool call as the server streams it: its arguments in the pieces given. */
export interface ScriptedToolCall {
  id: string;
  name: string;
  argumentPieces: string[];
}

/** One scripted chat completion. */
export interface ChatScript {
  /** Answer with this HTTP status and an OpenAI error body instead of a stream. */
  status?: number;
  /** Content deltas, one chunk each. Default: a reply derived from the request (see `defaultReply`). */
  text?: string[];
  toolCalls?: ScriptedToolCall[];
  /** Default: `tool_calls` when there are tool calls, else `length` or `stop`. */
  finishReason?: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
  fault?: StreamFault;
  /** Pause between chunks (default 1 ms), so chunks travel separately. */
  chunkDelayMs?: number;
  /** Pause before the response headers. */
  headersDelayMs?: number;
}

/** One scripted transcription. */
export interface TranscriptionScript {
  status?: number;
  /** Answer with only `{ text }` (a server without verbose_json). */
  plainJson?: boolean;
  /** Refuse `verbose_json` with HTTP 400 (then a client should ask for `json`). */
  refuseVerbose?: boolean;
  /** Segments in seconds from the file start. Default: two, halves of the audio. */
  segments?: { start: number; end: number; text: string }[];
  headersDelayMs?: number;
}

/** One scripted speech synthesis. */
export interface SpeechScript {
  status?: number;
  /** Send WAV (header then data) whatever was asked for. */
  wav?: boolean;
  wavRateHz?: number;
  /** Put a `LIST` chunk between `fmt ` and `data`, as some encoders do. */
  wavListChunk?: boolean;
  /** The content type to claim (default `audio/pcm`, or `audio/wav` for WAV). */
  contentType?: string;
  /** Samples per body chunk (default 2400 = 100 ms at 24 kHz). */
  chunkSamples?: number;
  chunkDelayMs?: number;
  headersDelayMs?: number;
  /** Stop sending after this many chunks, connection open. */
  stallAfterChunks?: number;
}

const WORDS = 'the door is red and it is open now so come in and sit by the warm fire for a while'.split(' ');

/** A deterministic reply: words of a fixed text, as many as `max_tokens` allows (default 12), one per chunk. */
export function defaultReply(body: Record<string, unknown>): string[] {
  const n = typeof body.max_tokens === 'number' ? body.max_tokens : 12;
  return WORDS.slice(0, n).map((w, i) => (i === 0 ? w[0]!.toUpperCase() + w.slice(1) : ` ${w}`));
}

/** Samples of speech a text "takes": 60 ms per character at speed 1, a 220 Hz tone. */
export function defaultSpeech(text: string, speed: number, rateHz: number): Int16Array {
  const n = Math.round((text.length * 0.06 * rateHz) / speed);
  return Int16Array.from({ length: n }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / rateHz)),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits `ms`, or less if the client goes away first (so a long scripted delay never outlives its test). */
function pause(ms: number, res: ServerResponse): Promise<void> {
  if (res.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.on('close', done);
  });
}

function writeChunk(res: ServerResponse, data: unknown): void {
  res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

function chunkOf(choice: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'test-model',
    choices: [{ index: 0, logprobs: null, finish_reason: null, ...choice }],
    ...extra,
  };
}

/** The chunks of one scripted answer, in the order a server streams them. */
function chatChunks(script: ChatScript, body: Record<string, unknown>): unknown[] {
  const text = script.text ?? defaultReply(body);
  const chunks: unknown[] = [chunkOf({ delta: { role: 'assistant', content: '' } })];
  for (const t of text) chunks.push(chunkOf({ delta: { content: t } }));
  (script.toolCalls ?? []).forEach((call, index) => {
    chunks.push(
      chunkOf({
        delta: {
          tool_calls: [
            { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
          ],
        },
      }),
    );
    for (const piece of call.argumentPieces) {
      chunks.push(chunkOf({ delta: { tool_calls: [{ index, function: { arguments: piece } }] } }));
    }
  });
  const limited = typeof body.max_tokens === 'number' && text.length >= body.max_tokens;
  const finish =
    script.finishReason ?? (script.toolCalls?.length ? 'tool_calls' : limited ? 'length' : 'stop');
  chunks.push(chunkOf({ delta: {}, finish_reason: finish }));
  const options = body.stream_options as { include_usage?: boolean } | undefined;
  if (options?.include_usage) {
    const usage = script.usage ?? { prompt_tokens: 7, completion_tokens: text.length };
    chunks.push({
      ...chunkOf({}),
      choices: [],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    });
  }
  return chunks;
}

/** An OpenAI error body. A 401 echoes the key it was given, as careless servers do (clients must redact it). */
function sendError(res: ServerResponse, status: number, req?: RecordedRequest): void {
  const key = String(req?.headers.authorization ?? '').replace(/^Bearer /, '');
  const message = status === 401 ? `Incorrect API key provided: ${key}` : `scripted failure ${status}`;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'test_error', code: null } }));
}

async function readBody(req: import('node:http').IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

/**
 * A streaming server's WAV header: the sizes unknown, so the maximum (as
 * OpenAI's streamed WAV has them). With `list`, a LIST chunk before `data`.
 */
function wavHeader(rateHz: number, list: boolean): Buffer {
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'ascii');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(1, 8);
  fmt.writeUInt16LE(1, 10);
  fmt.writeUInt32LE(rateHz, 12);
  fmt.writeUInt32LE(rateHz * 2, 16);
  fmt.writeUInt16LE(2, 20);
  fmt.writeUInt16LE(16, 22);
  const info = Buffer.from('LIST\x0d\x00\x00\x00INFOISFT\x01\x00\x00\x00x\x00', 'latin1');
  const data = Buffer.from('data\xff\xff\xff\xff', 'latin1');
  return Buffer.concat([
    Buffer.from('RIFF\xff\xff\xff\xffWAVE', 'latin1'),
    fmt,
    ...(list ? [info] : []),
    data,
  ]);
}

/** The test server. `chat`, `transcriptions` and `speech` hold the scripts for the next requests (FIFO). */
export class OpenAiTestServer {
  readonly requests: RecordedRequest[] = [];
  readonly chat: ChatScript[] = [];
  readonly transcriptions: TranscriptionScript[] = [];
  readonly speech: SpeechScript[] = [];
  /** Used when a queue is empty (a contract suite sends many requests). */
  defaults: { chat: ChatScript; transcription: TranscriptionScript; speech: SpeechScript } = {
    chat: {},
    transcription: {},
    speech: {},
  };
  readonly #server: Server;
  readonly #open = new Set<ServerResponse>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<OpenAiTestServer> {
    let self: OpenAiTestServer | null = null;
    const server = createServer((req, res) => {
      self!.#handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) sendError(res, 599);
        else res.destroy(e instanceof Error ? e : undefined);
      });
    });
    self = new OpenAiTestServer(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return self;
  }

  /** `http://127.0.0.1:PORT/v1`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v1`;
  }

  /** The requests to a path ending in `suffix`. */
  requestsTo(suffix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith(suffix));
  }

  async close(): Promise<void> {
    for (const res of this.#open) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  /** Resolves once `count` requests have been received and given their scripts. */
  async received(count: number): Promise<void> {
    while (this.requests.length < count) await sleep(2);
  }

  /** Records the request once its body is read (and its script taken, in the same turn). */
  async #handle(req: import('node:http').IncomingMessage, res: ServerResponse): Promise<void> {
    this.#open.add(res);
    res.on('close', () => this.#open.delete(res));
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const recorded: RecordedRequest = { method: req.method ?? '', path, headers: req.headers, body: {} };
    if (path.endsWith('/audio/transcriptions')) {
      const form = await new Request('http://x/', {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: new Uint8Array(raw),
      }).formData();
      for (const [k, v] of form) {
        if (typeof v === 'string') recorded.body[k] = v;
        else recorded.file = { name: v.name, type: v.type, bytes: Buffer.from(await v.arrayBuffer()) };
      }
      this.requests.push(recorded);
      return this.#transcribe(recorded, this.transcriptions.shift() ?? this.defaults.transcription, res);
    }
    recorded.body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    this.requests.push(recorded);
    if (path.endsWith('/chat/completions')) {
      return this.#chat(recorded, this.chat.shift() ?? this.defaults.chat, res);
    }
    if (path.endsWith('/audio/speech')) {
      return this.#speak(recorded, this.speech.shift() ?? this.defaults.speech, res);
    }
    sendError(res, 404);
  }

  async #chat(req: RecordedRequest, script: ChatScript, res: ServerResponse): Promise<void> {
    if (script.headersDelayMs) await pause(script.headersDelayMs, res);
    if (script.status) return sendError(res, script.status, req);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunks = chatChunks(script, req.body);
    for (let i = 0; i < chunks.length; i++) {
      const fault = script.fault;
      if (fault && i === fault.afterChunks) {
        if (fault.kind === 'stall') return; // headers sent, nothing more: the socket stays open
        if (fault.kind === 'drop') return void res.socket?.destroy();
        if (fault.kind === 'truncate') return void res.end();
        writeChunk(res, '{"id": "chatcmpl-test", "choices": [');
      }
      writeChunk(res, chunks[i]);
      await pause(script.chunkDelayMs ?? 1, res);
    }
    writeChunk(res, '[DONE]');
    res.end();
  }

  async #transcribe(req: RecordedRequest, script: TranscriptionScript, res: ServerResponse): Promise<void> {
    if (script.headersDelayMs) await pause(script.headersDelayMs, res);
    if (script.status) return sendError(res, script.status, req);
    const format = req.body.response_format ?? 'json';
    if (script.refuseVerbose && format === 'verbose_json') return sendError(res, 400);
    const decoded = wav.decode(req.file!.bytes);
    const durationS = (decoded.channelData[0]?.length ?? 0) / decoded.sampleRate;
    const segments = script.segments ?? [
      { start: 0, end: durationS / 2, text: ' Hello' },
      { start: durationS / 2, end: durationS, text: ' world.' },
    ];
    const text = segments
      .map((s) => s.text)
      .join('')
      .trim();
    res.writeHead(200, { 'content-type': 'application/json' });
    if (format === 'verbose_json' && !script.plainJson) {
      res.end(
        JSON.stringify({
          task: 'transcribe',
          language: 'english',
          duration: durationS,
          text,
          segments: segments.map((s, id) => ({ id, seek: 0, ...s, tokens: [], temperature: 0 })),
        }),
      );
    } else {
      res.end(JSON.stringify({ text }));
    }
  }

  async #speak(req: RecordedRequest, script: SpeechScript, res: ServerResponse): Promise<void> {
    if (script.headersDelayMs) await pause(script.headersDelayMs, res);
    if (script.status) return sendError(res, script.status, req);
    const asWav = script.wav || req.body.response_format === 'wav';
    const rateHz = asWav ? (script.wavRateHz ?? 24000) : 24000;
    const speed = typeof req.body.speed === 'number' ? req.body.speed : 1;
    const pcm = defaultSpeech(String(req.body.input ?? ''), speed, rateHz);
    const samples = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    const bytes = asWav ? Buffer.concat([wavHeader(rateHz, script.wavListChunk ?? false), samples]) : samples;
    res.writeHead(200, { 'content-type': script.contentType ?? (asWav ? 'audio/wav' : 'audio/pcm') });
    const step = Math.max(1, Math.round((script.chunkSamples ?? 2400) * 2));
    let sent = 0;
    for (let at = 0; at < bytes.length; at += step) {
      if (script.stallAfterChunks !== undefined && sent === script.stallAfterChunks) return;
      res.write(bytes.subarray(at, at + step));
      sent++;
      const delayMs = script.chunkDelayMs ?? 2;
      if (delayMs > 0) await pause(delayMs, res);
      else await new Promise((r) => setImmediate(r));
    }
    res.end();
  }
}

let shared: Promise<OpenAiTestServer> | null = null;

/** One wire server for a test file (a contract suite's implementations list starts it when first needed). */
export function sharedOpenAiServer(): Promise<OpenAiTestServer> {
  shared ??= OpenAiTestServer.start();
  return shared;
}

/** Closes the shared server, if one was started (in the file's `afterAll`). */
export async function closeSharedOpenAiServer(): Promise<void> {
  const server = shared;
  shared = null;
  if (server) await (await server).close();
}
