'use strict'
// The workloads of each section, built from bench/inputs.js. Each builder returns workloads for
// harness.measure(): { name, title, bytes, contenders: [{ name, label, run }], check, verify }.
// Inputs are made lazily (`make()`), so only one workload's data is alive at a time.
const inputs = require('./inputs')

const KB = 1024
const MB = 1024 * 1024

function fail(message) {
  throw new Error('[bench] ' + message)
}

// ---- 1. Parser: text in → events out -------------------------------------------------------

const PARSER_WORKLOADS = [
  { name: 'openai-1k', title: 'OpenAI-style, 10k events, 1 KB pieces', stream: () => inputs.openAiStream(10000), size: KB },
  { name: 'openai-7b', title: 'OpenAI-style, 10k events, 7-byte pieces', stream: () => inputs.openAiStream(10000), size: 7 },
  { name: 'tiny-1k', title: '100k tiny `data: x` events, 1 KB pieces', stream: () => inputs.tinyEvents(100000), size: KB },
  { name: 'cjk-1k', title: 'CJK-heavy (Qwen-style id/event/comment), 6k events, 1 KB pieces', stream: () => inputs.cjkStream(6000), size: KB },
  { name: 'line-4m', title: 'one 4 MB data line, 1 KB pieces', stream: () => inputs.longLine(4 * MB), size: KB },
  { name: 'line-8m', title: 'one 8 MB data line, 1 KB pieces', stream: () => inputs.longLine(8 * MB), size: KB }
]

function parserWorkload(spec, parsers, scale) {
  return {
    name: spec.name,
    title: spec.title,
    make() {
      const stream = spec.stream()
      const bytes = inputs.utf8(stream.text)
      const pieces = inputs.textPieces(bytes, spec.size)
      const contenders = parsers.map((parser) => ({
        name: parser.name,
        label: parser.label,
        short: parser.short,
        run() {
          let count = 0
          const p = parser.create(() => count++)
          for (let i = 0; i < pieces.length; i++) p.feed(pieces[i])
          return count
        },
        events() {
          const events = []
          const p = parser.create((e) => events.push((e.type || e.event || 'message') + '\0' + e.data))
          for (let i = 0; i < pieces.length; i++) p.feed(pieces[i])
          return events
        }
      }))
      return {
        bytes: bytes.length,
        contenders,
        check(contender, count) {
          if (count !== stream.events) fail(spec.name + ': ' + contender.label + ' gave ' + count + ' events, expected ' + stream.events)
        },
        verify() {
          // Once, outside the timings: every parser gives the same events (type and data).
          const [first, ...rest] = contenders.map((c) => c.events())
          for (let i = 0; i < rest.length; i++) {
            if (rest[i].length !== first.length || rest[i].some((e, k) => e !== first[k])) fail(spec.name + ': ' + contenders[i + 1].label + ' gave different events')
          }
          if (spec.name.startsWith('line') && first[0].length !== stream.dataLength + 8) fail(spec.name + ': wrong data length')
        }
      }
    }
  }
}

/**
 * 8 MB ÷ 4 MB: both line lengths in the same rounds (contenders `<parser>@4m`, `<parser>@8m`),
 * so the ratio of the two times is taken round by round, like every other ratio here.
 */
function linearityWorkload(parsers) {
  return {
    name: 'line-8m÷4m',
    title: 'one 8 MB vs one 4 MB data line, 1 KB pieces, same rounds',
    make() {
      const contenders = []
      const expectedLength = {}
      for (const size of [4, 8]) {
        const stream = inputs.longLine(size * MB)
        const pieces = inputs.textPieces(inputs.utf8(stream.text), KB)
        for (const parser of parsers) {
          const name = parser.name + '@' + size + 'm'
          expectedLength[name] = stream.dataLength
          contenders.push({
            name,
            label: parser.label + ', ' + size + ' MB line',
            short: parser.short + ' ' + size + ' MB',
            run() {
              let length = -1
              const p = parser.create((e) => (length = e.data.length))
              for (let i = 0; i < pieces.length; i++) p.feed(pieces[i])
              return length
            }
          })
        }
      }
      return {
        bytes: 12 * MB,
        contenders,
        check(contender, length) {
          if (length !== expectedLength[contender.name]) fail('line-8m÷4m: ' + contender.label + ' gave data of ' + length + ' code units')
        },
        verify() {}
      }
    }
  }
}

