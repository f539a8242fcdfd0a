import type { SessionState } from '../sdk/api.js';
import type { ModelsStatus, TurnMetrics } from '../sdk/index.js';

const TURNS_SHOWN = 8;

/** What the indicator says for each state, as a person would. */
const STATE_WORDS: Record<SessionState, string> = {
  idle: 'Not in a call',
  connecting: 'Connecting…',
  listening: 'Listening',
  thinking: 'Thinking…',
  speaking: 'Speaking',
  reconnecting: 'Reconnecting…',
  closed: 'Call ended',
};

/** The session's state as a coloured dot and words (`data-state` carries the state's name). */
export function showState(el: HTMLElement, state: SessionState): void {
  el.dataset.state = state;
  el.textContent = STATE_WORDS[state];
}

/**
 * The models banner: what is missing and the command that fetches it (copyable),
 * and a loud one when random test models are loaded.
 */
export function showModels(status: ModelsStatus): void {
  const $ = (id: string) => document.getElementById(id) as HTMLElement;
  $('models-banner').hidden = status.ready;
  const list = $('models-missing');
  list.replaceChildren(
    ...status.missing.map((m) => {
      const li = document.createElement('li');
      const code = document.createElement('code');
      code.textContent = m;
      li.append(code);
      return li;
    }),
  );
  $('models-fetch').hidden = !status.fetchCommand;
  $('fetch-command').textContent = status.fetchCommand ?? '';
  $('tiny-banner').hidden = !status.tinyTestModels;
}

/** Copies the fetch command; without clipboard access, selects it for the person to copy. */
export async function copyFetchCommand(): Promise<boolean> {
  const code = document.getElementById('fetch-command') as HTMLElement;
  try {
    await navigator.clipboard.writeText(code.textContent ?? '');
    return true;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(code);
    const selection = getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    return false;
  }
}

const ms = (v: number | null) => (v === null ? '–' : v.toFixed(0));

/** Adds one turn's figures at the top of the metrics table (the last TURNS_SHOWN stay). */
export function showTurnMetrics(body: HTMLTableSectionElement, m: TurnMetrics): void {
  const row = document.createElement('tr');
  row.dataset.turnId = m.turnId;
  const cells = [
    `${m.trigger}${m.interrupted ? ' ✂' : ''}`,
    ms(m.voiceToVoiceMs),
    ms(m.endOfTurnDelayMs),
    ms(m.sttLatencyMs),
    ms(m.llmTtftMs),
    ms(m.ttsTtfbMs),
    `${m.tokensIn}/${m.tokensOut}`,
    `${m.visualTokensKept}/${m.visualTokensMerged}`,
  ];
  row.replaceChildren(
    ...cells.map((text) => {
      const td = document.createElement('td');
      td.textContent = text;
      return td;
    }),
  );
  if (m.interrupted) row.title = 'interrupted';
  body.prepend(row);
  while (body.rows.length > TURNS_SHOWN) body.deleteRow(-1);
}
