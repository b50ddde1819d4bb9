'use strict'
/**
 * The demo's chat page (pages/chat/chat.js, the file itself) against the real demo backend over
 * HTTP, through the library's Node wx.request and a minimal Page/setData host.
 */
const { startDemoServer, openChatPage, waitFor, delay, ask } = require('./helpers/page-harness')
const { simulateAnswer } = require('../../demo-miniprogram/server/simulated-model')

/** What the simulated model streams for a first question, given the page's system prompt. */
function expectedAnswer(config, question) {
  const messages = []
  if (config.systemPrompt) messages.push({ role: 'system', content: config.systemPrompt })
  messages.push({ role: 'user', content: question })
  return simulateAnswer(messages)
}

function finished(page, index) {
  return () => !page.data.streaming && page.data.messages[index] && page.data.messages[index].status !== 'streaming'
}

describe('demo chat page against the demo backend', () => {
  let backend
  let opened
  beforeEach(async () => {
    backend = await startDemoServer({ tokensPerSecond: 400 })
  })
  afterEach(async () => {
    if (opened) opened.host.unload()
    opened = null
    await backend.close()
  })

  test.each([
    ['one chunk per server write', {}],
    ['chunks of 1..7 bytes (boundaries inside CJK and emoji)', { splitChunks: { minSize: 1, maxSize: 7, seed: 3 } }],
    ['several writes merged into one chunk', { mergeChunks: { everyPieces: 4, everyMs: 30 } }]
  ])('the final answer is exactly what the server streamed: %s', async (_name, quirks) => {
    opened = openChatPage(backend.baseUrl, quirks)
    const { host, page, config } = opened
    host.load()
    const question = '流式输出是怎么工作的？How does streaming work? 🤔'
    const index = ask(host, question)
    await waitFor(finished(page, index), 15000, 'the answer to finish')

    const expected = expectedAnswer(config, question)
    const message = page.data.messages[index]
    expect(message.status).toBe('done')
    expect(message.error).toBe('')
    expect(message.content).toBe(expected.content)
    expect(message.reasoning).toBe(expected.reasoning)
    expect(message.content).toMatch(/[\u4e00-\u9fff]/)
    expect(message.content).toMatch(/[\u{1F300}-\u{1FAFF}]/u)
    expect(message.content).not.toContain('\uFFFD')
    expect(page.data.messages[index - 1]).toMatchObject({ role: 'user', content: question })
    expect(page.data.input).toBe('')
  })

  test('the conversation history goes with each question (OpenAI chat format)', async () => {
    opened = openChatPage(backend.baseUrl)
    const { host, page, config } = opened
    host.load()
    const first = ask(host, 'first question')
    await waitFor(finished(page, first), 15000)
    const second = ask(host, 'second question')
    await waitFor(finished(page, second), 15000)

    const history = [
      { role: 'system', content: config.systemPrompt },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: page.data.messages[first].content },
      { role: 'user', content: 'second question' }
    ]
    // The simulated answer depends on the whole conversation and says which turn it is.
    expect(page.data.messages[second].content).toBe(simulateAnswer(history).content)
    expect(page.data.messages[second].content).toContain('第 2 轮对话')
  })

  test('setData stays within ~20 per second while the server streams hundreds of tokens a second', async () => {
    await backend.close()
    backend = await startDemoServer({ tokensPerSecond: 800 })
    opened = openChatPage(backend.baseUrl)
    const { host, page, config } = opened
    host.load()
    const before = host.setDataCount
    const startedAt = Date.now()
    const index = ask(host, 'a long answer please')
    await waitFor(finished(page, index), 15000)
    const elapsed = Date.now() - startedAt
    const calls = host.calls.slice(before)
    const stats = page.lastStats

    expect(stats.events).toBeGreaterThan(200)
    // onInput + ask + streaming flag + the final update, and at most one batch per interval.
    const bound = Math.ceil(elapsed / config.renderInterval) + 4
    expect(calls.length).toBeLessThanOrEqual(bound)
    expect(calls.length).toBeLessThan(stats.events / 4)
    // Batches use path updates, never the whole message list.
    const streamingUpdates = calls.filter((c) => Object.keys(c.update).some((k) => /\.content$|\.reasoning$/.test(k)))
    streamingUpdates.forEach((c) => expect(Object.keys(c.update)).not.toContain('messages'))
    // Between two batches at least renderInterval passes (a few ms of timer slack allowed).
    const batchTimes = streamingUpdates.slice(0, -1).map((c) => c.at)
    for (let i = 1; i < batchTimes.length; i++) {
      expect(batchTimes[i] - batchTimes[i - 1]).toBeGreaterThanOrEqual(config.renderInterval - 5)
    }
  })

  test('Stop mid-answer keeps the partial text, and no update follows', async () => {
    await backend.close()
    backend = await startDemoServer({ tokensPerSecond: 60 })
    opened = openChatPage(backend.baseUrl)
    const { host, page, config } = opened
    host.load()
    const question = 'please stop me halfway'
    const index = ask(host, question)
    await waitFor(() => page.data.messages[index].content.length > 10, 15000, 'some content')
    expect(page.data.streaming).toBe(true)

    host.tap('onStop')
    const message = page.data.messages[index]
    const kept = message.content
    const count = host.setDataCount
    expect(message.status).toBe('stopped')
    expect(page.data.streaming).toBe(false)
    expect(expectedAnswer(config, question).content.startsWith(kept)).toBe(true)
    expect(kept.length).toBeLessThan(expectedAnswer(config, question).content.length)

    // The server would still be streaming for seconds: nothing may reach the page.
    await delay(400)
    expect(host.setDataCount).toBe(count)
    expect(page.data.messages[index].content).toBe(kept)
  })

  test('a 401 shows the message of the error body', async () => {
    opened = openChatPage(backend.baseUrl)
    const { host, page } = opened
    host.load()
    const index = ask(host, '/401 hello')
    await waitFor(finished(page, index), 15000)
    const message = page.data.messages[index]
    expect(message.status).toBe('error')
    expect(message.error).toContain('401')
    expect(message.error).toContain('Incorrect API key provided')
  })

  test('a 429 shows the message of the error body', async () => {
    opened = openChatPage(backend.baseUrl)
    const { host, page } = opened
    host.load()
    const index = ask(host, '/429')
    await waitFor(finished(page, index), 15000)
    expect(page.data.messages[index].error).toContain('Rate limit reached')
  })

  test('a stream cut mid-answer shows an error with Retry, and Retry streams the whole answer', async () => {
    opened = openChatPage(backend.baseUrl)
    const { host, page, config } = opened
    host.load()
    const question = '/cut 讲讲断线重试'
    const index = ask(host, question)
    await waitFor(finished(page, index), 15000)
    const failed = page.data.messages[index]
    const expected = expectedAnswer(config, question).content
    expect(failed.status).toBe('error')
    expect(failed.error).toMatch(/^连接中断/)
    expect(failed.content.length).toBeGreaterThan(0)
    expect(expected.startsWith(failed.content)).toBe(true)
    expect(failed.content.length).toBeLessThan(expected.length)

    host.tap('onRetry', { index: String(index) })
    expect(page.data.messages[index].status).toBe('streaming')
    await waitFor(finished(page, index), 15000)
    expect(page.data.messages[index].status).toBe('done')
    expect(page.data.messages[index].content).toBe(expected)
    expect(page.data.messages).toHaveLength(index + 1)
  })

  test('a server that ends the stream without [DONE] finishes normally (errCode 200)', async () => {
    const http = require('http')
    const plain = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      res.write('data: 你好，')
      res.write('\n\ndata: world 🌏\n\n')
      setTimeout(() => res.end(), 20)
    })
    await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve))
    try {
      opened = openChatPage('http://127.0.0.1:' + plain.address().port + '/v1')
      const { host, page } = opened
      host.load()
      const index = ask(host, 'hi')
      await waitFor(finished(page, index), 15000)
      expect(page.data.messages[index]).toMatchObject({ status: 'done', content: '你好，world 🌏', error: '' })
    } finally {
      plain.close()
    }
  })
})
