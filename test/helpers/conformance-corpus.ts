/*
 * The corpus of test/browser-conformance.test.ts: SSE byte streams that are easy to get wrong,
 * each with the events WHATWG HTML §9.2.6 ("Interpreting an event stream", on the output of the
 * Encoding Standard's "UTF-8 decode": one leading BOM dropped, errors → U+FFFD) dispatches.
 *
 * Each stream runs through headless Chromium's EventSource and through connectEventSource; both
 * must deliver exactly `spec`. Adding a case is one line: `c(name, stream, spec)`.
 *
 * A stream is a list of parts: text (sent as UTF-8), raw bytes (`[0xef, 0xbb, 0xbf]`), or CUT,
 * a write boundary kept by the "pieces" chunking (e.g. a CR in one write, its LF in the next).
 * Every stream is also sent whole, one byte per write and cut at random.
 *
 * When Chromium is shown to deviate from the spec, the case gets `browser: { events, note }`:
 * then our library must give `spec` and Chromium the documented `events`, separately (should a
 * later Chromium follow the spec, that case fails: drop its `browser` entry).
 */

/** One dispatched event, as both sides record it (a browser's MessageEvent / our onMessage). */
export interface ConformanceEvent {
  type: string
  data: string
  lastEventId: string
}

/** A write boundary inside a stream (kept by the "pieces" chunking). */
export const CUT = Symbol('cut')
export type Part = string | number[] | typeof CUT

export interface ConformanceCase {
  /** URL-safe; the stream is served at /sse/<name>. */
  name: string
  /** The stream as the server writes it. */
  parts: Part[]
  /** What the spec dispatches (HTML §9.2.6 over Encoding "UTF-8 decode"). */
  spec: ConformanceEvent[]
  /** A documented Chromium deviation from `spec`: what Chromium was observed to dispatch, and why. */
  browser?: { events: ConformanceEvent[]; note: string }
}

/** An expected event; no type means 'message' (the spec's default), no id the empty string. */
export function m(data: string, type = 'message', lastEventId = ''): ConformanceEvent {
  return { type, data, lastEventId }
}

const BOM = [0xef, 0xbb, 0xbf]
const FFFD = '\uFFFD'

function c(name: string, stream: string | Part[], spec: ConformanceEvent[], browser?: ConformanceCase['browser']): ConformanceCase {
  return { name, parts: typeof stream === 'string' ? [stream] : stream, spec, ...(browser ? { browser } : {}) }
}

/** 100 KB of one data line: 50 000 ASCII bytes, then 16 667 three-byte CJK characters. */
const LONG_LINE = 'abcdefghij'.repeat(5000) + '长'.repeat(16667)
const MANY = 1000
const manyStream = Array.from({ length: MANY }, (_, i) => (i % 3 === 0 ? 'event: tick\n' : '') + `id: ${i}\ndata: ${i}\n\n`).join('')
const manyEvents = Array.from({ length: MANY }, (_, i) => m(String(i), i % 3 === 0 ? 'tick' : 'message', String(i)))

