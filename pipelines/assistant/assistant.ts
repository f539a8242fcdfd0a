import { TypedEmitter } from '../../core/events.js';
import type { AudioFrame, VideoFrame } from '../../core/media.js';
import type { LlmImage, LlmTool } from '../../models/roles/llm.js';
import { SightlineError } from '../../protocol/errors.js';
import { createResampler } from '../audio/resample.js';
import { CallScope, type TurnScope } from '../core/scope.js';
import type { StageContext } from '../core/stage.js';
import { AssistantTurn, type TurnOutcome, type TurnSpeechDeps } from '../dialog/assistantTurn.js';
import { BargeInPolicy, isBackchannel } from '../dialog/bargeIn.js';
import { builtinTools } from '../dialog/builtinTools.js';
import { buildContext } from '../dialog/context.js';
import { ConverterPool } from '../dialog/converterPool.js';
import { generateAnswer } from '../dialog/generation.js';
import { History } from '../dialog/history.js';
import { describeToolsForPrompt } from '../dialog/localToolFormat.js';
import { TextTape } from '../dialog/textTape.js';
import { ToolRegistry } from '../dialog/tools.js';
import { TurnMetricsRecorder, type TurnTimes } from '../dialog/turnMetrics.js';
import { TurnStateMachine } from '../dialog/turnState.js';
import type { ListenEvent } from '../listen/events.js';
import { speaker } from '../speak/speaker.js';
import type { AssistantDeps, AssistantLanes } from './deps.js';
import type { AssistantEvents } from './events.js';
import { ASSISTANT_DEFAULTS, type AssistantOptions } from './options.js';
import type { AssistantPort, ToolOutcome } from './port.js';
import {
  type TurnContext,
  type TurnContextProvider,
  type VideoFocusTarget,
  videoTurnContext,
} from './videoFocus.js';

type EndOfTurn = Extract<ListenEvent, { type: 'end-of-turn' }>;

/** The assistant turn in progress (thinking, speaking or interrupted). */
interface ActiveTurn {
  id: string;
  /** Null until the previous turn has finished and this one's answer is started. */
  speech: AssistantTurn | null;
  metrics: TurnMetricsRecorder;
  /** The turn's abort scope, once it runs (a turn superseded while its context is prepared is aborted through it). */
  scope: TurnScope | null;
  /** What the turn context provider added (a video's evidence), told what was heard when the turn ends. */
  context: TurnContext | null;
  /** Resolves once the turn has finished and the history holds what was heard. */
  done: Promise<void>;
}

/** What starts a turn. */
interface TurnRequest {
  trigger: 'speech' | 'text' | 'image';
  text: string;
  image: LlmImage | null;
  times: TurnTimes;
}

const isAbort = (e: unknown) => e instanceof SightlineError && e.code === 'ERR_ABORTED';

/**
 * One call's assistant: it listens (the injected listen lane), watches (the
 * watch lane), thinks (context, LLM, tools), speaks (speaker → resampler → the
 * call's audio output) and is interrupted (the barge-in policy). The turn is
 * an explicit state machine whose every change is emitted; each assistant turn
 * has its own abort scope under the call's. Typed messages and still images
 * join the same dialog.
 */
export class Assistant extends TypedEmitter<AssistantEvents> implements AssistantPort {
  readonly #d: AssistantDeps;
  readonly #lanes: AssistantLanes;
  readonly #o: AssistantOptions;
  readonly #call: CallScope;
  readonly #state: TurnStateMachine;
  readonly #policy: BargeInPolicy;
  readonly #history: History;
  readonly #tools: ToolRegistry;
  readonly #converters: ConverterPool;
  readonly #speech: TurnSpeechDeps;
  #turn: ActiveTurn | null = null;
  /** The last turn started, finished or not (a new one waits for it so the history stays in order). */
  #lastDone: Promise<void> = Promise.resolve();
  #turnSeq = 0;
  /** The person's turn being collected: end-of-turn decisions and final transcripts, paired in order. */
  #endsOfTurn: EndOfTurn[] = [];
  #finals: { text: string; atMs: number }[] = [];
  #latestFrame: VideoFrame | null = null;
  #turnContext: TurnContextProvider | null = null;
  #focusedVideoId: string | null = null;
  #closed = false;

