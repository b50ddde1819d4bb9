/*
 * The SSE parser against WHATWG HTML §9.2.6 "Interpreting an event stream". Each test is named
 * after the stream shape it feeds; quotes are from the spec.
 */
import { spawnSync } from 'node:child_process'
import * as path from 'node:path'
import { createParser } from '../src/parser'
import { LINE_ENDINGS, allCuts, cutEvery, lines, message, recordParser, twoPieceCuts } from './helpers/streams'

/** Events from feeding `text` whole, one code unit at a time, and cut in two at every offset. */
function expectSameEventsUnderCuts(text: string, expected: ReturnType<typeof message>[]): void {
  expect(recordParser().feed(text).events()).toEqual(expected)
  expect(recordParser().feed(...cutEvery(text, 1)).events()).toEqual(expected)
  for (const pieces of twoPieceCuts(text)) expect([pieces, recordParser().feed(...pieces).events()]).toEqual([pieces, expected])
}

describe('line ends (§9.2.5: "lines must be separated by CRLF, LF or CR")', () => {
  describe.each(Object.entries(LINE_ENDINGS))('every line ended by %s', (_name, eol) => {
    test('two data lines then a blank line: one event, data joined with LF', () => {
      expectSameEventsUnderCuts(lines(['data: a', 'data: b', ''], eol), [message('a\nb')])
    })

    test('two events, each ended by a blank line: two events in order', () => {
      expectSameEventsUnderCuts(lines(['event: x', 'data: 1', '', 'data: 2', ''], eol), [message('1', 'x'), message('2')])
    })

    test('blank lines before, between and after events: no empty events', () => {
      expectSameEventsUnderCuts(lines(['', '', 'data: a', '', '', '', 'data: b', '', ''], eol), [message('a'), message('b')])
    })

    test('last event without its blank line: not dispatched', () => {
      expectSameEventsUnderCuts(lines(['data: a', '', 'data: b'], eol), [message('a')])
    })
  })

  test.each([
    ['LF, CR, CRLF in one event', 'data: a\ndata: b\rdata: c\r\n\n', ['a\nb\nc']],
    ['CR, CRLF, LF in one event', 'data: a\rdata: b\r\ndata: c\n\r', ['a\nb\nc']],
    ['events ended by CRLF CRLF, then CR CR, then LF LF', 'data: 1\r\n\r\ndata: 2\r\rdata: 3\n\n', ['1', '2', '3']],
    ['LF then CR: two line ends (a blank line)', 'data: a\n\rdata: b\n\n', ['a', 'b']],
    ['CR then CRLF: a blank line', 'data: a\r\r\ndata: b\n\n', ['a', 'b']],
    ['CRLF then LF: a blank line', 'data: a\r\n\ndata: b\n\n', ['a', 'b']]
  ])('mixed line ends: %s', (_shape, text, datas) => {
    expectSameEventsUnderCuts(text, datas.map((d) => message(d)))
  })

  test.each([['\r\n\r\n'], ['\r\n\n'], ['\n\r\n'], ['\r\r'], ['\n\n'], ['\n\r'], ['\r\n\r\n\r\n'], ['\r\r\n\r\n']])(
    'data: x followed by %j, cut at every subset of offsets: exactly one event',
    (terminator) => {
      const text = 'data: x' + terminator
      for (const pieces of allCuts(text)) expect([pieces, recordParser().feed(...pieces).events()]).toEqual([pieces, [message('x')]])
    }
  )

  test('CR ending one feed, its LF starting the next: one line end, no extra blank line', () => {
    const r = recordParser().feed('data: a\r', '\ndata: b\n\n')
    expect(r.events()).toEqual([message('a\nb')])
  })

  test('CR ending one feed, an empty feed, then its LF: still one line end', () => {
    const r = recordParser().feed('data: a\r', '', '\ndata: b\n\n')
    expect(r.events()).toEqual([message('a\nb')])
  })

  test('CR ending one feed, LF LF in the next: exactly one blank line, one event', () => {
    const r = recordParser().feed('data: a\r', '\n\n')
    expect(r.events()).toEqual([message('a')])
  })

  test('lone CR ending a feed followed by a non-LF: the CR alone ends the line', () => {
    const r = recordParser().feed('data: a\r', 'data: b\r', '\r')
    expect(r.events()).toEqual([message('a\nb')])
  })

  test('CR ending a feed, CR starting the next: a blank line dispatches at once', () => {
    const r = recordParser().feed('data: a\r')
    expect(r.events()).toEqual([])
    r.feed('\r')
    expect(r.events()).toEqual([message('a')])
  })

  test('a line ended by CR is processed as soon as the CR arrives, before any LF', () => {
    const r = recordParser().feed('retry: 5\r')
    expect(r.retries()).toEqual([5])
    r.feed('\n')
    expect(r.retries()).toEqual([5])
  })

  test('CR LF pairs split in every feed, many events: one event per blank line', () => {
    const text = 'data: 1\r\n\r\ndata: 2\r\n\r\ndata: 3\r\n\r\n'
    const pieces = text.split(/(?<=\r)/) // every piece ends with CR, the next starts with LF
    expect(pieces.length).toBeGreaterThan(5)
    expect(recordParser().feed(...pieces).events()).toEqual([message('1'), message('2'), message('3')])
  })
})

