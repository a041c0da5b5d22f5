// readCsvStream: CSV from a browser's File or Blob, a fetch body (ReadableStream) or any async
// iterable, chunk by chunk. The oracle is parseCsv on the whole text: over random bar sets cut
// into random chunks (as strings, and as bytes cut inside multi-byte UTF-8 characters), the
// columns must be identical.
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataValidationError, InvalidArgumentError, parseCsv, readCsvStream, Rng, toCsv, type MarketData } from '../../src/index.js';
import { randomBars } from '../helpers/randomBars.js';

const columns = (d: MarketData) => ({ t: Array.from(d.timestamps), o: Array.from(d.open), h: Array.from(d.high), l: Array.from(d.low), c: Array.from(d.close), v: Array.from(d.volume), tf: d.timeframe });

/** `bytes` cut at random places (empty pieces included). */
function cut<T extends { length: number; slice(a: number, b: number): T }>(whole: T, rng: Rng): T[] {
  const pieces: T[] = [];
  let at = 0;
  while (at < whole.length) {
    const n = rng.integer(0, Math.min(64, whole.length - at) + 1);
    pieces.push(whole.slice(at, at + n));
    at += n;
  }
  return pieces;
}

async function* iterate<T>(xs: T[]): AsyncGenerator<T> {
  for (const x of xs) yield x;
}

describe('readCsvStream', () => {
  it('equals parseCsv over random bars in random chunks, as text and as bytes split inside characters', async () => {
    const rng = new Rng(12);
    for (let k = 0; k < 40; k++) {
      const bars = randomBars(rng.integer(1, 60), k);
      // a header in French, mapped by name: 'clôture' and 'volumé' are two bytes wide in UTF-8
      const text = toCsv(bars)
        .replace(/^([^\n]*)close([^\n]*)volume/, '$1clôture$2volumé')
        .replace(/\n/g, k % 3 === 0 ? '\r\n' : '\n')
        .replace(/\r?\n$/, k % 2 === 0 ? '' : '\n');
      const options = { columns: { close: 'clôture', volume: 'volumé' } };
      const expected = columns(parseCsv(text, options));
      expect(columns(await readCsvStream(iterate(cut(text, rng)), options))).toEqual(expected);
      const bytes = new TextEncoder().encode(text);
      expect(columns(await readCsvStream(iterate(cut(bytes, rng)), options))).toEqual(expected);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const piece of cut(bytes, rng)) controller.enqueue(piece);
          controller.close();
        },
      });
      expect(columns(await readCsvStream(stream, options))).toEqual(expected);
    }
  });

  it('reads a Blob (a browser File is one), a Node stream and a stream without an async iterator', async () => {
    const bars = randomBars(50, 3);
    const text = toCsv(bars);
    const expected = columns(parseCsv(text));
    expect(columns(await readCsvStream(new Blob([text])))).toEqual(expected);
    const file = join(mkdtempSync(join(tmpdir(), 'tg-csvstream-')), 'bars.csv');
    writeFileSync(file, text);
    expect(columns(await readCsvStream(createReadStream(file, { highWaterMark: 97 })))).toEqual(expected);
    // an older browser's ReadableStream: getReader() only
    const bytes = new TextEncoder().encode(text);
    let given = false;
    const readerOnly = {
      getReader: () => ({
        read: async () => (given ? { done: true, value: undefined } : ((given = true), { done: false, value: bytes })),
        releaseLock: () => undefined,
      }),
    };
    expect(columns(await readCsvStream(readerOnly as unknown as ReadableStream<Uint8Array>))).toEqual(expected);
  });

  it('refuses what it cannot read, naming the argument and showing the value', async () => {
    await expect(readCsvStream('time,open\n' as never)).rejects.toThrow(/^source must be a Blob or File, a ReadableStream, or an async iterable of strings or Uint8Arrays, got "time,open\\n"$/);
    await expect(readCsvStream({} as never)).rejects.toThrow(InvalidArgumentError);
    await expect(readCsvStream(iterate([42]) as never)).rejects.toThrow(/^source chunk must be a string or a Uint8Array, got 42$/);
    await expect(readCsvStream(new Blob(['']), { delimeter: ';' } as never)).rejects.toThrow(/unknown key 'delimeter'|delimeter/);
    await expect(readCsvStream(new Blob(['time,open,high,low,close,volume\n2024-01-01T00:00Z,1,2,0.5,x,1\n']))).rejects.toThrow(DataValidationError);
    await expect(readCsvStream(new Blob(['']))).rejects.toThrow(/CSV is empty/);
  });
});