  constructor(deps: AssistantDeps, lanes: AssistantLanes, options: Partial<AssistantOptions> = {}) {
    super();
    this.#d = deps;
    this.#lanes = lanes;
    this.#o = { ...ASSISTANT_DEFAULTS, ...options };
    this.#call = new CallScope(deps.signal);
    this.#call.signal.addEventListener('abort', () => this.close(), { once: true });
    this.#state = new TurnStateMachine((c) => this.emit('state', { state: c.state, turnId: c.turnId }));
    this.#policy = new BargeInPolicy(
      deps.clock,
      {
        minSpeechMs: this.#o.bargeInMinSpeechMs,
        falseInterruptionMs: this.#o.falseInterruptionMs,
        isBackchannel: this.#o.isBackchannel ?? ((t) => isBackchannel(t)),
      },
      { interrupt: () => this.#interrupt(), confirm: () => this.#confirm(), resume: () => this.#resume() },
    );
    this.#history = new History({ maxTurns: this.#o.historyMaxTurns, maxChars: this.#o.historyMaxChars });
    this.#tools = new ToolRegistry({
      builtins: builtinTools({
        latestFrame: () => lanes.watch?.latestFrame() ?? this.#latestFrame,
        ocr: deps.models.ocr,
        clock: deps.clock,
        callStartMs: this.#o.callStartMs,
        now: this.#o.now,
      }),
      clientTimeoutMs: this.#o.clientToolTimeoutMs,
      clock: deps.clock,
      log: deps.log,
      onClientCall: (call) => this.emit('toolCall', call),
    });
    this.#converters = new ConverterPool(deps.log);
    const { tts } = deps.models;
    if (tts.sampleRateHz !== deps.output.sampleRateHz) {
      this.#converters.prewarm(tts.sampleRateHz, deps.output.sampleRateHz, 'medium');
    }
    this.#speech = {
      speak: speaker({ tts, voice: this.#o.voice, speed: this.#o.speed }),
      resample: createResampler({ targetRateHz: deps.output.sampleRateHz, open: this.#converters.open }),
      output: deps.output,
      echo: lanes.echo,
      clock: deps.clock,
      log: deps.log,
      metrics: deps.metrics,
      progressIntervalMs: this.#o.progressIntervalMs,
      onPlaybackEnded: () => this.#converters.refill(),
    };
  }

  /** The turn state now. */
  get state(): AssistantEvents['state'][0]['state'] {
    return this.#state.state;
  }

  /** The conversation as heard (assistant turns cut to what was played). */
  get history(): History {
    return this.#history;
  }

  /** Runs the listen lane on the caller's audio; resolves when the audio ends or the call closes. */
  async listen(audio: AsyncIterable<AudioFrame>): Promise<void> {
    const ctx: StageContext = {
      signal: this.#call.signal,
      clock: this.#d.clock,
      log: this.#d.log,
      metrics: this.#d.metrics,
    };
    try {
      for await (const event of this.#lanes.listen(audio, ctx)) this.#onListen(event);
    } catch (error) {
      if (this.#call.signal.aborted || isAbort(error)) return;
      this.#d.log.error('the listen lane failed; the assistant no longer hears the call', { error });
      this.#emitError(error);
    }
  }

  /** Runs the watch lane on the caller's camera; without one, only the newest frame is kept (`look_closer`). */
  async watch(video: AsyncIterable<VideoFrame>): Promise<void> {
    try {
      if (this.#lanes.watch) return await this.#lanes.watch.run(video, this.#call.signal);
      for await (const frame of video) {
        if (this.#call.signal.aborted) return;
        this.#latestFrame = frame;
      }
    } catch (error) {
      if (this.#call.signal.aborted || isAbort(error)) return;
      this.#d.log.error('the watch lane failed; the assistant no longer sees the call', { error });
      this.#emitError(error);
    }
  }

  sendText(text: string): { turnId: string } {
    const atMs = this.#d.clock.nowMs();
    return this.#begin({ trigger: 'text', text, image: null, times: typedTimes(atMs) });
  }

  sendImage(image: LlmImage, text?: string): { turnId: string } {
    const atMs = this.#d.clock.nowMs();
    const question = text?.trim() ? text : this.#o.defaultImagePrompt;
    return this.#begin({ trigger: 'image', text: question, image, times: typedTimes(atMs) });
  }

  registerTools(tools: LlmTool[]): void {
    this.#tools.setClientTools(tools);
  }

  toolResult(callId: string, outcome: ToolOutcome): void {
    this.#tools.resolve(callId, outcome);
  }

  /**
   * While a video is focused, each person's turn (spoken or typed) is a question
   * about it: its evidence replaces the camera clip, the answer is spoken as
   * usual, and `videoAnswer` follows each turn. null: back to the camera.
   * Applies from the next turn on.
   */
  focusVideo(target: VideoFocusTarget | null): void {
    this.#focusedVideoId = target?.videoId ?? null;
    this.#turnContext = target ? videoTurnContext(target, (e) => this.emit('videoAnswer', e)) : null;
  }

  interrupt(): { interrupted: boolean } {
    const turn = this.#turn;
    const state = this.#state.state;
    // Thinking without a turn is the person's words still being transcribed: no assistant turn to stop.
    if (this.#closed || !turn || !(state === 'thinking' || state === 'speaking' || state === 'interrupted')) {
      return { interrupted: false };
    }
    this.#turn = null;
    this.#policy.reset();
    this.#dropUtterance();
    // Cut where heard: the turn's playback end reports the heard text, marked interrupted.
    abortTurn(turn);
    this.#state.to('listening');
    return { interrupted: true };
  }

  pushToTalk(pressed: boolean): void {
    if (this.#closed) return;
    const ptt = this.#lanes.pushToTalk;
    if (!pressed) {
      ptt?.release();
      return;
    }
    this.interrupt();
    ptt?.press();
  }

  /** The video the person asks about, or null. */
  get focusedVideoId(): string | null {
    return this.#focusedVideoId;
  }

  /** Ends everything the assistant started. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#policy.reset();
    abortTurn(this.#turn);
    this.#call.close();
    this.#converters.close();
  }

  #onListen(ev: ListenEvent): void {
    if (this.#closed) return;
    switch (ev.type) {
      case 'speech-started':
        this.#lanes.watch?.setUserSpeaking(true);
        if (this.#turn) {
          this.#policy.speechStarted(this.#o.callStartMs + ev.ptsMs, this.#state.state === 'speaking');
        } else if (this.#state.state === 'listening' || this.#state.state === 'thinking') {
          // Thinking here means waiting for a transcript: the person goes on, the turn goes on.
          this.#state.to('user-speaking');
        }
        return;
      case 'speech-stopped':
        this.#policy.speechStopped();
        return;
      case 'end-of-turn':
        this.#lanes.watch?.setUserSpeaking(false);
        if (this.#turn && this.#policy.phase === 'idle') return; // not the person's turn (echo, stray audio)
        this.#endsOfTurn.push(ev);
        if (!this.#turn && this.#state.state === 'user-speaking') this.#state.to('thinking');
        this.#maybeStartSpokenTurn();
        return;
      case 'transcript':
        this.emit('transcript', {
          utteranceId: ev.utteranceId,
          text: ev.text,
          final: ev.final,
          startMs: ev.startMs,
          endMs: ev.endMs,
        });
        this.#onTranscript(ev.text, ev.final, ev.atMs);
    }
  }

  #onTranscript(text: string, final: boolean, atMs: number): void {
    if (!this.#turn) {
      if (final) this.#finals.push({ text, atMs });
      this.#maybeStartSpokenTurn();
      return;
    }
    if (this.#policy.phase === 'idle') return; // words heard while the assistant has the turn, not over it
    if (final) this.#finals.push({ text, atMs });
    this.#policy.words(text, final); // may confirm: the turn is the person's again
    if (this.#turn && final)
      this.#dropUtterance(); // a backchannel or noise: forgotten
    else this.#maybeStartSpokenTurn();
  }

  /** Starts the person's turn once every end-of-turn has its final transcript and nobody else holds the turn. */
  #maybeStartSpokenTurn(): void {
    if (this.#turn || this.#state.state !== 'thinking') return;
    const last = this.#endsOfTurn.at(-1);
    if (!last || this.#finals.length < this.#endsOfTurn.length) return;
    const text = this.#finals
      .map((f) => f.text.trim())
      .filter((t) => t !== '')
      .join(' ');
    const transcriptAtMs = this.#finals.at(-1)?.atMs ?? null;
    this.#dropUtterance();
    if (text === '') {
      this.#state.to('listening');
      return;
    }
    this.#begin({
      trigger: 'speech',
      text,
      image: null,
      times: {
        speechEndAtMs: this.#o.callStartMs + last.speechEndMs,
        endOfTurnAtMs: last.atMs,
        transcriptAtMs,
        messageAtMs: null,
      },
    });
  }

  #dropUtterance(): void {
    this.#endsOfTurn = [];
    this.#finals = [];
  }

  #interrupt(): void {
    if (this.#state.state !== 'speaking' || !this.#turn?.speech) return;
    this.#turn.speech.stop();
    this.#state.to('interrupted', this.#turn.id);
  }

  #confirm(): void {
    const turn = this.#turn;
    if (!turn) return;
    this.#turn = null;
    this.#policy.reset();
    abortTurn(turn);
    this.#state.to('user-speaking');
    // The words may all be in already (the final transcript confirmed it).
    if (this.#endsOfTurn.length > 0) this.#state.to('thinking');
    this.#maybeStartSpokenTurn();
  }

  #resume(): void {
    if (this.#state.state !== 'interrupted' || !this.#turn?.speech) return;
    this.#dropUtterance();
    this.#turn.speech.resume();
    this.#state.to('speaking', this.#turn.id);
  }

  /** Starts an assistant turn now; one in progress ends first (cut to what was heard). */
  #begin(request: TurnRequest): { turnId: string } {
    if (this.#closed) throw new SightlineError('ERR_INVALID_STATE', 'the call is closed');
    const id = `turn-${++this.#turnSeq}`;
    const previous = this.#turn;
    this.#turn = null;
    this.#policy.reset();
    abortTurn(previous);
    this.#state.to('thinking', id);
    const metrics = new TurnMetricsRecorder(id, request.trigger, request.times);
    let finished!: () => void;
    const turn: ActiveTurn = {
      id,
      speech: null,
      metrics,
      scope: null,
      context: null,
      done: new Promise((r) => (finished = r)),
    };
    this.#turn = turn;
    const before = this.#lastDone;
    this.#lastDone = turn.done;
    void before.then(() => this.#run(turn, request, finished));
    return { turnId: id };
  }

  #run(turn: ActiveTurn, request: TurnRequest, finished: () => void): void {
    if (this.#turn !== turn || this.#closed) {
      finished();
      return;
    }
    this.#history.addUser(request.text, request.image ?? undefined);
    const scope = this.#call.startTurn();
    turn.scope = scope;
    const provider = this.#turnContext;
    if (!provider) {
      this.#generate(turn, scope, finished);
      return;
    }
    provider({ turnId: turn.id, text: request.text, signal: scope.signal }).then(
      (context) => {
        turn.context = context;
        this.#generate(turn, scope, finished);
      },
      (error: unknown) => {
        // The question could not be prepared (the video is gone): said to the page; the turn goes on without it.
        if (!scope.signal.aborted && !isAbort(error)) {
          this.#d.log.warn('the turn context failed; the turn goes on without it', {
            turnId: turn.id,
            error,
          });
          this.#emitError(error);
        }
        this.#generate(turn, scope, finished);
      },
    );
  }

  /** The turn's answer: generation, then speech. A turn superseded meanwhile ends here, unheard. */
  #generate(turn: ActiveTurn, scope: TurnScope, finished: () => void): void {
    if (this.#turn !== turn || this.#closed || scope.signal.aborted) {
      scope.end();
      finished();
      return;
    }
    const watch = this.#lanes.watch;
    const context = turn.context;
    const frames = context ? [] : (watch?.frames() ?? []);
    const ocr = context ? [] : (watch?.ocr() ?? []);
    if (watch) {
      const s = watch.stats();
      turn.metrics.visual(s.tokensKept, s.tokensMerged);
    }
    const llm = this.#d.models.llm;
    const toolPrompt = llm.nativeTools ? null : describeToolsForPrompt(this.#tools.tools);
    const answer = generateAnswer({
      llm,
      tools: this.#tools,
      context: (turnMessages) =>
        buildContext({
          systemPrompt: this.#o.systemPrompt,
          toolPrompt,
          history: this.#history.entries,
          frames,
          ocr,
          ...(context ? { turnContent: context.content } : {}),
          turnMessages,
        }),
      maxNewTokens: this.#o.maxNewTokens,
      maxToolRounds: this.#o.maxToolRounds,
      turnId: turn.id,
      signal: scope.signal,
      clock: this.#d.clock,
      log: this.#d.log.child({ turnId: turn.id }),
      metrics: this.#d.metrics,
      onRound: (r) => turn.metrics.round(r),
    });
    turn.speech = new AssistantTurn(turn.id, this.#speech, scope, new TextTape(answer), {
      reply: (text, playedMs) =>
        this.emit('reply', { turnId: turn.id, text, final: false, playedMs, interrupted: false }),
      firstAudio: (atMs) => {
        turn.metrics.firstAudio(atMs);
        if (this.#turn === turn && this.#state.state === 'thinking') {
          this.#state.to('speaking', turn.id);
          this.#policy.armDuration();
        }
      },
      metric: (m) => {
        this.#d.metrics.emit(m);
        if (m.type === 'tts') turn.metrics.ttsTtfb(m.ttfbMs);
      },
      finished: (outcome) => {
        this.#finished(turn, outcome);
        finished();
      },
    });
    turn.speech.start();
  }

  #finished(turn: ActiveTurn, outcome: TurnOutcome): void {
    this.#history.addAssistant(outcome.heardText);
    this.emit('reply', {
      turnId: turn.id,
      text: outcome.heardText,
      final: true,
      playedMs: outcome.playedMs,
      interrupted: outcome.interrupted,
    });
    this.emit('metrics', turn.metrics.finish(outcome.interrupted));
    turn.context?.finished(outcome.heardText);
    if (outcome.error && !isAbort(outcome.error)) {
      this.#d.log.warn('the turn failed; the call goes on', { turnId: turn.id, error: outcome.error });
      this.#emitError(outcome.error);
    }
    if (this.#turn !== turn) return;
    this.#turn = null;
    this.#policy.reset();
    this.#dropUtterance();
    if (!this.#closed && this.#state.state !== 'listening') this.#state.to('listening');
  }

  #emitError(error: unknown): void {
    const e =
      error instanceof SightlineError
        ? error
        : new SightlineError('ERR_INTERNAL', undefined, { cause: error });
    this.emit('error', e.toWire());
  }
}

/** Ends a turn: its speech when it speaks, else its scope (its context may still be in preparation). */
function abortTurn(turn: ActiveTurn | null): void {
  if (turn?.speech) turn.speech.abort();
  else turn?.scope?.abort();
}

function typedTimes(atMs: number): TurnTimes {
  return { speechEndAtMs: null, endOfTurnAtMs: null, transcriptAtMs: null, messageAtMs: atMs };
}