export const CORPUS: ConformanceCase[] = [
  // --- line ends (§9.2.5: CRLF, LF or CR) ---
  c('lf', 'data: a\n\ndata: b\n\n', [m('a'), m('b')]),
  c('cr', 'data: a\r\rdata: b\r\r', [m('a'), m('b')]),
  c('crlf', 'data: a\r\n\r\ndata: b\r\n\r\n', [m('a'), m('b')]),
  c('mixed-eol', 'data: a\rdata: b\ndata: c\r\n\rdata: d\n\r\n', [m('a\nb\nc'), m('d')]),
  // LF then CR is two line ends (the CR a blank line); CRLF then LF likewise.
  c('lf-cr-is-two-ends', 'data: a\n\rdata: b\r\n\n', [m('a'), m('b')]),
  c('cr-crlf', 'data: a\r\r\ndata: b\r\n\r\r\n', [m('a'), m('b')]),
  c('blank-lines-first', '\n\r\n\r\n\rdata: a\n\n\n\n', [m('a')]),
  // A CR at the end of one write and its LF at the start of the next are ONE line end.
  c('cr-lf-split', ['data: a\r', CUT, '\n', CUT, 'data: b\r', CUT, '\n\r', CUT, '\n'], [m('a\nb')]),
  c('cr-then-text-split', ['data: a\r', CUT, 'data: b\r', CUT, '\r'], [m('a\nb')]),
  c('cr-cr-lf-split', ['data: a\r', CUT, '\r', CUT, '\ndata: b\n\n'], [m('a'), m('b')]),
  // U+2028, U+0085 (C2 85), VT and FF are not line ends.
  c('not-line-ends', 'data: a\u2028b\u0085c\u000bd\u000ce\n\n', [m('a\u2028b\u0085c\u000bd\u000ce')]),

  // --- data ---
  c('multi-line-data', 'data: a\ndata: b\ndata\ndata:\ndata: c\n\n', [m('a\nb\n\n\nc')]),
  c('data-no-colon', 'data\n\n', [m('')]),
  c('data-empty', 'data:\n\ndata:\ndata:\n\n', [m(''), m('\n')]),
  // Only ONE leading space is removed; none is required.
  c('leading-space', 'data:  two\n\ndata:nospace\n\ndata: \n\ndata:\tx\n\ndata:   \n\n', [m(' two'), m('nospace'), m(''), m('\tx'), m('  ')]),
  c('colons-in-value', 'data: a:b: c\ndata::x\n\n', [m('a:b: c\n:x')]),
  c('nul-in-data', 'data: a\0b\n\n', [m('a\0b')]),
  c('field-order', 'data: a\nid: 1\nevent: t\ndata: b\n\n', [m('a\nb', 't', '1')]),

  // --- comments and unknown fields (ignored; names are case-sensitive and not trimmed) ---
  c('comments', ': hello\n:\n:no space\ndata: a\n: between\ndata: b\n\n:only a comment\n\n', [m('a\nb')]),
  c('unknown-fields', 'foo: bar\nData: x\nDATA: x\n data: y\ndatas: z\ndata : w\ndat: v\nfoo\ndata: real\n\n', [m('real')]),

  // --- event type: reset after each dispatch, 'message' when empty ---
  c('event-reset', 'event: one\ndata: 1\n\ndata: 2\n\nevent: two\nevent: three\ndata: 3\n\nevent: four\n\ndata: 5\n\n',
    [m('1', 'one'), m('2'), m('3', 'three'), m('5')]),
  c('event-names', 'event:\ndata: a\n\nevent: message\ndata: b\n\nevent:  spaced \ndata: c\n\nevent: Mixed-Case.x\ndata: d\n\nevent: 消息\ndata: e\n\n',
    [m('a'), m('b'), m('c', ' spaced '), m('d', 'Mixed-Case.x'), m('e', '消息')]),
  c('event-after-data', 'data: a\nevent: late\n\n', [m('a', 'late')]),

  // --- no data: nothing dispatched, but the last event ID string is still set (dispatch step 1) ---
  c('no-data-no-dispatch', 'event: e\nid: 7\n\n\ndata: after\n\n', [m('after', 'message', '7')]),
  c('only-event-id-retry', 'id: 1\n\nevent: x\n\nretry: 10\n\n: c\n\ndata: z\n\n', [m('z', 'message', '1')]),

  // --- id: persists, `id:` / `id` resets, a value containing NUL is ignored ---
  c('id-nul', 'id: 1\ndata: a\n\nid: x\0y\ndata: b\n\nid: \0\ndata: c\n\n', [m('a', 'message', '1'), m('b', 'message', '1'), m('c', 'message', '1')]),
  c('id-persist-reset', 'id: 1\ndata: a\n\ndata: b\n\nid:\ndata: c\n\nid: 2\ndata: d\n\nid\ndata: e\n\n',
    [m('a', 'message', '1'), m('b', 'message', '1'), m('c'), m('d', 'message', '2'), m('e')]),
  c('id-after-data', 'data: a\nid: 5\n\n', [m('a', 'message', '5')]),
  c('id-last-wins', 'id: 1\nid: 2\ndata: a\n\n', [m('a', 'message', '2')]),
  c('id-spaces-unicode', 'id:  sp \ndata: a\n\nid: 编号😀\ndata: b\n\n', [m('a', 'message', ' sp '), m('b', 'message', '编号😀')]),

  // --- retry: not an event; valid or not, it must not disturb anything ---
  c('retry', 'retry: 1000\ndata: a\n\nretry: abc\nretry: -1\nretry:\nretry\nretry: 1.5\nretry:  10\nretry: 99999999999999999999\ndata: b\n\n',
    [m('a'), m('b')]),

  // --- BOM: one leading EF BB BF is dropped by the decoder; any other U+FEFF is text ---
  c('bom', [BOM, 'data: a\n\n'], [m('a')]),
  c('bom-split', [[0xef], CUT, [0xbb], CUT, [0xbf], CUT, 'data: a\n\n'], [m('a')]),
  // The second BOM starts the first line: field name "\uFEFFdata", ignored.
  c('bom-twice', [BOM, BOM, 'data: a\n\ndata: b\n\n'], [m('b')]),
  c('bom-then-feff-data', [BOM, 'data: \uFEFFa\n\n'], [m('\uFEFFa')]),
  c('bom-later', ['data: a\n\n', BOM, 'data: b\n\ndata: c\n\n'], [m('a'), m('c')]),
  c('feff-data-no-bom', 'data: \uFEFF\n\n', [m('\uFEFF')]),
  // A line end right after the BOM: spec: the decoder drops the BOM, the line end makes a blank
  // line, the next line is a normal line. DOCUMENTED CHROMIUM DEVIATION (observed in Chromium 150):
  // Blink's EventSourceParser::AddBytes strips the BOM at the byte where 3 bytes have collected and
  // then `continue`s, so that byte is never checked for CR/LF; it stays at the start of the next
  // line ("\ndata: a", field name "\ndata", unknown) and that line is lost. After CRLF only the CR
  // is swallowed, the LF ends a line "\r" (ignored): the same events as the spec (bom-then-crlf).
  c('bom-then-lf', [BOM, '\ndata: a\n\n'], [m('a')], { events: [], note: 'Chromium skips the byte after the BOM: LF not a line end, "data" line lost' }),
  c('bom-then-cr', [BOM, '\rdata: a\r\r'], [m('a')], { events: [], note: 'Chromium skips the byte after the BOM: CR not a line end, "data" line lost' }),
  c('bom-then-lf-id', [BOM, '\nid: 1\ndata: a\n\n'], [m('a', 'message', '1')], { events: [m('a')], note: 'Chromium loses the "id" line after BOM+LF' }),
  c('bom-then-crlf', [BOM, '\r\ndata: a\r\n\r\n'], [m('a')]),
  c('bom-split-then-lf', [[0xef, 0xbb], CUT, [0xbf], CUT, '\ndata: a\n\ndata: b\n\n'], [m('a'), m('b')], { events: [m('b')], note: 'as bom-then-lf, with the BOM split across writes' }),

  // --- invalid UTF-8 → U+FFFD per maximal subpart (Encoding §4.1, UTF-8 decoder) ---
  c('utf8-overlong-c0', ['data: a', [0xc0, 0x80], 'b\n\n'], [m(`a${FFFD}${FFFD}b`)]),
  c('utf8-overlong-e0', ['data: a', [0xe0, 0x80, 0xaf], 'b\n\n'], [m(`a${FFFD}${FFFD}${FFFD}b`)]),
  c('utf8-surrogate', ['data: a', [0xed, 0xa0, 0x80], 'b\n\n'], [m(`a${FFFD}${FFFD}${FFFD}b`)]),
  c('utf8-f5-ff', ['data: a', [0xf5], 'b', [0xff, 0xfe], 'c\n\n'], [m(`a${FFFD}b${FFFD}${FFFD}c`)]),
  c('utf8-above-max', ['data: ', [0xf4, 0x90, 0x80, 0x80], '\n\n'], [m(FFFD.repeat(4))]),
  c('utf8-lone-continuation', ['data: a', [0x80], 'b', [0xbf, 0xbf], 'c\n\n'], [m(`a${FFFD}b${FFFD}${FFFD}c`)]),
  // A truncated sequence ended by a line end: ONE U+FFFD, and the line end still counts.
  c('utf8-truncated-before-eol', ['data: ', [0xe4, 0xb8], '\ndata: ', [0xf0, 0x9f, 0x98], '\r\ndata: x', [0xe4], '\r\n\n'],
    [m(`${FFFD}\n${FFFD}\nx${FFFD}`)]),
  c('utf8-truncated-before-ascii', ['data: ', [0xe4], 'x', [0xf0, 0x9f], ' y', [0xc3], ':\n\n'], [m(`${FFFD}x${FFFD} y${FFFD}:`)]),
  // In an event name, an id, a field name (→ unknown field).
  c('utf8-invalid-in-names', ['event: ', [0xff], '\nid: ', [0xc0], 'x\ndata: a\n\nda', [0xff], 'ta: b\n\ndata: c\n\n'],
    [m('a', FFFD, `${FFFD}x`), m('c', 'message', `${FFFD}x`)]),
  c('utf8-truncated-at-eof', ['data: a\n\ndata: b', [0xe4]], [m('a')]),

  // --- CJK and emoji, split inside characters ---
  c('cjk-emoji', 'event: 更新\nid: 😀\ndata: 中文流式输出 😀🚀𝄞 ä é 𠮷\n\ndata: 🎉\n\n',
    [m('中文流式输出 😀🚀𝄞 ä é 𠮷', '更新', '😀'), m('🎉', 'message', '😀')]),
  c('cjk-split-explicit', ['data: ', [0xe4], CUT, [0xb8], CUT, [0xad, 0xf0, 0x9f], CUT, [0x98, 0x80], '\n\n'], [m('中😀')]),

  // --- end of stream: an event without its blank line is discarded ---
  c('trailing-no-blank', 'data: a\n\ndata: b\n', [m('a')]),
  c('trailing-no-newline', 'data: a\n\ndata: b', [m('a')]),
  c('trailing-cr', 'data: a\n\ndata: b\r', [m('a')]),
  c('trailing-named', 'data: a\n\nevent: x\nid: 9\ndata: b\n', [m('a')]),

  // --- size ---
  c('long-line', `id: long\ndata: ${LONG_LINE}\n\ndata: after\n\n`, [m(LONG_LINE, 'message', 'long'), m('after', 'message', 'long')]),
  c('many-events', manyStream, manyEvents)
]

