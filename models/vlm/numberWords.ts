import { ModelError } from '../runtime/errors.js';

const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

function below1000(n: number): string {
  if (n < 20) return ONES[n] as string;
  if (n < 100) return n % 10 === 0 ? (TENS[n / 10] as string) : `${TENS[Math.floor(n / 10)]}-${ONES[n % 10]}`;
  const hundreds = `${ONES[Math.floor(n / 100)]} hundred`;
  return n % 100 === 0 ? hundreds : `${hundreds} and ${below1000(n % 100)}`;
}

/**
 * An integer in 0..999 999 in English words, spelled as Python's `num2words`
 * does (what SmolVLM's processor writes in its video intro): "sixty-four",
 * "one hundred and one", "four thousand, seven hundred and seventy-eight".
 */
export function numberToWords(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 999_999) {
    throw new ModelError('ERR_MODEL_INPUT', `cannot spell ${n} in words (0..999999 only)`);
  }
  if (n < 1000) return below1000(n);
  const thousands = `${below1000(Math.floor(n / 1000))} thousand`;
  const rest = n % 1000;
  if (rest === 0) return thousands;
  return `${thousands}${rest < 100 ? ' and ' : ', '}${below1000(rest)}`;
}
