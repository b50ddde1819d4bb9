'use strict'
// Deterministic inputs: every generator takes its own seeded PRNG, so a run and its rerun see
// the same bytes and the same chunk boundaries.

/** mulberry32: a tiny, well-mixed 32-bit PRNG. Returns floats in [0, 1). */
function prng(seed) {
  let a = seed >>> 0
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pick = (rand, list) => list[Math.floor(rand() * list.length)]
const int = (rand, lo, hi) => lo + Math.floor(rand() * (hi - lo + 1))

const WORDS = (
  'the a of to and in is it you that for on with as are this be at have from or one had by ' +
  'stream event chunk token model answer server client request response parser decoder line ' +
  'field data value buffer because however therefore function return const string number'
).split(' ')
const PUNCT = [' ', ' ', ' ', ' ', ', ', '. ', '\\n', ' "', '" ', ': ']

/**
 * OpenAI Chat Completions streaming: `events` chunk events, then `data: [DONE]`.
 * Returns { text, events } where events counts every dispatched event (the [DONE] one included).
 */
function openAiStream(events = 10000, seed = 1) {
  const rand = prng(seed)
  const id = 'chatcmpl-' + Math.floor(rand() * 1e12).toString(36) + 'AbCdEfGhIjKlMn'
  const head = '{"id":"' + id + '","object":"chat.completion.chunk","created":1735689600,' +
    '"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":'
  const parts = ['data: ' + head + '{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n']
  for (let i = 1; i < events - 1; i++) {
    let content = pick(rand, WORDS)
    if (rand() < 0.5) content += pick(rand, PUNCT)
    if (rand() < 0.2) content = pick(rand, PUNCT) + content
    parts.push('data: ' + head + '{"content":"' + content + '"},"logprobs":null,"finish_reason":null}]}\n\n')
  }
  parts.push('data: ' + head + '{},"logprobs":null,"finish_reason":"stop"}]}\n\n')
  parts.push('data: [DONE]\n\n')
  return { text: parts.join(''), events: events + 1 }
}

/** `count` tiny events, `data: x` each: the per-event overhead with almost no payload. */
function tinyEvents(count = 100000) {
  return { text: 'data: x\n\n'.repeat(count), events: count }
}

// Common simplified Chinese characters, and full-width punctuation.
const HAN = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理'
const CJK_PUNCT = ['，', '。', '、', '：', '；', '！', '？', '“', '”', '（', '）', '……']

/**
 * A CJK-heavy stream in the DashScope/Qwen native shape: `id:n`, `event:result`, a comment
 * `:HTTP_STATUS/200`, no space after the colons, Chinese text in every data line.
 */
function cjkStream(events = 6000, seed = 2) {
  const rand = prng(seed)
  const parts = []
  for (let i = 1; i <= events; i++) {
    let content = ''
    const n = int(rand, 20, 90)
    for (let k = 0; k < n; k++) {
      content += HAN[Math.floor(rand() * HAN.length)]
      if (rand() < 0.08) content += pick(rand, CJK_PUNCT)
      if (rand() < 0.01) content += '😀'
    }
    parts.push('id:' + i + '\nevent:result\n:HTTP_STATUS/200\ndata:{"output":{"choices":[{"message":{"content":"' +
      content + '","role":"assistant"},"finish_reason":"' + (i === events ? 'stop' : 'null') +
      '"}]},"usage":{"total_tokens":' + (i * 7) + '},"request_id":"d1b2c3-' + i + '"}\n\n')
  }
  return { text: parts.join(''), events }
}

/** Chinese prose (with punctuation, a few digits and emoji): the CJK decode input. */
function cjkText(chars = 700000, seed = 4) {
  const rand = prng(seed)
  const parts = []
  for (let k = 0; k < chars; k++) {
    parts.push(HAN[Math.floor(rand() * HAN.length)])
    const r = rand()
    if (r < 0.08) parts.push(pick(rand, CJK_PUNCT))
    else if (r < 0.09) parts.push(String(int(rand, 1, 2025)))
    else if (r < 0.092) parts.push('😀')
  }
  return { text: parts.join('') }
}

/** One event whose single data line is `size` bytes of ASCII. */
function longLine(size, seed = 3) {
  const rand = prng(seed)
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/'
  // Build a 64 KB random block and repeat it: cheap to make, still not one repeated char.
  let block = ''
  for (let i = 0; i < 65536; i++) block += alphabet[Math.floor(rand() * 64)]
  const body = block.repeat(Math.ceil(size / 65536)).slice(0, size)
  return { text: 'data: ' + body + '\n\n', events: 1, dataLength: size }
}

const encoder = new TextEncoder()
const utf8 = (text) => encoder.encode(text)

/** Splits bytes into `size`-byte pieces, each with its own ArrayBuffer (as wx delivers them). */
function chunkBytes(bytes, size) {
  const chunks = []
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size))
  return chunks
}

/**
 * The text a parser sees when the bytes arrive in `size`-byte pieces: each piece decoded by
 * a streaming decoder, so characters split across pieces come out whole in the later text.
 */
function textPieces(bytes, size) {
  const decoder = new TextDecoder()
  const pieces = []
  for (const chunk of chunkBytes(bytes, size)) pieces.push(decoder.decode(chunk, { stream: true }))
  const rest = decoder.decode()
  if (rest) pieces.push(rest)
  return pieces
}

module.exports = { prng, openAiStream, tinyEvents, cjkStream, cjkText, longLine, utf8, chunkBytes, textPieces }