describe('data field', () => {
  test.each([
    ['data: x', 'x'],
    ['data:x (no space)', 'x', 'data:x'],
    ['data:  x (two spaces: one kept)', ' x', 'data:  x'],
    ['data: x  (trailing spaces kept)', 'x  ', 'data: x  '],
    ['data: a:b: c (colons in the value)', 'a:b: c', 'data: a:b: c'],
    ['data: 中文😀 (CJK and emoji)', '中文😀', 'data: 中文😀'],
    ['data:\\t x (a tab is not the space)', '\t x', 'data:\t x'],
    ['data (no colon): empty-string event', '', 'data'],
    ['data: (empty value)', '', 'data:'],
    ['data:  (one space, empty value)', '', 'data: ']
  ])('%s', (_shape, expected, line = _shape) => {
    expect(recordParser().feed(line + '\n\n').events()).toEqual([message(expected)])
  })

  test.each([
    ['data / data: two empty lines join to one LF', ['data', 'data'], '\n'],
    ['data: then data: a: leading LF', ['data:', 'data: a'], '\na'],
    ['three data lines: joined with LF, no trailing LF', ['data: 1', 'data: 2', 'data: 3'], '1\n2\n3'],
    ['data lines around a comment and an unknown field', ['data: a', ': note', 'foo: bar', 'data: b'], 'a\nb']
  ])('%s', (_shape, list, expected) => {
    expect(recordParser().feed(lines([...list, ''])).events()).toEqual([message(expected)])
  })

  test('field names are case-sensitive: DATA: x is ignored', () => {
    expect(recordParser().feed('DATA: x\n\n').events()).toEqual([])
  })

  test('a leading space is part of the field name: " data: x" is ignored', () => {
    expect(recordParser().feed(' data: x\n\n').events()).toEqual([])
  })
})

describe('event field and the event type buffer', () => {
  test('no event field: type "message"', () => {
    expect(recordParser().feed('data: x\n\n').events()).toEqual([message('x', 'message')])
  })

  test('event: add, then an event without one: the type is reset after each dispatch', () => {
    expect(recordParser().feed('event: add\ndata: 1\n\ndata: 2\n\n').events()).toEqual([message('1', 'add'), message('2')])
  })

  test('event: a then "event" alone: the type becomes "" and dispatches as "message"', () => {
    expect(recordParser().feed('event: a\nevent\ndata: x\n\n').events()).toEqual([message('x')])
  })

  test('event: a then event: b: the last one wins', () => {
    expect(recordParser().feed('event: a\nevent: b\ndata: x\n\n').events()).toEqual([message('x', 'b')])
  })

  test('event: a with no data, blank line, then data: x: no event, then type "message"', () => {
    const r = recordParser().feed('event: a\n\n')
    expect(r.events()).toEqual([])
    r.feed('data: x\n\n')
    expect(r.events()).toEqual([message('x')])
  })

  test('event:  a (two spaces): the type keeps one space', () => {
    expect(recordParser().feed('event:  a\ndata: x\n\n').events()).toEqual([message('x', ' a')])
  })
})

