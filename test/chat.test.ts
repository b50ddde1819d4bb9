/**
 * [extension] miniprogram-eventsource/chat: the stable-prefix setData stream and the background
 * helper. Updates are applied to a plain data object the way setData applies paths.
 */
import { createChatStream, emptyAnswer, pauseInBackground, utf8Length, type SetDataUpdate } from '../src/chat'
import { cutWith } from './helpers/streams'
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { longAnswer } = require('./demo/helpers/long-answer')
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { setPath } = require('../demo-miniprogram/scripts/miniprogram-host')

const PATH = 'messages[0]'

function recorder(options: Partial<Parameters<typeof createChatStream>[0]> = {}) {
  const data: any = { messages: [emptyAnswer()] }
  const calls: { at: number; update: SetDataUpdate; bytes: number }[] = []
  const stream = createChatStream({
    path: PATH,
    setData(update) {
      const json = JSON.stringify(update)
      calls.push({ at: Date.now(), update: JSON.parse(json), bytes: Buffer.byteLength(json) })
      const copy = JSON.parse(json)
      for (const key in copy) setPath(data, key, copy[key])
    },
    ...options
  })
  return { data, calls, stream, message: () => data.messages[0] }
}

/** Code blocks as one string: how many lines one `lines` item holds depends on the flushes. */
function normal(blocks: any[]) {
  return blocks.map((b) => (b.lines ? { lang: b.lang, code: b.lines.join('\n'), tail: b.tail } : b))
}

/** What the page shows, as markdown again: finished blocks, code blocks, the growing block. */
function shown(message: any): string {
  const parts = message.blocks.map((b: any) =>
    b.lines ? '```' + b.lang + '\n' + b.lines.concat(b.tail ? [b.tail] : []).join('\n') + '\n```\n' : b
  )
  return parts.join('')
}

const DOC = [
  '# Title',
  'Intro paragraph with **bold**.',
  '',
  '- one',
  '- two',
  '  still two',
  '',
  '| a | b |',
  '| - | - |',
  '| 1 | 2 |',
  '',
  '```py',
  'print("hi")',
  '',
  'x = 1',
  '```',
  'after code',
  ''
].join('\n')

