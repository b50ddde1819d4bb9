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
import type { EventSourceMessage, Utf8Decoder } from '../src/types'
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
  sseTextArb,
  type ParserCall
} from './helpers/streams'

/** What a stream produced: callbacks in order, and the last event ID string at the end. */
interface Outcome {
  calls: ParserCall[]
  lastEventId: string
}

/**
 * Reference: §9.2.6 on the whole text. Splits at CRLF | LF | CR (CRLF first); the text after
 * the last line end is an incomplete line and is not processed.
 */
function referenceParse(text: string): Outcome {
  const calls: ParserCall[] = []
  let data = ''
  let type = ''
  let idBuffer = ''
  let lastEventId = ''
  const lineEnd = /\r\n|\n|\r/g
  let start = 0
  let match: RegExpExecArray | null
  while ((match = lineEnd.exec(text)) !== null) {
    processLine(text.slice(start, match.index))
    start = lineEnd.lastIndex
  }
  return { calls, lastEventId }

  function processLine(line: string): void {
    if (line === '') return dispatch()
    if (line.startsWith(':')) {
      const comment = line.slice(1)
      calls.push({ kind: 'comment', text: comment.startsWith(' ') ? comment.slice(1) : comment })
      return
    }
    const colon = line.indexOf(':')
    let field = line
    let value = ''
    if (colon >= 0) {
      field = line.slice(0, colon)
      value = line.slice(colon + 1)
      if (value.startsWith(' ')) value = value.slice(1)
    }
    if (field === 'event') type = value
    else if (field === 'data') data += value + '\n'
    else if (field === 'id') {
      if (!value.includes('\u0000')) idBuffer = value
    } else if (field === 'retry') {
      if (/^[0-9]+$/.test(value)) calls.push({ kind: 'retry', ms: parseInt(value, 10) })
    }
  }

  function dispatch(): void {
    lastEventId = idBuffer
    if (data === '') {
      type = ''
      return
    }
    if (data.endsWith('\n')) data = data.slice(0, -1)
    const event: EventSourceMessage = { type: type === '' ? 'message' : type, data, lastEventId }
    data = ''
    type = ''
    calls.push({ kind: 'event', event })
  }
}

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