describe('id field and the last event ID', () => {
  test('id: 1 then two events: both carry "1", and so does parser.lastEventId', () => {
    const r = recordParser().feed('id: 1\ndata: a\n\ndata: b\n\n')
    expect(r.events()).toEqual([message('a', 'message', '1'), message('b', 'message', '1')])
    expect(r.parser.lastEventId).toBe('1')
  })

  test('id: 1, then "id:" empty: the second event has lastEventId ""', () => {
    const r = recordParser().feed('id: 1\ndata: a\n\nid:\ndata: b\n\n')
    expect(r.events()).toEqual([message('a', 'message', '1'), message('b', 'message', '')])
    expect(r.parser.lastEventId).toBe('')
  })

  test('id: 1, then "id" alone (no colon): resets to ""', () => {
    const r = recordParser().feed('id: 1\ndata: a\n\nid\ndata: b\n\n')
    expect(r.events()[1]).toEqual(message('b', 'message', ''))
  })

  test('id containing NUL is ignored: the previous id is kept', () => {
    const r = recordParser().feed('id: 1\ndata: a\n\nid: 2\u00003\ndata: b\n\n')
    expect(r.events()).toEqual([message('a', 'message', '1'), message('b', 'message', '1')])
    expect(r.parser.lastEventId).toBe('1')
  })

  test('id set after data in the same event still applies to it', () => {
    expect(recordParser().feed('data: a\nid: 7\n\n').events()).toEqual([message('a', 'message', '7')])
  })

  test('id:  7 (two spaces): the id keeps one space', () => {
    expect(recordParser().feed('id:  7\ndata: a\n\n').events()).toEqual([message('a', 'message', ' 7')])
  })

  test('id: 5 with no data: parser.lastEventId becomes "5" at the blank line (dispatch step 1), no event', () => {
    const r = recordParser().feed('id: 5\n')
    expect(r.parser.lastEventId).toBe('')
    r.feed('\n')
    expect(r.parser.lastEventId).toBe('5')
    expect(r.events()).toEqual([])
    r.feed('data: x\n\n')
    expect(r.events()).toEqual([message('x', 'message', '5')])
  })

  test('id: 2 in an event cut off by reset(): dropped, lastEventId stays the dispatched "1"', () => {
    const r = recordParser().feed('id: 1\ndata: a\n\n', 'id: 2\ndata: b\n')
    r.parser.reset()
    expect(r.parser.lastEventId).toBe('1')
    r.feed('data: c\n\n')
    expect(r.events()).toEqual([message('a', 'message', '1'), message('c', 'message', '1')])
  })
})

describe('reset()', () => {
  test('partial line "data: par" then reset(), then "tial\\n\\n": the partial line is dropped', () => {
    const r = recordParser().feed('data: par')
    r.parser.reset()
    r.feed('tial\n\n')
    expect(r.events()).toEqual([])
  })

  test('undispatched event (data and type) then reset(): dropped', () => {
    const r = recordParser().feed('event: a\ndata: 1\n')
    r.parser.reset()
    r.feed('data: 2\n\n')
    expect(r.events()).toEqual([message('2')])
  })
})