describe('createChatStream: stable prefix', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }))
  afterEach(() => jest.useRealTimers())

  // Finished blocks as shown: a block's last re-render may have shown it whole already (without
  // the blank line that finished it), then it is not sent again.
  const FINE = [
    '# Title',
    'Intro paragraph with **bold**.',
    '- one\n- two\n  still two',
    '| a | b |\n| - | - |\n| 1 | 2 |',
    { lang: 'py', code: 'print("hi")\n\nx = 1', tail: '' },
    'after code'
  ]
  const trimmed = (blocks: any[]) => normal(blocks).map((b: any) => (typeof b === 'string' ? b.replace(/\s+$/, '') : b))
  const squeeze = (parts: string[]) => parts.join('').replace(/\s+/g, '')
  test.each([
    // Blocks finished within one flush go together as one item.
    ['whole', [0], ['# Title\nIntro paragraph with **bold**.\n\n- one\n- two\n  still two\n\n| a | b |\n| - | - |\n| 1 | 2 |', FINE[4], FINE[5]]],
    ['in 7 pieces', [3, 9, 17, 31, 60, 99, 140], null],
    ['one character at a time', Array.from({ length: DOC.length }, (_, i) => i), FINE]
  ])('cuts finished blocks the same way however the text arrives (%s)', (_name, cuts, expected) => {
    const { stream, message } = recorder()
    for (const piece of cutWith(DOC, cuts as number[])) {
      stream.append(piece)
      jest.advanceTimersByTime(60)
    }
    stream.finish()
    const blocks = trimmed(message().blocks)
    if (expected) expect(blocks).toEqual(expected)
    // However they were grouped: the same markdown, the same code block.
    expect(squeeze(blocks.filter((b: any) => typeof b === 'string'))).toBe(squeeze(FINE.filter((b) => typeof b === 'string') as string[]))
    expect(blocks.filter((b: any) => typeof b !== 'string')).toEqual([FINE[4]])
    expect(stream.text).toBe(DOC)
  })

  test('every finished block and code line is sent once; only the growing block is re-sent', () => {
    const { stream, calls } = recorder({ budget: 0 })
    for (const piece of cutWith(DOC, Array.from({ length: DOC.length }, (_, i) => i))) {
      stream.append(piece)
      jest.advanceTimersByTime(60)
    }
    stream.finish()
    const seen = new Map<string, number>()
    calls.forEach((c) => Object.keys(c.update).forEach((k) => seen.set(k, (seen.get(k) || 0) + 1)))
    const repeated = [...seen].filter(([, n]) => n > 1).map(([k]) => k)
    // The growing blocks, in place (item 4 first shows the unfinished fence line, then becomes
    // the code block), and the code block's unfinished line.
    expect(repeated.sort()).toEqual([0, 1, 2, 3, 4, 5].map((k) => PATH + '.blocks[' + k + ']').concat(PATH + '.blocks[4].tail').sort())
    // And the code block's lines went in several items, each once.
    expect(seen.get(PATH + '.blocks[4].lines[0]')).toBe(1)
  })

  test('over the budget, the growing block waits for more text; once finished it goes', () => {
    const { stream, calls, message } = recorder({ budget: 1 })
    stream.append('x'.repeat(3000))
    jest.advanceTimersByTime(60)
    const count = calls.length
    stream.append('y')
    jest.advanceTimersByTime(60)
    expect(calls.length).toBe(count)
    expect(message().blocks).toEqual(['x'.repeat(3000)])
    stream.append('\n\nz')
    jest.advanceTimersByTime(60)
    expect(message().blocks).toEqual(['x'.repeat(3000) + 'y\n\n'])
    stream.finish()
    expect(message().blocks).toEqual(['x'.repeat(3000) + 'y\n\n', 'z'])
  })

  test('a finished block its last re-render showed whole is not sent again', () => {
    const { stream, calls, message } = recorder()
    stream.append('First paragraph.\n')
    jest.advanceTimersByTime(60)
    stream.append('\nSecond')
    jest.advanceTimersByTime(60)
    expect(message().blocks).toEqual(['First paragraph.', 'Second'])
    expect(calls.map((c) => Object.keys(c.update))).toEqual([[PATH + '.blocks[0]'], [PATH + '.blocks[1]']])
  })

  test('mid-stream, an open code fence is a code block with its unfinished last line', () => {
    const { stream, message } = recorder()
    stream.append('Text\n\n```js\nconst a = 1\nconst b')
    expect(message().blocks).toEqual(['Text\n\n', { lang: 'js', lines: ['const a = 1'], tail: 'const b' }])
    jest.advanceTimersByTime(60)
    stream.append(' = 2\n``')
    jest.advanceTimersByTime(60)
    expect(normal(message().blocks)[1]).toEqual({ lang: 'js', code: 'const a = 1\nconst b = 2', tail: '``' })
    stream.append('`\nafter')
    jest.advanceTimersByTime(60)
    expect(normal(message().blocks)[1]).toEqual({ lang: 'js', code: 'const a = 1\nconst b = 2', tail: '' })
    expect(message().blocks[2]).toBe('after')
  })

  test('the growing block is rendered with render() and shows half a table as it is', () => {
    const { stream, message } = recorder({ render: (md) => '<r>' + md + '</r>' })
    stream.append('| a | b |\n| - |')
    expect(message().blocks).toEqual(['<r>| a | b |\n| - |</r>'])
  })

  test('at most one setData per interval while streaming, and one final update', () => {
    const { stream, calls } = recorder({ interval: 50 })
    for (let i = 0; i < 1000; i++) {
      stream.append('字')
      jest.advanceTimersByTime(5)
    }
    const streaming = calls.length
    expect(streaming).toBeLessThanOrEqual(5000 / 50 + 1)
    for (let i = 1; i < calls.length; i++) expect(calls[i].at - calls[i - 1].at).toBeGreaterThanOrEqual(50)
    stream.finish({ [PATH + '.status']: 'done' })
    expect(calls.length).toBe(streaming + 1)
    expect(calls[calls.length - 1].update[PATH + '.status']).toBe('done')
    stream.append('more')
    jest.advanceTimersByTime(1000)
    expect(calls.length).toBe(streaming + 1)
  })

  test.each([
    ['fast: 2,000 characters a second', 2000],
    ['a model: 200 characters a second', 200],
    ['slow: 40 characters a second', 40]
  ])('a 20,000-character answer sends under 3x its UTF-8 size (%s)', (_name, perSecond) => {
    const answer: string = longAnswer(20000)
    const { stream, calls, message } = recorder()
    const step = 10 // ms between network chunks
    const perChunk = Math.max(1, Math.round((perSecond * step) / 1000))
    for (let i = 0; i < answer.length; i += perChunk) {
      stream.append(answer.slice(i, i + perChunk))
      jest.advanceTimersByTime(step)
    }
    stream.finish()
    const bytes = calls.reduce((n, c) => n + c.bytes, 0)
    expect(stream.stats.bytes).toBe(bytes)
    expect(stream.stats.calls).toBe(calls.length)
    expect(bytes).toBeLessThan(3 * utf8Length(answer))
    expect(shown(message())).not.toContain('undefined')
    expect(message().blocks.length).toBeGreaterThan(100)
  })

  test('reasoning goes line by line, its unfinished line re-sent', () => {
    const { stream, message } = recorder()
    stream.appendReasoning('first line\nsec')
    expect(message().think).toEqual(['first line'])
    expect(message().thinkTail).toBe('sec')
    stream.finish()
    expect(message().think).toEqual(['first line', 'sec'])
    expect(message().thinkTail).toBe('')
    expect(stream.reasoning).toBe('first line\nsec')
  })

  test('cancel(): no setData after it', () => {
    const { stream, calls } = recorder()
    stream.append('a')
    stream.append('b')
    const count = calls.length
    stream.cancel()
    stream.finish()
    jest.advanceTimersByTime(500)
    expect(calls.length).toBe(count)
  })
})

