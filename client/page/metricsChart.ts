import type { TurnMetrics } from '../sdk/index.js';

const SVG = 'http://www.w3.org/2000/svg';
/** Turns drawn (the newest on the right). */
const TURNS_DRAWN = 12;
const WIDTH = 240;
const HEIGHT = 60;
const BAR_GAP = 2;
/** The chart's top is at least this (so a fast call does not look slow). */
const MIN_SCALE_MS = 1000;

/**
 * Voice-to-voice per turn as a small inline-SVG bar chart: one bar per turn
 * (interrupted turns hatched by class), each with a `<title>`, and the whole
 * chart labelled with the last and median figures for screen readers.
 */
export class VoiceToVoiceChart {
  readonly #svg: SVGSVGElement;
  readonly #turns: { turnId: string; ms: number; interrupted: boolean }[] = [];

  constructor(svg: SVGSVGElement) {
    this.#svg = svg;
    svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    svg.setAttribute('role', 'img');
    this.#draw();
  }

  /** Adds one turn (turns without a voice-to-voice figure, e.g. cut before audio, are skipped). */
  add(m: TurnMetrics): void {
    if (m.voiceToVoiceMs === null) return;
    this.#turns.push({ turnId: m.turnId, ms: m.voiceToVoiceMs, interrupted: m.interrupted });
    if (this.#turns.length > TURNS_DRAWN) this.#turns.shift();
    this.#draw();
  }

  #draw(): void {
    const turns = this.#turns;
    if (turns.length === 0) {
      this.#svg.setAttribute('aria-label', 'Voice to voice per turn: no turns yet');
      this.#svg.replaceChildren();
      return;
    }
    const scale = Math.max(MIN_SCALE_MS, ...turns.map((t) => t.ms));
    const barW = WIDTH / TURNS_DRAWN - BAR_GAP;
    const bars = turns.map((t, i) => {
      const h = Math.max(1, (t.ms / scale) * (HEIGHT - 2));
      const rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('x', String(i * (barW + BAR_GAP)));
      rect.setAttribute('y', String(HEIGHT - h));
      rect.setAttribute('width', String(barW));
      rect.setAttribute('height', String(h));
      rect.setAttribute('class', t.interrupted ? 'bar interrupted' : 'bar');
      rect.dataset.turnId = t.turnId;
      rect.dataset.ms = String(Math.round(t.ms));
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `${t.turnId}: ${Math.round(t.ms)} ms${t.interrupted ? ' (interrupted)' : ''}`;
      rect.append(title);
      return rect;
    });
    this.#svg.replaceChildren(...bars);
    const sorted = turns.map((t) => t.ms).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] as number;
    const last = turns.at(-1)?.ms ?? 0;
    this.#svg.setAttribute(
      'aria-label',
      `Voice to voice per turn: last ${Math.round(last)} ms, median ${Math.round(median)} ms over ${turns.length} turns`,
    );
  }
}