describe('retry field ("if the field value consists of only ASCII digits")', () => {
  test.each([
    ['retry: 1000', [1000]],
    ['retry:1000', [1000]],
    ['retry: 0', [0]],
    ['retry: 007', [7]],
    ['retry: 1e3', []],
    ['retry: -1', []],
    ['retry: +1', []],
    ['retry: 1.5', []],
    ['retry: 10 ', []],
    ['retry:  10', []],
    ['retry: ', []],
    ['retry:', []],
    ['retry', []],
    ['retry: ١٠', []],
    ['retry: １０', []]
  ])('%j → %j', (line, expected) => {
    const r = recordParser().feed(line + '\n\n')
    expect(r.retries()).toEqual(expected)
    expect(r.events()).toEqual([])
  })

  test('retry is applied at its line, without waiting for a blank line', () => {
    expect(recordParser().feed('retry: 3000\n').retries()).toEqual([3000])
  })

  test('retry inside an event does not disturb its data', () => {
    const r = recordParser().feed('data: a\nretry: 10\ndata: b\n\n')
    expect(r.calls).toEqual([{ kind: 'retry', ms: 10 }, { kind: 'event', event: message('a\nb') }])
  })
})

describe('comments ("if the line starts with a colon, ignore the line")', () => {
  test.each([
    [': hello', 'hello'],
    [':hello', 'hello'],
    [':  two spaces', ' two spaces'],
    [': ', ''],
    [':', ''],
    [':data: x', 'data: x']
  ])('%j → onComment(%j), no event', (line, text) => {
    const r = recordParser().feed(line + '\n\n')
    expect(r.comments()).toEqual([text])
    expect(r.events()).toEqual([])
  })

  test('a line of only ":" between data lines: the event is unaffected', () => {
    expect(recordParser().feed('data: a\n:\ndata: b\n\n').events()).toEqual([message('a\nb')])
  })

  test('keep-alive comments only: no event', () => {
    const r = recordParser().feed(': ping\n\n: ping\n\n')
    expect(r.calls).toEqual([{ kind: 'comment', text: 'ping' }, { kind: 'comment', text: 'ping' }])
  })

  test('comments without an onComment callback: no throw', () => {
    const events: unknown[] = []
    const parser = createParser({ onEvent: (e) => events.push(e) })
    expect(() => parser.feed(': x\nretry: 5\ndata: a\n\n')).not.toThrow()
    expect(events).toEqual([message('a')])
  })
})

describe('unknown fields ("otherwise: the field is ignored")', () => {
  test.each([['foo: bar'], ['datas: x'], ['dat: x'], ['eventtype: x'], ['identifier: 9'], ['retrying: 5'], ['x'], ['Data: x'], ['a-very-long-field-name: x']])(
    '%j alone then a blank line: no event, no callback',
    (line) => {
      expect(recordParser().feed(line + '\n\n').calls).toEqual([])
    }
  )

  test('identifier: 9 does not set the id', () => {
    expect(recordParser().feed('identifier: 9\ndata: x\n\n').events()).toEqual([message('x')])
  })

  test('an unknown field inside an event: the event is dispatched as if it were absent', () => {
    expect(recordParser().feed('foo: bar\ndata: x\n\n').events()).toEqual([message('x')])
  })
})

describe('dispatch ("if the data buffer is an empty string, ... return")', () => {
  test('event and id only, no data, blank line: no event', () => {
    expect(recordParser().feed('event: a\nid: 1\n\n').events()).toEqual([])
  })

  test('data: x without a blank line at the end of the stream: not dispatched', () => {
    expect(recordParser().feed('data: x\n').events()).toEqual([])
    expect(recordParser().feed('data: x').events()).toEqual([])
  })

  test('onEvent fires synchronously in stream order with retry and comments', () => {
    const r = recordParser().feed(': c1\nretry: 1\ndata: a\n\n: c2\ndata: b\n\n')
    expect(r.calls).toEqual([
      { kind: 'comment', text: 'c1' },
      { kind: 'retry', ms: 1 },
      { kind: 'event', event: message('a') },
      { kind: 'comment', text: 'c2' },
      { kind: 'event', event: message('b') }
    ])
  })
})

