'use strict'
/**
 * The built-in simulated model: a deterministic answer for a given conversation, so the whole
 * demo runs offline with no keys. Same messages in, same reasoning and answer out.
 */

/** FNV-1a, 32 bits: a stable seed from a string. */
function hashString(text) {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** mulberry32: a tiny seeded PRNG. */
function createRandom(seed) {
  let a = seed >>> 0
  return function random() {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function pick(random, list) {
  return list[Math.floor(random() * list.length)]
}

function messageText(message) {
  if (!message) return ''
  if (typeof message.content === 'string') return message.content
  // OpenAI content parts: [{ type: 'text', text }]
  if (Array.isArray(message.content)) {
    return message.content.map((part) => (part && typeof part.text === 'string' ? part.text : '')).join('')
  }
  return ''
}

function lastUserText(messages) {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i] && messages[i].role === 'user') return messageText(messages[i])
  }
  return ''
}

const OPENINGS = [
  '好问题！Let me explain step by step 👇',
  '收到 ✅ Here is a short, practical answer.',
  '我们来拆解一下这个问题 🧩 — quick version first.',
  '没问题 😄 Short answer, then an example.'
]

const BODIES = [
  'SSE（Server-Sent Events）是一条长期打开的 HTTP 响应：服务器每写一帧 `data: …`，客户端就收到一个 event。' +
    'In a mini-program there is no EventSource, so the library reads `wx.request` chunks, ' +
    'decodes UTF-8 across chunk boundaries（中文和 emoji 不会被切坏 🎯），then parses the frames.',
  '流式输出的关键是「边收边显示」：每个 token 到达就追加到答案里，but the page only calls `setData` ' +
    'about 20 times per second, because every `setData` crosses from the logic layer to the render layer 📦。' +
    '这样手机上也不会卡顿 🚀。',
  '大模型接口（OpenAI-compatible）返回的是 `choices[0].delta`：先是 `reasoning_content`（思考过程），' +
    'then `content`, and finally `data: [DONE]`. 如果服务器直接关闭连接，errCode 200 也表示正常结束 ✨。',
  '把 API key 放在自己的后端，小程序只访问你的服务器 🔐。The backend forwards the request to the provider ' +
    'and streams every chunk straight through, with `X-Accel-Buffering: no` so no proxy holds it back.'
]

const CODE_SAMPLES = [
  [
    '```js',
    "const { connectEventSource } = require('miniprogram-eventsource')",
    'const es = connectEventSource({',
    "  url: 'https://<your-server>/v1/chat/completions',",
    "  method: 'POST',",
    "  header: { 'Content-Type': 'application/json' },",
    "  data: { model, messages, stream: true }",
    '})',
    'es.onMessage((ev) => console.log(ev.data))',
    '```'
  ].join('\n'),
  [
    '```js',
    '// 每 50 ms 最多一次 setData',
    "this.setData({ ['messages[' + i + '].content']: answer })",
    '```'
  ].join('\n'),
  ['```text', 'data: {"choices":[{"delta":{"content":"你好"}}]}', '', 'data: [DONE]', '```'].join('\n')
]

const CLOSINGS = ['希望有帮助 🙌', 'Happy hacking! 🎉', '还有问题随时问我 💬', '祝开发顺利 🍀']

const HEADINGS = ['### 要点 Key points', '### 怎么做 How to', '### 小结 Summary']

const LIST_ITEMS = [
  '**后端持有 key**：小程序只访问你自己的服务器',
  '`enableChunked: true`，按块收到 `ArrayBuffer`',
  '每个 answer 有 id，断线后带 `Last-Event-ID` 续上',
  'Batch `setData`: at most ~20 per second',
  'Keep-alive comments (`: keep-alive`) keep proxies from timing out',
  '真机必须是 HTTPS 合法域名 🔒'
]

const TABLES = [
  ['| 场景 Case | 结果 Result |', '|---|---|', '| 断网 network cut | 重连续传 ✅ |', '| 切后台 background | `onAppShow` 后续上 |'].join('\n'),
  ['| errCode | 含义 |', '|---|---|', '| `200` | 正常结束 end |', '| `1004` | 空闲超时 idle timeout |'].join('\n')
]

/** `/long [chars]` asks for an answer of at least that many characters (default 20,000). */
const LONG_DEFAULT = 20000
const LONG_MAX = 200000

/**
 * The simulated answer for a conversation: `{ reasoning, content }`, both deterministic.
 * `messages` is the OpenAI chat format. The content is markdown: a heading, a list, a table,
 * a fenced code block. `/long 20000 question` makes it at least 20,000 characters long.
 */
