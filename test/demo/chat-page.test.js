'use strict'
/**
 * The demo's chat page (pages/chat/chat.js, the file itself) against real servers over HTTP,
 * through the library's Node wx.request and a minimal Page/setData host: the demo backend (with
 * its resumable answers) and a small markdown server for the long-answer measurements.
 */
const http = require('http')
const { startDemoServer, openChatPage, waitFor, delay, ask, setDataBytes } = require('./helpers/page-harness')
const { startMarkdownServer } = require('./helpers/markdown-server')
const { longAnswer } = require('./helpers/long-answer')
const { simulateAnswer } = require('../../demo-miniprogram/server/simulated-model')

/** What the simulated model streams for a first question, given the page's system prompt. */
function expectedAnswer(config, question) {
  const messages = []
  if (config.systemPrompt) messages.push({ role: 'system', content: config.systemPrompt })
  messages.push({ role: 'user', content: question })
  return simulateAnswer(messages)
}

function finished(page, index) {
  return () => !page.data.streaming && page.data.messages[index] && !/^(streaming|reconnecting|paused)$/.test(page.data.messages[index].status)
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
    expect(page.answerText(index)).toEqual({ content: expected.content, reasoning: expected.reasoning })
    expect(expected.content).toMatch(/[\u{1F300}-\u{1FAFF}]/u)
    // Rendered: finished blocks only, nothing left growing; reasoning lines joined give the reasoning.
    expect(message.blocks.length).toBeGreaterThan(1)
    expect(JSON.stringify(message)).not.toContain('\uFFFD')
    expect(message.think.join('\n')).toBe(expected.reasoning)
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
      { role: 'assistant', content: page.answerText(first).content },
      { role: 'user', content: 'second question' }
    ]
    expect(page.answerText(second).content).toBe(simulateAnswer(history).content)
    expect(page.answerText(second).content).toContain('第 2 轮对话')
  })

  test('Stop mid-answer keeps the partial text, and no update follows', async () => {
    await backend.close()
    backend = await startDemoServer({ tokensPerSecond: 60 })
    opened = openChatPage(backend.baseUrl)
    const { host, page, config } = opened
    host.load()
    const question = 'please stop me halfway'
    const index = ask(host, question)
    await waitFor(() => page.answerText(index).content.length > 10, 15000, 'some content')
    expect(page.data.streaming).toBe(true)

    host.tap('onStop')
    const message = page.data.messages[index]
    const kept = page.answerText(index).content
    const count = host.setDataCount
    expect(message.status).toBe('stopped')
    expect(page.data.streaming).toBe(false)
    const whole = expectedAnswer(config, question).content
    expect(whole.startsWith(kept)).toBe(true)
    expect(kept.length).toBeLessThan(whole.length)

    // The server would still be streaming for seconds: nothing may reach the page.
    await delay(400)
    expect(host.setDataCount).toBe(count)
    expect(page.answerText(index).content).toBe(kept)
  })

  test('a cut mid-answer (socket destroyed): the page resumes it, the exact whole text, one generation', async () => {
    opened = openChatPage(backend.baseUrl)
    const { host, page, config } = opened
    host.load()
    const question = '/cut 讲讲断线续传'
    const index = ask(host, question)
    await waitFor(finished(page, index), 15000)
    expect(page.data.messages[index].status).toBe('done')
    expect(page.answerText(index).content).toBe(expectedAnswer(config, question).content)
    expect(page.lastStats.reconnects).toBeGreaterThanOrEqual(1)
    // The reconnect resumed the same answer: one answer created, resumed once.
    expect(backend.server.answers.stats.created).toBe(1)
    expect(backend.server.answers.stats.resumed).toBeGreaterThanOrEqual(1)
  })

  test('the app in the background: closed on hide, resumed on show, the exact whole text, one generation', async () => {
    await backend.close()
    backend = await startDemoServer({ tokensPerSecond: 150 })
    opened = openChatPage(backend.baseUrl)
    const { host, page, config, runtime } = opened
    host.load()
    const question = '切到后台再回来 background and back'
    const index = ask(host, question)
    await waitFor(() => page.answerText(index).content.length > 20, 15000, 'some content')

    runtime.hide()
    expect(page.current.source).toBeNull()
    await waitFor(() => page.data.messages[index].status === 'paused', 5000, 'the paused state on screen')
    const before = page.answerText(index).content
    await delay(300)
    // Closed: nothing arrives while hidden.
    expect(page.answerText(index).content).toBe(before)

    runtime.show()
    await waitFor(finished(page, index), 15000)
    expect(page.data.messages[index].status).toBe('done')
    expect(page.answerText(index).content).toBe(expectedAnswer(config, question).content)
    expect(page.lastStats.resumes).toBe(1)
    expect(backend.server.answers.stats.created).toBe(1)
    expect(backend.server.answers.stats.resumed).toBe(1)
    host.unload()
    expect(runtime.lifecycleListeners).toBe(0)
    opened = null
  })

  test("a request failing with 'fail interrupted' (background) is reconnected by the library and resumed", async () => {
    await backend.close()
    backend = await startDemoServer({ tokensPerSecond: 150 })
    let tasks = 0
    // The first request fails as WeChat fails one still running 5 s after the app was hidden.
    const wrapRequest = (request) => (options) => {
      const task = request(options)
      if (++tasks === 1) {
        let chunks = 0
        task.onChunkReceived(() => {
          if (++chunks === 8) {
            const fail = options.fail
            options.fail = () => {}
            task.abort()
            fail({ errMsg: 'request:fail interrupted', errno: 600003 })
          }
        })
      }
      return task
    }
    opened = openChatPage(backend.baseUrl, {}, { wrapRequest })
    const { host, page, config } = opened
    host.load()
    const question = 'interrupted 中断'
    const index = ask(host, question)
    await waitFor(finished(page, index), 15000)
    expect(tasks).toBe(2)
    expect(page.data.messages[index].status).toBe('done')
    expect(page.answerText(index).content).toBe(expectedAnswer(config, question).content)
    expect(backend.server.answers.stats.created).toBe(1)
  })

  test.each([
    ['401', '/401 hello', /^请求失败（401）：Incorrect API key provided/],
    ['429', '/429', /^请求失败（429）：Rate limit reached/]
  ])('a %s shows the message of the error body', async (_name, question, text) => {
    opened = openChatPage(backend.baseUrl)
    const { host, page } = opened
    host.load()
    const index = ask(host, question)
    await waitFor(finished(page, index), 15000)
    expect(page.data.messages[index]).toMatchObject({ status: 'error' })
    expect(page.data.messages[index].error).toMatch(text)
  })

  test('/stall with a short idleTimeout: errCode 1004 in plain words', async () => {
    opened = openChatPage(backend.baseUrl, {}, { config: { idleTimeout: 300, reconnect: { maxRetries: 0 } } })
    const { host, page } = opened
    host.load()
    const index = ask(host, '/stall')
    await waitFor(finished(page, index), 15000)
    expect(page.data.messages[index].error).toBe('等待超时：服务器长时间没有发来任何数据')
  })

  test('/stall with a short request timeout: the timeout in plain words', async () => {
    opened = openChatPage(backend.baseUrl, {}, { config: { timeout: 300, idleTimeout: 0, reconnect: { maxRetries: 0 } } })
    const { host, page } = opened
    host.load()
    const index = ask(host, '/stall')
    await waitFor(finished(page, index), 15000)
    expect(page.data.messages[index].error).toBe('请求超时：连接超过了时间上限，请重试')
  })
})

