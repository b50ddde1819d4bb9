/*
 * Stream fixtures for the decoder and parser tests: a recorder that captures the parser's
 * callbacks in the order they fire, helpers that cut text or bytes into pieces, and fast-check
 * arbitraries for SSE streams and for byte arrays rich in UTF-8 edge cases.
 */
import fc from 'fast-check'
import { createParser } from '../../src/parser'
import type {
  EventSourceMessage,
  EventSourceParser,
  ParseError,
  ParserOptions,
  Utf8Decoder
} from '../../src/types'

/** One parser callback, in the order it fired. */
export type ParserCall =
  | { kind: 'event'; event: EventSourceMessage }
  | { kind: 'retry'; ms: number }
  | { kind: 'comment'; text: string }
  | { kind: 'error'; error: ParseError }

export interface ParserRecorder {
  parser: EventSourceParser
  /** Every callback, in order. */
  calls: ParserCall[]
  /** Feeds each piece in turn; returns the recorder for chaining. */
  feed(...pieces: string[]): ParserRecorder
  events(): EventSourceMessage[]
  retries(): number[]
  comments(): string[]
  errors(): ParseError[]
}

/** A parser whose callbacks are all recorded. */
export function recordParser(options?: ParserOptions): ParserRecorder {
  const calls: ParserCall[] = []
  const parser = createParser(
    {
      onEvent: (event) => calls.push({ kind: 'event', event }),
      onRetry: (ms) => calls.push({ kind: 'retry', ms }),
      onComment: (text) => calls.push({ kind: 'comment', text }),
      onError: (error) => calls.push({ kind: 'error', error })
    },
    options
  )
  const recorder: ParserRecorder = {
    parser,
    calls,
    feed(...pieces) {
      for (const piece of pieces) parser.feed(piece)
      return recorder
    },
    events: () => calls.flatMap((c) => (c.kind === 'event' ? [c.event] : [])),
    retries: () => calls.flatMap((c) => (c.kind === 'retry' ? [c.ms] : [])),
    comments: () => calls.flatMap((c) => (c.kind === 'comment' ? [c.text] : [])),
    errors: () => calls.flatMap((c) => (c.kind === 'error' ? [c.error] : []))
  }
  return recorder
}

/** Shorthand for an expected event. */
export function message(data: string, type = 'message', lastEventId = ''): EventSourceMessage {
  return { type, data, lastEventId }
}

export const LINE_ENDINGS = { LF: '\n', CR: '\r', CRLF: '\r\n' } as const

/** Each line followed by a line end; `eol` may be a list, used in turn (mixed endings). */
export function lines(list: string[], eol: string | string[] = '\n'): string {
  const ends = typeof eol === 'string' ? [eol] : eol
  return list.map((line, i) => line + ends[i % ends.length]).join('')
}

/** Cuts `whole` at the given offsets (unsorted, repeats give empty pieces). */
export function cutAt<T extends string | Uint8Array>(whole: T, offsets: number[]): T[] {
  const points = offsets.map((o) => Math.max(0, Math.min(whole.length, o))).sort((a, b) => a - b)
  const pieces: T[] = []
  let start = 0
  for (const p of points) {
    pieces.push(whole.slice(start, p) as T)
    start = p
  }
  pieces.push(whole.slice(start) as T)
  return pieces
}

/** Pieces of at most `size` units (1: one code unit or byte at a time). */
export function cutEvery<T extends string | Uint8Array>(whole: T, size: number): T[] {
  const pieces: T[] = []
  for (let i = 0; i < whole.length; i += size) pieces.push(whole.slice(i, i + size) as T)
  return pieces
}

/** Every way to cut `whole` into two pieces, the empty pieces at both ends included. */
export function* twoPieceCuts<T extends string | Uint8Array>(whole: T): Generator<T[]> {
  for (let i = 0; i <= whole.length; i++) yield cutAt(whole, [i])
}

/** Every way to cut `whole` at any subset of its inner boundaries (2^(n-1): keep n small). */
export function* allCuts<T extends string | Uint8Array>(whole: T): Generator<T[]> {
  const inner = whole.length - 1
  for (let mask = 0; mask < 1 << inner; mask++) {
    const offsets: number[] = []
    for (let b = 0; b < inner; b++) if (mask & (1 << b)) offsets.push(b + 1)
    yield cutAt(whole, offsets)
  }
}

const encoder = new TextEncoder()

/** UTF-8 bytes of `text` (a lone surrogate becomes EF BF BD, as the Encoding Standard encodes). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

/** Runs `pieces` through `decoder` and ends the stream. */
export function decodePieces(decoder: Utf8Decoder, pieces: Array<Uint8Array | ArrayBuffer>): string {
  let text = ''
  for (const piece of pieces) text += decoder.decode(piece)
  return text + decoder.end()
}