/** The bytes of a stream, and the offsets of its CUTs. */
export function streamBytes(parts: Part[]): { bytes: Uint8Array; cuts: number[] } {
  const chunks: Uint8Array[] = []
  const cuts: number[] = []
  let length = 0
  for (const part of parts) {
    if (part === CUT) {
      cuts.push(length)
      continue
    }
    const bytes = typeof part === 'string' ? new TextEncoder().encode(part) : Uint8Array.from(part)
    chunks.push(bytes)
    length += bytes.length
  }
  const bytes = new Uint8Array(length)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.length
  }
  return { bytes, cuts }
}

/**
 * The event types a browser must listen for to see every event of a case: 'message', every
 * `event:` value in the stream (decoded as the spec decodes it), every expected type.
 */
export function eventTypes(testCase: ConformanceCase): string[] {
  const types = new Set(['message'])
  const text = new TextDecoder().decode(streamBytes(testCase.parts).bytes)
  for (const line of text.split(/\r\n|\r|\n/)) {
    const colon = line.indexOf(':')
    if ((colon < 0 ? line : line.slice(0, colon)) !== 'event') continue
    const value = colon < 0 ? '' : line.slice(colon + 1)
    if (value) types.add(value.startsWith(' ') ? value.slice(1) : value)
  }
  for (const e of [...testCase.spec, ...(testCase.browser ? testCase.browser.events : [])]) types.add(e.type)
  types.delete('')
  return [...types]
}