describe('demo chat page: long answers, errors, Retry', () => {
  let opened
  let server
  afterEach(async () => {
    if (opened) opened.host.unload()
    opened = null
    if (server) await server.close()
    server = null
  })

  test('a 20,000-character markdown answer: exact text, setData bytes under 3x its UTF-8 size, <= 20 setData/s, one final update', async () => {
    const text = longAnswer(20000)
    server = await startMarkdownServer({ text, piece: 60, everyMs: 10 })
    opened = openChatPage(server.baseUrl)
    const { host, page, config } = opened
    host.load()
    const from = host.setDataCount
    const startedAt = Date.now()
    const index = ask(host, 'a long answer')
    await waitFor(finished(page, index), 30000)
    const elapsed = Date.now() - startedAt

    expect(page.answerText(index).content).toBe(text)
    const bytes = setDataBytes(host, from)
    const size = Buffer.byteLength(text)
    expect(bytes).toBeLessThan(3 * size)
    const calls = host.calls.slice(from)
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(elapsed / config.renderInterval) + 4)
    // The one final update (status done) comes last.
    const final = calls[calls.length - 1].update
    expect(final['messages[' + index + '].status']).toBe('done')
    expect(calls.filter((c) => ('messages[' + index + '].status') in c.update)).toHaveLength(1)
    // After onInput, ask and the streaming flag: the batches of the stream.
    const batches = calls.slice(3).map((c) => c.at)
    for (let i = 1; i < batches.length - 1; i++) expect(batches[i] - batches[i - 1]).toBeGreaterThanOrEqual(config.renderInterval - 5)
    expect(page.data.messages[index].blocks.length).toBeGreaterThan(100)
    // eslint-disable-next-line no-console
    console.log('20,000-character answer (' + size + ' B UTF-8): ' + calls.length + ' setData, ' + bytes + ' B (' + (bytes / size).toFixed(2) + 'x) in ' + elapsed + ' ms')
  })

  test('Retry after an error streams the whole answer into the same bubble', async () => {
    server = await startMarkdownServer({ text: '重试以后的回答 ✅', piece: 2, everyMs: 5, failFirst: { status: 503, body: '{"error":{"message":"The engine is overloaded"}}' } })
    opened = openChatPage(server.baseUrl)
    const { host, page } = opened
    host.load()
    const index = ask(host, 'retry me')
    await waitFor(finished(page, index), 15000)
    expect(page.data.messages[index]).toMatchObject({ status: 'error', error: '请求失败（503）：The engine is overloaded' })
    host.tap('onRetry', { index: String(index) })
    expect(page.data.messages[index].status).toBe('streaming')
    expect(page.data.messages[index].error).toBe('')
    await waitFor(finished(page, index), 15000)
    expect(page.data.messages[index].status).toBe('done')
    expect(page.answerText(index).content).toBe('重试以后的回答 ✅')
    expect(page.data.messages).toHaveLength(index + 1)
  })

  test.each([
    ['204', (req, res) => (res.writeHead(204), res.end(), true), {}, '服务器没有返回内容（204），请稍后重试'],
    ['1001 (not text/event-stream)', (req, res) => (res.writeHead(200, { 'Content-Type': 'application/json' }), res.end('{"ok":true}'), true), {}, '服务器返回的不是事件流（Content-Type: application/json），请检查接口地址'],
    ['1003 (an event over maxBufferSize)', null, { maxBufferSize: 64 }, '服务器发来的单个事件太大，超过了 maxBufferSize，已停止接收'],
    ['410 (the answer to resume expired)', (req, res) => (res.writeHead(410, { 'Content-Type': 'application/json' }), res.end('{"error":{"code":"answer_expired","message":"This answer is no longer kept."}}'), true), {}, '这条回答在服务器上已过期，无法续传，请重试']
  ])('errCode %s in plain words', async (_name, respond, config, text) => {
    server = await startMarkdownServer({ text: 'x'.repeat(200), piece: 200, everyMs: 5, respond: respond || undefined })
    opened = openChatPage(server.baseUrl, {}, { config: config })
    const { host, page } = opened
    host.load()
    const index = ask(host, 'error please')
    await waitFor(finished(page, index), 15000)
    expect(page.data.messages[index]).toMatchObject({ status: 'error', error: text })
  })

  test('a network failure (nothing listening) in plain words, after the retries', async () => {
    const closed = http.createServer()
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = closed.address().port
    await new Promise((resolve) => closed.close(resolve))
    opened = openChatPage('http://127.0.0.1:' + port + '/v1', {}, { config: { reconnect: { maxRetries: 1 } } })
    const { host, page } = opened
    host.load()
    const index = ask(host, 'anyone there?')
    await waitFor(finished(page, index), 15000)
    expect(page.data.messages[index].error).toMatch(/^网络连接失败，请检查网络后重试/)
    expect(page.lastStats.reconnects).toBe(1)
  })

  test('a server that ends the stream without [DONE] finishes normally (errCode 200), no reconnect', async () => {
    let requests = 0
    const plain = http.createServer((req, res) => {
      requests++
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      res.write('data: 你好，')
      res.write('\n\ndata: world 🌏\n\n')
      setTimeout(() => res.end(), 20)
    })
    await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve))
    server = { close: () => new Promise((resolve) => plain.close(resolve)) }
    opened = openChatPage('http://127.0.0.1:' + plain.address().port + '/v1')
    const { host, page } = opened
    host.load()
    const index = ask(host, 'hi')
    await waitFor(finished(page, index), 15000)
    expect(page.data.messages[index]).toMatchObject({ status: 'done', error: '' })
    expect(page.answerText(index).content).toBe('你好，world 🌏')
    expect(requests).toBe(1)
  })
})