/** The oracle: Node's own TextDecoder fed the same pieces with `{stream: true}`. */
export function nativeDecodePieces(pieces: Uint8Array[]): string {
  const native = new TextDecoder()
  let text = ''
  for (const piece of pieces) text += native.decode(piece, { stream: true })
  return text + native.decode()
}

/** Byte pieces → decoder → parser, as the event source wires them; returns the recorder. */
export function pipeBytes(decoder: Utf8Decoder, pieces: Uint8Array[], options?: ParserOptions): ParserRecorder {
  const recorder = recordParser(options)
  for (const piece of pieces) recorder.parser.feed(decoder.decode(piece))
  recorder.parser.feed(decoder.end())
  return recorder
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** Characters that make field values interesting: spaces, colons, CJK, emoji, NUL, U+FEFF. */
const valueChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'z', '0', '7', ' ', ':', '-', '.', 'e') },
  { weight: 3, arbitrary: fc.constantFrom('中', '文', '流', 'é', 'ß', '€', '\u07ff', '\u0800', '\uffff') },
  { weight: 2, arbitrary: fc.constantFrom('😀', '🚀', '𝄞', '\u{10ffff}') },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\ufeff', '\t') }
)

/** A field value: never a CR or LF. */
export const sseValueArb = fc.array(valueChar, { maxLength: 8 }).map((cs) => cs.join(''))

const digitsArb = fc.oneof(
  fc.nat({ max: 100000 }).map(String),
  fc.constantFrom('', ' ', '1e3', '-1', '10 ', ' 10', '1.5', '+3', '007')
)

/** One SSE line, without its line end. */
export const sseLineArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  {
    weight: 6,
    arbitrary: fc.tuple(fc.constantFrom('data:', 'data: ', 'data:  ', 'data'), sseValueArb).map(([f, v]) => (f === 'data' ? f : f + v))
  },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('event:', 'event: ', 'event'), sseValueArb).map(([f, v]) => (f === 'event' ? f : f + v)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('id:', 'id: ', 'id'), sseValueArb).map(([f, v]) => (f === 'id' ? f : f + v)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('retry:', 'retry: ', 'retry'), digitsArb).map(([f, v]) => (f === 'retry' ? f : f + v)) },
  { weight: 1, arbitrary: sseValueArb.map((v) => ':' + v) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('foo', 'Data', ' data', 'datas', 'ev', 'x'), fc.constantFrom(':', ': ', ''), sseValueArb).map((p) => p.join('')) }
)

export const lineEndArb = fc.constantFrom('\n', '\r', '\r\n')

/** A whole SSE text: lines with mixed line ends, the last line possibly unterminated. */
export const sseTextArb: fc.Arbitrary<string> = fc
  .tuple(fc.array(fc.tuple(sseLineArb, lineEndArb), { maxLength: 14 }), fc.option(sseLineArb, { nil: undefined }))
  .map(([pairs, tail]) => pairs.map(([l, e]) => l + e).join('') + (tail === undefined ? '' : tail))

/** An SSE byte stream: the text's UTF-8 bytes, sometimes after a BOM. */
export const sseBytesArb: fc.Arbitrary<{ text: string; bom: boolean; bytes: Uint8Array }> = fc
  .tuple(sseTextArb, fc.boolean())
  .map(([text, bom]) => {
    const body = utf8(text)
    const bytes = new Uint8Array(body.length + (bom ? 3 : 0))
    if (bom) bytes.set([0xef, 0xbb, 0xbf])
    bytes.set(body, bom ? 3 : 0)
    return { text, bom, bytes }
  })

/** Where to cut: raw offsets, taken modulo (length + 1) by `cutWith`; repeats make empty pieces. */
export const cutsArb = fc.array(fc.nat({ max: 1 << 20 }), { maxLength: 24 })

export function cutWith<T extends string | Uint8Array>(whole: T, cuts: number[]): T[] {
  return cutAt(whole, cuts.map((c) => c % (whole.length + 1)))
}

/** Bytes biased towards UTF-8 edges: leads, continuations, overlongs, surrogates, F4 90, F5–FF, BOM. */
export const byteArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      0x41, 0x0a, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbb, 0xbf, 0xbd, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe4,
      0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xf8, 0xfe, 0xff
    )
  }
)

/** Byte arrays mixing valid UTF-8 text, BOMs and arbitrary (often invalid) bytes. */
export const messyBytesArb: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: byteArb.map((b) => [b]) },
      { weight: 1, arbitrary: valueChar.map((c) => Array.from(utf8(c))) },
      { weight: 1, arbitrary: fc.constant([0xef, 0xbb, 0xbf]) },
      // A valid sequence with one byte dropped: truncated in the middle of the stream.
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('é', '中', '😀'), fc.nat()).map(([c, k]) => { const b = Array.from(utf8(c)); b.splice(1 + (k % (b.length - 1)), 1); return b }) }
    ),
    { maxLength: 40 }
  )
  .map((groups) => Uint8Array.from(groups.flat()))
