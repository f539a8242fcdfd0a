import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/clock.js';
import { PushToTalk } from '../../../../pipelines/listen/pushToTalk.js';
import { createTurnDetector, type TurnEvent } from '../../../../pipelines/listen/turnDetector.js';
import type { VadVerdict } from '../../../../pipelines/listen/vadStage.js';
import { runStage, type ScriptedItem } from '../../../../pipelines/testing/harness.js';
import { quiet, speech, vadTrack } from '../../../helpers/vadTrack.js';

/** Runs the detector with a push-to-talk button pressed and released at the given clock times. */
async function detect(
  input: ScriptedItem<VadVerdict>[],
  button: { pressAtMs?: number; releaseAtMs?: number } | null,
): Promise<TurnEvent[]> {
  const clock = new ManualClock(0);
  const ptt = new PushToTalk();
  if (button?.pressAtMs !== undefined) clock.setTimer(() => ptt.press(), button.pressAtMs);
  if (button?.releaseAtMs !== undefined) clock.setTimer(() => ptt.release(), button.releaseAtMs);
  const stage = createTurnDetector({}, undefined, undefined, button ? ptt : undefined);
  const run = await runStage(stage, input, { clock });
  expect(run.error).toBeUndefined();
  return run.outputs.map((o) => o.item);
}
const ends = (events: TurnEvent[]) => events.filter((e) => e.type === 'end-of-turn');

describe('push-to-talk in the turn detector', () => {
  // Two phrases with a 2 s pause between them: longer than every silence rule.
  const twoPhrases = vadTrack(quiet(1000), speech(1000), quiet(2000), speech(1000), quiet(1000));

  it('without the button, the 2 s pause ends the turn (the control case)', async () => {
    expect(ends(await detect(twoPhrases, null)).map((e) => e.type === 'end-of-turn' && e.reason)).toEqual([
      'silence',
      'silence',
    ]);
  });

  it('held, the pause ends nothing; released, the turn ends at the next verdict', async () => {
    const events = await detect(twoPhrases, { pressAtMs: 500, releaseAtMs: 5105 });
    expect(ends(events)).toEqual([
      // The release lands between the verdicts ending at 5100 and 5120: the latter ends the turn.
      { type: 'end-of-turn', reason: 'released', turnStartMs: 1000, speechEndMs: 5000, atMs: 5120 },
    ]);
    // The pause is still reported (the dialog's barge-in policy reads it).
    expect(events.filter((e) => e.type === 'speech-stopped').length).toBeGreaterThan(0);
  });

  it('released mid-speech, without a press, ends the turn at once (no silence wait)', async () => {
    const events = await detect(vadTrack(quiet(1000), speech(2000), quiet(1000)), { releaseAtMs: 1605 });
    expect(ends(events)).toEqual([
      { type: 'end-of-turn', reason: 'released', turnStartMs: 1000, speechEndMs: 1620, atMs: 1620 },
      // Speech that goes on after the release is a new turn, ended by silence as usual.
      { type: 'end-of-turn', reason: 'silence', turnStartMs: 1620, speechEndMs: 3000, atMs: 3500 },
    ]);
    expect(events.filter((e) => e.type === 'speech-started').map((e) => e.ptsMs)).toEqual([1000, 1620]);
  });

  it('a release when nobody spoke ends nothing, and is not kept for a later turn', async () => {
    const events = await detect(vadTrack(quiet(1000), speech(1000), quiet(1000)), {
      pressAtMs: 100,
      releaseAtMs: 505,
    });
    expect(events).toEqual([
      { type: 'speech-started', ptsMs: 1000, audioStartMs: 700, atMs: 1260 },
      { type: 'speech-stopped', ptsMs: 2000, atMs: 2200 },
      { type: 'end-of-turn', reason: 'silence', turnStartMs: 1000, speechEndMs: 2000, atMs: 2500 },
    ]);
  });
});