describe('BOM (the decoder strips the one leading BOM; the parser does not)', () => {
  test('"\\uFEFFdata: x" then a blank line: no event, the field name is "\\uFEFFdata"', () => {
    expect(recordParser().feed('\uFEFFdata: x\n\n').events()).toEqual([])
  })

  test('"\\uFEFFdata: x", blank line, "data: y", blank line: only y', () => {
    expect(recordParser().feed('\uFEFFdata: x\n\ndata: y\n\n').events()).toEqual([message('y')])
  })

  test('U+FEFF inside a value is kept', () => {
    expect(recordParser().feed('data: a\uFEFFb\n\n').events()).toEqual([message('a\uFEFFb')])
  })
})

describe('maxBufferSize', () => {
  test('a 126-unit line fed in 4 pieces with maxBufferSize 100: onError max-buffer-size, no event', () => {
    const r = recordParser({ maxBufferSize: 100 })
    r.feed('data: ' + 'x'.repeat(30), 'x'.repeat(30), 'x'.repeat(30), 'x'.repeat(30))
    const errors = r.errors()
    expect(errors).toHaveLength(1)
    expect(errors[0].type).toBe('max-buffer-size')
    expect(errors[0].size).toBeGreaterThan(100)
    expect(errors[0].size).toBeLessThanOrEqual(126)
    expect(r.events()).toEqual([])
  })

  test('a line under the limit fed in pieces: no error', () => {
    const r = recordParser({ maxBufferSize: 100 })
    r.feed('data: ' + 'x'.repeat(40), 'x'.repeat(40), '\n\n')
    expect(r.errors()).toEqual([])
    expect(r.events()).toEqual([message('x'.repeat(80))])
  })

  test('after a max-buffer-size error input is ignored until reset(): no cut-short event follows', () => {
    const r = recordParser({ maxBufferSize: 50 })
    r.feed('data: ' + 'y'.repeat(60))
    expect(r.errors()).toHaveLength(1)
    r.feed('y'.repeat(10) + '\n\ndata: lost\n\n')
    expect(r.events()).toEqual([])
    r.parser.reset()
    r.feed('data: ok\n\n')
    expect(r.events()).toEqual([message('ok')])
  })

  test('an overflow inside one feed stops that feed: the events after it in the same text are not dispatched', () => {
    const r = recordParser({ maxBufferSize: 20 })
    r.feed('data: ' + 'z'.repeat(30) + '\n\ndata: after\n\n')
    expect(r.errors()).toHaveLength(1)
    expect(r.events()).toEqual([])
  })

  test('20 data lines of 10 units with maxBufferSize 100: onError, and no event carries more than 100 units', () => {
    const r = recordParser({ maxBufferSize: 100 })
    r.feed(lines([...Array.from({ length: 20 }, () => 'data: 0123456789'), '']))
    expect(r.errors().length).toBeGreaterThanOrEqual(1)
    for (const e of r.errors()) {
      expect(e.type).toBe('max-buffer-size')
      expect(e.size).toBeGreaterThan(100)
    }
    for (const e of r.events()) expect(e.data.length).toBeLessThanOrEqual(100)
  })

  test('each line short, the event long: data lines fed one per feed still trip the limit', () => {
    const r = recordParser({ maxBufferSize: 100 })
    for (let i = 0; i < 20; i++) r.feed('data: 0123456789\n')
    expect(r.errors().length).toBeGreaterThanOrEqual(1)
  })
})