describe('createChatStream: typewriter', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }))
  afterEach(() => jest.useRealTimers())

  test('spreads a burst over ticks by whole code points (emoji and CJK never split)', () => {
    const { stream, message, calls } = recorder({ typewriter: 500 })
    const burst = '👍🏽中文😀'.repeat(20)
    stream.append(burst)
    const lives: string[] = []
    const live = () => message().blocks[0] || ''
    for (let i = 0; i < 40 && live() !== burst; i++) {
      jest.advanceTimersByTime(50)
      lives.push(live())
    }
    expect(live()).toBe(burst)
    expect(lives.length).toBeGreaterThan(5)
    lives.forEach((shown) => {
      expect(burst.startsWith(shown)).toBe(true)
      expect(/[\ud800-\udbff]$/.test(shown)).toBe(false)
    })
    expect(calls.length).toBeLessThanOrEqual(lives.length + 1)
  })

  test('finish() shows everything at once', () => {
    const { stream, message } = recorder({ typewriter: 5000 })
    stream.append('hello world, a long burst')
    stream.finish()
    expect(message().blocks).toEqual(['hello world, a long burst'])
  })
})

describe('pauseInBackground', () => {
  test('pause on hide, resume on show after a pause only, listeners removed by the returned function', () => {
    const listeners: Record<string, Array<() => void>> = { hide: [], show: [] }
    const app = {
      onAppHide: (cb: () => void) => listeners.hide.push(cb),
      onAppShow: (cb: () => void) => listeners.show.push(cb),
      offAppHide: (cb: () => void) => (listeners.hide = listeners.hide.filter((f) => f !== cb)),
      offAppShow: (cb: () => void) => (listeners.show = listeners.show.filter((f) => f !== cb))
    }
    const log: string[] = []
    const stop = pauseInBackground(app, { pause: () => log.push('pause'), resume: () => log.push('resume') })
    listeners.show.forEach((f) => f())
    listeners.hide.forEach((f) => f())
    listeners.hide.forEach((f) => f())
    listeners.show.forEach((f) => f())
    expect(log).toEqual(['pause', 'resume'])
    stop()
    expect(listeners.hide).toHaveLength(0)
    expect(listeners.show).toHaveLength(0)
  })
})

test('utf8Length counts like Buffer.byteLength', () => {
  for (const s of ['', 'abc', 'é', '中文', '👍🏽', 'a\ud800b']) expect(utf8Length(s)).toBe(Buffer.byteLength(s))
})