// ---- 2. UTF-8 streaming decode: bytes in → text out ---------------------------------------

const TEXTS = {
  ascii: { title: 'ASCII (the OpenAI-style stream)', make: () => inputs.openAiStream(10000).text },
  cjk: { title: 'CJK (Chinese prose, some digits and emoji)', make: () => inputs.cjkText(700000).text }
}
const DECODE_SIZES = [
  ['64', 64],
  ['1k', KB],
  ['16k', 16 * KB]
]

function decoderWorkloads(decoders) {
  const workloads = []
  for (const [kind, text] of Object.entries(TEXTS)) {
    for (const [sizeName, size] of DECODE_SIZES) {
      workloads.push({
        name: kind + '-' + sizeName,
        title: text.title + ', ' + (size >= KB ? size / KB + ' KB' : size + ' B') + ' chunks',
        make() {
          const expected = text.make()
          const bytes = inputs.utf8(expected)
          const chunks = inputs.chunkBytes(bytes, size)
          const contenders = decoders.map((decoder) => {
            const buffers = decoder.chunks(chunks)
            return {
              name: decoder.name,
              label: decoder.label,
              short: decoder.short,
              run() {
                const d = decoder.create()
                let length = 0
                for (let i = 0; i < buffers.length; i++) length += d.decode(buffers[i]).length
                return length + d.end().length
              },
              text() {
                const d = decoder.create()
                let out = ''
                for (let i = 0; i < buffers.length; i++) out += d.decode(buffers[i])
                return out + d.end()
              }
            }
          })
          return {
            bytes: bytes.length,
            contenders,
            check(contender, length) {
              if (length !== expected.length) fail(kind + '-' + sizeName + ': ' + contender.label + ' gave ' + length + ' code units, expected ' + expected.length)
            },
            verify() {
              for (const c of contenders) if (c.text() !== expected) fail(kind + '-' + sizeName + ': ' + c.label + ' decoded differently')
            }
          }
        }
      })
    }
  }
  return workloads
}

// ---- 3. End to end: ArrayBuffer chunks in → onMessage ------------------------------------

const E2E_WORKLOADS = [
  { name: 'openai-1k', title: 'OpenAI-style, 10k events, 1 KB chunks', stream: () => inputs.openAiStream(10000), size: KB },
  { name: 'openai-256', title: 'OpenAI-style, 10k events, 256 B chunks (about one event each)', stream: () => inputs.openAiStream(10000), size: 256 },
  { name: 'openai-7b', title: 'OpenAI-style, 2k events, 7-byte chunks', stream: () => inputs.openAiStream(2000), size: 7 },
  { name: 'cjk-1k', title: 'CJK-heavy, 6k events, 1 KB chunks', stream: () => inputs.cjkStream(6000), size: KB },
  { name: 'cjk-64', title: 'CJK-heavy, 6k events, 64 B chunks', stream: () => inputs.cjkStream(6000), size: 64 },
  { name: 'cjk-7b', title: 'CJK-heavy, 1.2k events, 7-byte chunks', stream: () => inputs.cjkStream(1200), size: 7 }
]

function e2eWorkload(spec, runners) {
  return {
    name: spec.name,
    title: spec.title,
    make() {
      const stream = spec.stream()
      const bytes = inputs.utf8(stream.text)
      const chunks = inputs.chunkBytes(bytes, spec.size)
      let lines = 0
      for (let at = stream.text.indexOf('\n'); at !== -1; at = stream.text.indexOf('\n', at + 1)) lines++
      const contenders = runners.map((runner) => {
        const buffers = runner.chunks(chunks)
        return { name: runner.name, label: runner.label, short: runner.short, lines: runner.lines, run: () => runner.run(buffers) }
      })
      return {
        bytes: bytes.length,
        contenders,
        check(contender, count) {
          const expected = contender.lines ? lines : stream.events
          if (count !== expected) fail(spec.name + ': ' + contender.label + ' gave ' + count + ', expected ' + expected)
        },
        verify() {}
      }
    }
  }
}

module.exports = { PARSER_WORKLOADS, E2E_WORKLOADS, parserWorkload, linearityWorkload, decoderWorkloads, e2eWorkload }