function simulateAnswer(messages) {
  const list = Array.isArray(messages) ? messages : []
  const last = lastUserText(list).trim()
  const long = /^\/long(?:\s+(\d{1,7}))?(?:\s|$)/.exec(last)
  const question = last.replace(long ? /^\/long(?:\s+\d{1,7})?\s*/ : /^\/\w+\s*/, '').trim() || '(empty)'
  const turn = list.filter((m) => m && m.role === 'user').length
  const random = createRandom(hashString(JSON.stringify(list.map((m) => [m && m.role, messageText(m)]))))
  // 82 UTF-16 code units hold at least 41 code points: enough to know whether to cut at 40.
  const head = Array.from(question.slice(0, 82))
  const topic = head.slice(0, 40).join('') + (head.length > 40 ? '…' : '')

  const reasoning =
    '用户问的是「' + topic + '」。' +
    'This is turn ' + turn + ' of the conversation, so I should keep the earlier context in mind. ' +
    '先给结论，再给一个代码示例，最后提醒一个常见的坑 🤔'

  const items = []
  while (items.length < 3) {
    const item = pick(random, LIST_ITEMS)
    if (items.indexOf(item) < 0) items.push(item)
  }
  const parts = [
    pick(random, OPENINGS),
    '',
    pick(random, HEADINGS),
    '',
    '你问的是「' + topic + '」（第 ' + turn + ' 轮对话）。',
    '',
    pick(random, BODIES),
    '',
    items.map((item) => '- ' + item).join('\n'),
    '',
    pick(random, TABLES),
    '',
    pick(random, CODE_SAMPLES)
  ]
  if (long) {
    const target = Math.min(LONG_MAX, long[1] ? Number(long[1]) : LONG_DEFAULT)
    let size = parts.join('\n').length
    for (let k = 1; size < target; k++) {
      const section = ['', '## 第 ' + k + ' 部分 Part ' + k, '', pick(random, BODIES), '', '- ' + pick(random, LIST_ITEMS), '', pick(random, CODE_SAMPLES)]
      parts.push.apply(parts, section)
      size += section.join('\n').length + 1
    }
  }
  parts.push('', pick(random, CLOSINGS))
  return { reasoning: reasoning, content: parts.join('\n') }
}

/**
 * Splits text into model-like tokens: an ASCII word with its leading space, one or two CJK
 * characters, a run of newlines, or any other single code point (emoji stay whole).
 * Joining the tokens gives the text back exactly.
 */
function tokenize(text) {
  return text.match(TOKEN) || []
}

const TOKEN = / ?[A-Za-z0-9_']+|\n+|[\u3400-\u9fff]{1,2}|[\s\S]/gu

/** How many tokens `tokenize` would make, without making them (a 1 MB prompt made 20 MB of them). */
function countTokens(text) {
  const re = new RegExp(TOKEN.source, 'gu')
  let count = 0
  while (re.exec(text) !== null) count++
  return count
}

/**
 * The frames of one streamed answer, made one at a time as they are written (never all up
 * front): the role frame, reasoning tokens, content tokens, the finish frame, usage (optional),
 * then `[DONE]`. `chunk(delta, finishReason)` makes a chat.completion.chunk; `usageFrame` is the
 * usage chunk or null. `next()` returns the next payload (object or `'[DONE]'`), null at the end.
 */
function createSimulatedFrames(answer, chunk, usageFrame) {
  const reasoning = tokenize(answer.reasoning)
  const content = tokenize(answer.content)
  const contentStart = 1 + reasoning.length
  const finishAt = contentStart + content.length
  const total = finishAt + 1 + (usageFrame ? 1 : 0) + 1
  let index = 0
  return {
    /** Index (0-based) of the first content frame. */
    contentStart: contentStart,
    contentTokens: content.length,
    total: total,
    get index() {
      return index
    },
    next() {
      const i = index
      if (i >= total) return null
      index++
      if (i === 0) return chunk({ role: 'assistant', content: '' })
      if (i < contentStart) return chunk({ content: null, reasoning_content: reasoning[i - 1] })
      if (i < finishAt) return chunk({ content: content[i - contentStart] })
      if (i === finishAt) return chunk({}, 'stop')
      if (usageFrame && i === finishAt + 1) return usageFrame
      return '[DONE]'
    }
  }
}

module.exports = { simulateAnswer, createSimulatedFrames, tokenize, countTokens, lastUserText, hashString }
