/*
 * Property: the way a stream is cut into chunks never changes what comes out. Streams are built
 * from arbitrary SSE lines (data/event/id/retry/comments/unknown fields; values with CJK, emoji,
 * spaces, colons, NUL) joined by mixed LF/CR/CRLF, sometimes after a BOM, and cut anywhere:
 * inside CRLF, inside multi-byte characters, inside the BOM, with empty chunks.
 *
 * A tiny reference parser, written straight from WHATWG HTML §9.2.6 on whole text, is the model.
 */
import fc from 'fast-check'
import { createUtf8Decoder } from '../src/utf8-decoder'
import type { Utf8Decoder } from '../src/types'
import { referenceParse, type Outcome } from './helpers/jsc-reference'
import {
  cutEvery,
  cutWith,
  cutsArb,
  decodePieces,
  messyBytesArb,
  nativeDecodePieces,
  pipeBytes,
  recordParser,
  sseBytesArb,
  sseTextArb
} from './helpers/streams'

function parseText(pieces: string[]): Outcome {
  const r = recordParser().feed(...pieces)
  return { calls: r.calls, lastEventId: r.parser.lastEventId }
}

function parseBytes(create: () => Utf8Decoder, pieces: Uint8Array[]): Outcome {
  const r = pipeBytes(create(), pieces)
  return { calls: r.calls, lastEventId: r.parser.lastEventId }
}

describe('reference parser sanity (the model itself)', () => {
  test('a known stream', () => {
    expect(referenceParse('id: 1\r\nevent: a\rdata:  x\ndata\n\n: hi\nretry: 5\ndata: y\n\nid: 2\n\ndata: z')).toEqual({
      calls: [
        { kind: 'event', event: { type: 'a', data: ' x\n', lastEventId: '1' } },
        { kind: 'comment', text: 'hi' },
        { kind: 'retry', ms: 5 },
        { kind: 'event', event: { type: 'message', data: 'y', lastEventId: '1' } }
      ],
      lastEventId: '2'
    })
  })
})

describe('createParser under any chunking equals the reference parser on the whole text', () => {
  test('text cut at arbitrary code-unit offsets (CRLF pairs and surrogate pairs split too)', () => {
    fc.assert(
      fc.property(sseTextArb, cutsArb, (text, cuts) => {
        const expected = referenceParse(text)
        expect(parseText([text])).toEqual(expected)
        expect(parseText(cutWith(text, cuts))).toEqual(expected)
      }),
      { numRuns: 1500 }
    )
  })

  test('text fed one code unit at a time', () => {
    fc.assert(
      fc.property(sseTextArb, (text) => {
        expect(parseText(cutEvery(text, 1))).toEqual(referenceParse(text))
      }),
      { numRuns: 400 }
    )
  })
})

describe.each([['createUtf8Decoder()', createUtf8Decoder]])('bytes → %s → parser: any chunking gives the events of the whole stream', (_name, create) => {
  test('byte streams (optional BOM) cut at arbitrary offsets, inside CRLF, characters and the BOM', () => {
    fc.assert(
      fc.property(sseBytesArb, cutsArb, ({ text, bytes }, cuts) => {
        const whole = parseBytes(create, [bytes])
        // Fed whole, the pipeline equals the reference on the text (the BOM stripped by the decoder).
        expect(whole).toEqual(referenceParse(text))
        expect(parseBytes(create, cutWith(bytes, cuts))).toEqual(whole)
      }),
      { numRuns: 800 }
    )
  })

  test('byte streams fed one byte at a time', () => {
    fc.assert(
      fc.property(sseBytesArb, ({ text, bytes }) => {
        expect(parseBytes(create, cutEvery(bytes, 1))).toEqual(referenceParse(text))
      }),
      { numRuns: 300 }
    )
  })
})

describe('own decoder equals Node native TextDecoder on arbitrary bytes (invalid UTF-8 included)', () => {
  test('arbitrary bytes cut arbitrarily through the own decoder = native decode of the whole', () => {
    fc.assert(
      fc.property(messyBytesArb, cutsArb, (bytes, cuts) => {
        const expected = new TextDecoder().decode(bytes)
        const pieces = cutWith(bytes, cuts)
        expect(decodePieces(createUtf8Decoder(), pieces)).toBe(expected)
        // Native fed the same pieces with {stream: true} agrees too.
        expect(nativeDecodePieces(pieces)).toBe(expected)
      }),
      { numRuns: 3000 }
    )
  })

  test('arbitrary bytes one at a time through the own decoder = native decode of the whole', () => {
    fc.assert(
      fc.property(messyBytesArb, (bytes) => {
        expect(decodePieces(createUtf8Decoder(), cutEvery(bytes, 1))).toBe(new TextDecoder().decode(bytes))
      }),
      { numRuns: 1000 }
    )
  })

  test('uniform random bytes (no bias) cut arbitrarily', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), cutsArb, (bytes, cuts) => {
        expect(decodePieces(createUtf8Decoder(), cutWith(bytes, cuts))).toBe(new TextDecoder().decode(bytes))
      }),
      { numRuns: 1500 }
    )
  })

  test('one own decoder reused across streams via end() = a fresh native decoder per stream', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(messyBytesArb, cutsArb), { minLength: 1, maxLength: 4 }), (streams) => {
        const decoder = createUtf8Decoder()
        for (const [bytes, cuts] of streams) {
          expect(decodePieces(decoder, cutWith(bytes, cuts))).toBe(new TextDecoder().decode(bytes))
        }
      }),
      { numRuns: 500 }
    )
  })
})
