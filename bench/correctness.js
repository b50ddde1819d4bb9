'use strict'
// Checks that are not timings: decoder correctness against Node's native streaming
// TextDecoder, and synchronous dispatch of events inside the chunk callback.
const { decoderContenders, rawContenders, nativeDecoder } = require('./contenders/decoders')
const { playOwn } = require('./contenders/e2e')
const { utf8, chunkBytes } = require('./inputs')
const library = require('./contenders/library')

const bytes = (...parts) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? Array.from(utf8(p)) : p)))

/** Each case: bytes and how they are cut. Expected output: native TextDecoder, streaming. */
const CASES = [
  {
    name: 'split',
    title: 'characters split across chunks (2-, 3- and 4-byte, fed byte by byte)',
    bytes: bytes('data: é中文ü😀 “引号” 𠀋\n\n'),
    size: 1
  },
  {
    name: 'split-1k',
    title: 'CJK text in 1,000-byte chunks (every cut inside a character)',
    bytes: utf8('中文测试'.repeat(1000)),
    size: 1000
  },
  {
    name: 'invalid',
    title: 'invalid bytes → U+FFFD (FF, lone continuation, overlong C0 80, surrogate ED A0 80, > U+10FFFF, cut sequence)',
    bytes: bytes('a', [0xff], 'b', [0x80], 'c', [0xc0, 0x80], 'd', [0xed, 0xa0, 0x80], 'e', [0xf4, 0x90, 0x80, 0x80], 'f', [0xe4, 0xb8], 'g'),
    size: 64
  },
  {
    name: 'invalid-split',
    title: 'the same invalid bytes fed byte by byte',
    bytes: bytes('a', [0xff], 'b', [0x80], 'c', [0xc0, 0x80], 'd', [0xed, 0xa0, 0x80], 'e', [0xf4, 0x90, 0x80, 0x80], 'f', [0xe4, 0xb8], 'g'),
    size: 1
  },
  {
    name: 'truncated-end',
    title: 'stream ends inside a character → one U+FFFD at end()',
    bytes: bytes('中文', [0xe4, 0xb8]),
    size: 3
  }
]

function decodeAll(contender, testCase) {
  const decoder = contender.create()
  let out = ''
  for (const chunk of contender.chunks(chunkBytes(testCase.bytes, testCase.size))) out += decoder.decode(chunk)
  return out + decoder.end()
}

function verdict(contender, testCase, expected) {
  try {
    return decodeAll(contender, testCase) === expected ? 'ok' : 'corrupt'
  } catch (error) {
    return 'throws'
  }
}

function decoderCorrectness() {
  const native = { chunks: (c) => c.map((x) => x.buffer), create: nativeDecoder }
  const contenders = decoderContenders().concat(rawContenders())
  const table = {}
  for (const contender of contenders) {
    table[contender.name] = { label: contender.label, cases: {} }
    for (const testCase of CASES) table[contender.name].cases[testCase.name] = verdict(contender, testCase, decodeAll(native, testCase))
  }
  return { cases: CASES.map(({ name, title }) => ({ name, title })), contenders: table }
}

/**
 * After each chunk callback returns, every event whose blank line has arrived must already
 * have reached onMessage, and none before its blank line: the harness never yields between
 * callbacks, so an event queued on a timer or a promise would count as late.
 */
function synchronousDispatch(streams) {
  const { exports: lib, realm } = library.miniProgram()
  const results = []
  for (const { name, text, size } of streams) {
    const all = utf8(text)
    // Byte offsets just past each event's terminating blank line (these streams use LF only).
    const ends = []
    for (let at = text.indexOf('\n\n'); at !== -1; at = text.indexOf('\n\n', at + 2)) ends.push(at + 2)
    const byteEnds = ends.map((end) => Buffer.byteLength(text.slice(0, end)))
    const chunks = chunkBytes(all, size)
    let delivered = 0
    let complete = 0
    let late = 0
    let early = 0
    const { count } = playOwn(lib, realm.arrayBuffers(chunks), (i, seen) => {
      delivered += chunks[i].length
      while (complete < byteEnds.length && byteEnds[complete] <= delivered) complete++
      if (seen < complete) late++
      if (seen > complete) early++
    })
    results.push({
      stream: name,
      chunkBytes: size,
      callbacks: chunks.length,
      events: count,
      expected: ends.length,
      lateCallbacks: late,
      earlyCallbacks: early,
      ok: late === 0 && early === 0 && count === ends.length
    })
  }
  return results
}

module.exports = { decoderCorrectness, synchronousDispatch, CASES }