describe('maxBufferSize at exactly the limit (every field; a line may add 7 units for its field name)', () => {
  const LIMIT = 100
  const X = 'x'.repeat(LIMIT)
  /** Feeds text whole, one code unit per feed, and cut in two at every offset: the same calls each way. */
  function underEveryCut(text: string, check: (r: ReturnType<typeof recordParser>) => void): void {
    check(recordParser({ maxBufferSize: LIMIT }).feed(text))
    check(recordParser({ maxBufferSize: LIMIT }).feed(...cutEvery(text, 1)))
    for (const pieces of twoPieceCuts(text)) check(recordParser({ maxBufferSize: LIMIT }).feed(...pieces))
  }

  test('data of exactly maxBufferSize ("data: " + 100 units): dispatched, whole or in any pieces', () => {
    underEveryCut('data: ' + X + '\n\n', (r) => {
      expect(r.errors()).toEqual([])
      expect(r.events()).toEqual([message(X)])
    })
  })

  test('data of maxBufferSize + 1: max-buffer-size, no event, whole or in any pieces', () => {
    underEveryCut('data: ' + X + 'x\n\n', (r) => {
      expect(r.errors().map((e) => e.type)).toEqual(['max-buffer-size'])
      expect(r.events()).toEqual([])
    })
  })

  test('two data lines joining to exactly maxBufferSize (49 + LF + 50): dispatched; one unit more overflows', () => {
    const exact = recordParser({ maxBufferSize: LIMIT }).feed('data: ' + 'a'.repeat(49) + '\ndata: ' + 'b'.repeat(50) + '\n\n')
    expect(exact.errors()).toEqual([])
    expect(exact.events()[0].data).toHaveLength(LIMIT)
    const over = recordParser({ maxBufferSize: LIMIT }).feed('data: ' + 'a'.repeat(50) + '\ndata: ' + 'b'.repeat(50) + '\n\n')
    expect(over.errors()).toHaveLength(1)
    expect(over.events()).toEqual([])
  })

  test.each([
    ['event: ', (r: ReturnType<typeof recordParser>) => expect(r.events()).toEqual([message('d', X)])],
    ['id: ', (r: ReturnType<typeof recordParser>) => expect(r.events()).toEqual([message('d', 'message', X)])],
    [': ', (r: ReturnType<typeof recordParser>) => expect(r.comments()).toEqual([X])]
  ])('a "%s" line with a value of exactly maxBufferSize is kept, in any pieces', (prefix, check) => {
    underEveryCut(prefix + X + '\ndata: d\n\n', (r) => {
      expect(r.errors()).toEqual([])
      check(r)
    })
  })

  test.each([['event: '], ['id: '], [': '], ['retry: '], ['unknown: '], ['nocolon']])(
    'a "%s" line longer than maxBufferSize + 7: max-buffer-size, and nothing after it, whole or in any pieces',
    (prefix) => {
      const line = (prefix + 'z'.repeat(LIMIT + 8)).slice(0, LIMIT + 8)
      underEveryCut('data: before\n\n' + line + '\ndata: after\n\n', (r) => {
        expect(r.events()).toEqual([message('before')])
        expect(r.errors().map((e) => [e.type, e.size > LIMIT + 7])).toEqual([['max-buffer-size', true]])
      })
    }
  )

  test('a line of exactly maxBufferSize + 7 units of an unknown field: ignored, no error', () => {
    underEveryCut('z'.repeat(LIMIT + 7) + '\ndata: after\n\n', (r) => {
      expect(r.errors()).toEqual([])
      expect(r.events()).toEqual([message('after')])
    })
  })
})

