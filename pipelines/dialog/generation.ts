import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { Llm, LlmMessage, LlmToken, LlmToolCall } from '../../models/roles/llm.js';
import type { MetricsSink } from '../core/metrics.js';
import { estimateTokens } from './context.js';
import { scanToolCalls } from './localToolFormat.js';
import type { ToolRegistry } from './tools.js';

/** The figures of one LLM request within a turn. */
export interface GenerationRound {
  round: number;
  requestAtMs: number;
  firstTokenAtMs: number | null;
  /** Estimated: 4 characters a token for text, the kept rows of each frame. */
  tokensIn: number;
  tokensOut: number;
}

export interface GenerationOptions {
  llm: Llm;
  tools: ToolRegistry;
  /** This turn's messages (tool calls and results so far) → the whole prompt of the next request. */
  context: (turnMessages: readonly LlmMessage[]) => LlmMessage[];
  maxNewTokens: number;
  /** Requests that may end in a tool call; the request after the last one is offered no tools. */
  maxToolRounds: number;
  turnId: string;
  signal: AbortSignal;
  clock: Clock;
  log: Logger;
  metrics: MetricsSink;
  onRound?: (round: GenerationRound) => void;
}

const textPart = (text: string) => ({ type: 'text' as const, text });

/** Counts the tokens of a stream as it passes. */
async function* counted(tokens: AsyncIterable<LlmToken>, count: { n: number }): AsyncGenerator<LlmToken> {
  for await (const t of tokens) {
    count.n++;
    yield t;
  }
}

/**
 * One assistant turn's answer as speakable text: streams the LLM and carries
 * out the tool calls it asks for (natively, or in the local `<tool_call>` text
 * format, parsed strictly), up to `maxToolRounds` rounds, feeding each result
 * back and generating again. Text written before a call is spoken (a line
 * break ends its sentence so it is not held back while the tool runs). A
 * malformed local call is never run: it is logged as ERR_TOOL_CALL_INVALID and
 * the model is told once; a second one ends the turn. Reports one `llm` metric
 * per request. Rejects with ERR_ABORTED when `signal` aborts.
 */
export async function* generateAnswer(o: GenerationOptions): AsyncGenerator<string> {
  const turnMessages: LlmMessage[] = [];
  let toldInvalid = false;
  for (let round = 0; ; round++) {
    const offerTools = round < o.maxToolRounds && o.tools.tools.length > 0;
    const messages = o.context(turnMessages);
    const requestAtMs = o.clock.nowMs();
    const stats: GenerationRound = {
      round,
      requestAtMs,
      firstTokenAtMs: null,
      tokensIn: estimateTokens(messages),
      tokensOut: 0,
    };
    const count = { n: 0 };
    let written = '';
    let call: LlmToolCall | null = null;
    let invalid: { reason: string; raw: string } | null = null;
    let cancelled = true;
    try {
      const stream = o.llm.generate(messages, {
        maxNewTokens: o.maxNewTokens,
        signal: o.signal,
        tools: o.llm.nativeTools && offerTools ? o.tools.tools : undefined,
      });
      for await (const item of scanToolCalls(counted(stream, count), `${o.turnId}-${round}`)) {
        stats.firstTokenAtMs ??= o.clock.nowMs();
        if (item.type === 'text') {
          written += item.text;
          yield item.text;
        } else if (item.type === 'call') call = item.call;
        else invalid = item;
      }
      cancelled = false;
    } finally {
      stats.tokensOut = count.n;
      const endMs = o.clock.nowMs();
      o.metrics.emit({
        type: 'llm',
        atMs: endMs,
        label: o.llm.name,
        requestId: `${o.turnId}-${round}`,
        ttftMs: (stats.firstTokenAtMs ?? endMs) - requestAtMs,
        durationMs: endMs - requestAtMs,
        completionTokens: count.n,
        cancelled,
      });
      o.onRound?.(stats);
    }
    if (!call && !invalid) return;
    if (written.trim() !== '') yield '\n';
    if (invalid) {
      o.log.warn('the model wrote a malformed tool call; it was not run', {
        code: 'ERR_TOOL_CALL_INVALID',
        reason: invalid.reason,
        turnId: o.turnId,
      });
      if (toldInvalid) return;
      toldInvalid = true;
      turnMessages.push(
        { role: 'assistant', content: [textPart(`${written}<tool_call>${invalid.raw}`)] },
        {
          role: 'user',
          content: [
            textPart(
              `That tool call was not run: ${invalid.reason}. Write it again exactly in the tool format, or answer without it.`,
            ),
          ],
        },
      );
      continue;
    }
    if (!call) return;
    if (!offerTools) {
      o.log.warn('the model asked for a tool after its last tool round; the turn ends', {
        tool: call.name,
        turnId: o.turnId,
      });
      return;
    }
    const result = await o.tools.run(call, o.signal);
    const said = o.llm.nativeTools
      ? [textPart(written)]
      : [
          textPart(
            `${written}<tool_call>{"name":${JSON.stringify(call.name)},"arguments":${call.arguments}}</tool_call>`,
          ),
        ];
    turnMessages.push(
      { role: 'assistant', content: said.filter((p) => p.text !== ''), toolCalls: [call] },
      { role: 'tool', toolCallId: call.id, name: call.name, content: [textPart(result.content)] },
    );
    if (result.image) {
      turnMessages.push({
        role: 'user',
        content: [textPart(`The image from ${call.name}:`), { type: 'image', image: result.image }],
      });
    }
  }
}