describe('memory held for a pending line or event (issue: a rope of concatenations cost ~32 B per character)', () => {
  /**
   * Heap (+ external) bytes per buffered code unit, in a child `node --expose-gc` running the
   * built dist/index.cjs: after a full GC before and after buffering, divided by the units buffered.
   */
  function bytesPerUnit(body: string): number {
    const script = `
      const { createParser } = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'index.cjs'))})
      const heap = () => { global.gc(); global.gc(); const m = process.memoryUsage(); return m.heapUsed + m.external }
      let events = 0
      const parser = createParser({ onEvent: (e) => { events++; if (e.data.length !== units) throw new Error('wrong data ' + e.data.length) } })
      let units = 0
      ${body}
      process.stdout.write(JSON.stringify({ perUnit: (after - before) / units, events }))`
    const child = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 60000 })
    if (child.status !== 0) throw new Error(child.stderr)
    const { perUnit, events } = JSON.parse(child.stdout)
    expect(events).toBe(1)
    return perUnit
  }

  test('a pending event of 200k one-character data lines: <= 4 bytes per UTF-16 code unit (it was ~32)', () => {
    const perUnit = bytesPerUnit(`
      const chunk = 'data: x\\n'.repeat(1000)
      const before = heap()
      for (let i = 0; i < 200; i++) parser.feed(chunk)
      const after = heap()
      units = 200000 * 2 - 1
      parser.feed('\\n')`)
    expect(perUnit).toBeLessThanOrEqual(4)
  })

  test('a pending event of 200k one-character CJK data lines, one line per feed: <= 4 bytes per code unit', () => {
    const perUnit = bytesPerUnit(`
      const before = heap()
      for (let i = 0; i < 200000; i++) parser.feed('data: 中\\n')
      const after = heap()
      units = 200000 * 2 - 1
      parser.feed('\\n')`)
    expect(perUnit).toBeLessThanOrEqual(4)
  })

  test('one line fed one character per feed (200k feeds): <= 4 bytes per code unit (it was ~32)', () => {
    const perUnit = bytesPerUnit(`
      parser.feed('data: ')
      const before = heap()
      for (let i = 0; i < 200000; i++) parser.feed('y')
      const after = heap()
      units = 200000
      parser.feed('\\n\\n')`)
    expect(perUnit).toBeLessThanOrEqual(4)
  })
})

describe('linear time', () => {
  /** CPU time since `start`, in µs: unlike wall time, not inflated when other processes take the cores. */
  function cpuMicros(start: NodeJS.CpuUsage): number {
    const used = process.cpuUsage(start)
    return used.user + used.system
  }

  /** Time to feed one `units`-long data line in 1 KB pieces, then the blank line. */
  function timeOneLine(units: number): number {
    const chunk = 'x'.repeat(1024)
    let got = 0
    const parser = createParser({ onEvent: (e) => (got = e.data.length) })
    const start = process.cpuUsage()
    parser.feed('data: ')
    for (let i = 0; i < units / 1024; i++) parser.feed(chunk)
    parser.feed('\n\n')
    const elapsed = cpuMicros(start)
    expect(got).toBe(units)
    return elapsed
  }

  /** Fastest of interleaved rounds of each size: a GC pause or a busy core hits one round, not the minimum. */
  function bestRatio(measure: (size: number) => number, small: number, large: number, rounds = 5): number {
    measure(small) // warm-up
    let bestSmall = Infinity
    let bestLarge = Infinity
    for (let round = 0; round < rounds; round++) {
      bestSmall = Math.min(bestSmall, measure(small))
      bestLarge = Math.min(bestLarge, measure(large))
    }
    return bestLarge / bestSmall
  }

  test('one 8 MB line in 1 KB pieces takes < 3.5× one 4 MB line (not quadratic)', () => {
    expect(bestRatio(timeOneLine, 4 << 20, 8 << 20)).toBeLessThan(3.5)
  })

  test('65536 events in one feed take < 3.5× 32768 events', () => {
    function timeEvents(n: number): number {
      const text = 'data: abc\n\n'.repeat(n)
      let count = 0
      const parser = createParser({ onEvent: () => count++ })
      const start = process.cpuUsage()
      parser.feed(text)
      const elapsed = cpuMicros(start)
      expect(count).toBe(n)
      return elapsed
    }
    expect(bestRatio(timeEvents, 32768, 65536)).toBeLessThan(3.5)
  })
})
