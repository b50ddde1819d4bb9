'use strict'
/**
 * The demo backend: OpenAI-compatible frames (parsed with the library's own parser), keep-alive
 * comments, JSON mode, the failure triggers, and proxy mode against a local stand-in upstream.
 */
const http = require('http')
const path = require('path')
const { startDemoServer, ROOT, waitFor } = require('./helpers/page-harness')
const { simulateAnswer } = require('../../demo-miniprogram/server/simulated-model')

const { createParser } = require(path.join(ROOT, 'dist', 'index.cjs'))

/**
 * POSTs JSON; resolves with status, headers and everything received, parsed as SSE, in order.
 * `onPiece(piece, req, items)` sees each piece as it arrives; `headers` are added to the request.
 */
function post(url, body, onPiece, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: Object.assign({ 'Content-Type': 'application/json' }, headers || {}) }, (res) => {
      const items = []
      const pieces = []
      const parser = createParser({
        onEvent: (ev) => items.push({ kind: 'event', data: ev.data, type: ev.type, id: ev.lastEventId }),
        onComment: (text) => items.push({ kind: 'comment', text: text })
      })
      res.setEncoding('utf8')
      res.on('data', (piece) => {
        pieces.push(piece)
        parser.feed(piece)
        if (onPiece) onPiece(piece, req, items)
      })
      const done = (aborted) => resolve({ status: res.statusCode, headers: res.headers, body: pieces.join(''), items: items, aborted: aborted })
      res.on('end', () => done(false))
      res.on('aborted', () => done(true))
      res.on('error', () => done(true))
    })
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

const QUESTION = [{ role: 'user', content: '测试 frames 🧪' }]

describe('demo backend, simulated model', () => {
  let backend
  afterEach(() => backend.close())

  test('streams OpenAI chat.completion.chunk frames that rebuild the simulated answer, then [DONE]', async () => {
    backend = await startDemoServer({ tokensPerSecond: 1000 })
    const res = await post(backend.baseUrl + '/chat/completions', { model: 'm', messages: QUESTION, stream: true, stream_options: { include_usage: true } })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/)
    expect(res.headers['x-accel-buffering']).toBe('no')
    expect(res.headers['cache-control']).toMatch(/no-cache/)

    const events = res.items.filter((i) => i.kind === 'event')
    expect(events[events.length - 1].data).toBe('[DONE]')
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data))
    let content = ''
    let reasoning = ''
    chunks.forEach((chunk) => {
      expect(chunk.object).toBe('chat.completion.chunk')
      expect(typeof chunk.id).toBe('string')
      expect(chunk.model).toBe('m')
      if (chunk.usage) return expect(chunk.choices).toEqual([])
      expect(chunk.choices).toHaveLength(1)
      const delta = chunk.choices[0].delta
      if (typeof delta.content === 'string') content += delta.content
      if (typeof delta.reasoning_content === 'string') reasoning += delta.reasoning_content
    })
    expect(chunks[0].choices[0].delta.role).toBe('assistant')
    const last = chunks.filter((c) => !c.usage).pop()
    expect(last.choices[0].finish_reason).toBe('stop')
    expect(chunks[chunks.length - 1].usage.total_tokens).toBeGreaterThan(0)
    const expected = simulateAnswer(QUESTION)
    expect(content).toBe(expected.content)
    expect(reasoning).toBe(expected.reasoning)
    // Reasoning comes first, then the answer.
    const firstContent = chunks.findIndex((c) => c.choices[0] && c.choices[0].delta.content)
    const lastReasoning = chunks.map((c) => !!(c.choices[0] && c.choices[0].delta.reasoning_content)).lastIndexOf(true)
    expect(lastReasoning).toBeLessThan(firstContent)
  })

  test('is deterministic for a given conversation', async () => {
    backend = await startDemoServer({})
    const a = await post(backend.baseUrl + '/chat/completions', { messages: QUESTION, stream: false })
    const b = await post(backend.baseUrl + '/chat/completions', { messages: QUESTION, stream: false })
    expect(JSON.parse(a.body).choices[0].message.content).toBe(JSON.parse(b.body).choices[0].message.content)
  })

  test('sends `: keep-alive` comments while thinking, before the first token', async () => {
    backend = await startDemoServer({ thinkMs: 350, keepAliveMs: 100, tokensPerSecond: 1000 })
    const res = await post(backend.baseUrl + '/chat/completions', { messages: QUESTION, stream: true })
    const firstEvent = res.items.findIndex((i) => i.kind === 'event')
    const comments = res.items.slice(0, firstEvent)
    expect(comments.length).toBeGreaterThanOrEqual(3)
    comments.forEach((c) => expect(c).toEqual({ kind: 'comment', text: 'keep-alive' }))
    expect(res.items.slice(firstEvent).some((i) => i.kind === 'comment')).toBe(false)
  })

  test('answers `stream: false` with one chat.completion JSON', async () => {
    backend = await startDemoServer({})
    const res = await post(backend.baseUrl + '/chat/completions', { messages: QUESTION, stream: false })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    const json = JSON.parse(res.body)
    expect(json.object).toBe('chat.completion')
    const expected = simulateAnswer(QUESTION)
    expect(json.choices[0].message).toStrictEqual({ role: 'assistant', content: expected.content, reasoning_content: expected.reasoning })
    expect(json.choices[0].finish_reason).toBe('stop')
  })

  test.each([
    ['/401', 401, 'invalid_api_key'],
    ['/429', 429, 'rate_limit_exceeded'],
    ['/503 busy?', 503, 'overloaded']
  ])('%s answers %d with an OpenAI-style JSON error body', async (prompt, status, code) => {
    backend = await startDemoServer({})
    const res = await post(backend.baseUrl + '/chat/completions', { messages: [{ role: 'user', content: prompt }], stream: true })
    expect(res.status).toBe(status)
    const json = JSON.parse(res.body)
    expect(json.error.code).toBe(code)
    expect(typeof json.error.message).toBe('string')
    if (status === 429) expect(res.headers['retry-after']).toBe('20')
  })

  test('/cut cuts the connection mid-answer once, then the same conversation streams whole', async () => {
    backend = await startDemoServer({})
    const body = { messages: [{ role: 'user', content: '/cut story' }], stream: true }
    const first = await post(backend.baseUrl + '/chat/completions', body)
    expect(first.aborted).toBe(true)
    expect(first.items.some((i) => i.data === '[DONE]')).toBe(false)
    expect(first.items.filter((i) => i.kind === 'event').length).toBeGreaterThan(10)
    const second = await post(backend.baseUrl + '/chat/completions', body)
    expect(second.aborted).toBe(false)
    expect(second.items[second.items.length - 1].data).toBe('[DONE]')
  })

  test('/stall goes silent after a few frames', async () => {
    backend = await startDemoServer({})
    let seen = 0
    let stalledAt = 0
    const res = await post(backend.baseUrl + '/chat/completions', { messages: [{ role: 'user', content: '/stall' }], stream: true }, (piece, req) => {
      seen++
      clearTimeout(stalledAt)
      // 300 ms of silence counts as stalled: hang up.
      stalledAt = setTimeout(() => req.destroy(), 300)
    })
    expect(seen).toBeGreaterThan(0)
    expect(res.items.filter((i) => i.kind === 'event').length).toBeLessThanOrEqual(4)
    expect(res.items.some((i) => i.data === '[DONE]')).toBe(false)
  })

  test('rejects bad requests with JSON errors', async () => {
    backend = await startDemoServer({})
    const res = await post(backend.baseUrl + '/chat/completions', { messages: [] })
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body).error.message).toMatch(/messages/)
  })
})

describe('demo backend, proxy mode', () => {
  let upstream
  let backend
  let received
  let release
  const KEY = 'sk-test-key-0123456789'

  beforeEach(async () => {
    received = []
    let releaseSecond
    const secondFrame = new Promise((resolve) => {
      releaseSecond = resolve
    })
    release = () => releaseSecond()
    // Stands in for an OpenAI-compatible provider.
    upstream = http.createServer((req, res) => {
      const pieces = []
      req.on('data', (p) => pieces.push(p))
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(pieces).toString('utf8'))
        received.push({ url: req.url, headers: req.headers, body: body })
        if (req.headers.authorization !== 'Bearer ' + KEY) {
          res.writeHead(401, { 'Content-Type': 'application/json' })
          return res.end(JSON.stringify({ error: { message: 'Invalid API key from upstream', type: 'invalid_request_error', code: 'invalid_api_key' } }))
        }
        if (!body.stream) {
          res.writeHead(200, { 'Content-Type': 'application/json' })
          return res.end(JSON.stringify({ object: 'chat.completion', choices: [{ message: { role: 'assistant', content: 'ok' } }] }))
        }
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        res.write(': keep-alive\n\n')
        res.write('data: {"choices":[{"delta":{"content":"上游"}}]}\n\n')
        // The rest only once the client has seen the first frame: proves nothing is buffered.
        secondFrame.then(() => {
          res.write('data: {"choices":[{"delta":{"content":" says hi 👋"}}]}\n\n')
          res.end('data: [DONE]\n\n')
        })
      })
    })
    await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  })
  afterEach(async () => {
    release()
    if (backend) await backend.close()
    upstream.closeAllConnections()
    await new Promise((resolve) => upstream.close(resolve))
  })

  function startProxy(apiKey) {
    return startDemoServer({ upstream: 'http://127.0.0.1:' + upstream.address().port + '/v1/', apiKey: apiKey, model: 'provider-model' })
  }

  test('streams the upstream answer through as it arrives, with the key added server-side', async () => {
    backend = await startProxy(KEY)
    const res = await post(backend.baseUrl + '/chat/completions', { model: 'demo', messages: QUESTION, stream: true }, (piece) => {
      if (piece.includes('上游')) release()
    })
    expect(res.status).toBe(200)
    expect(res.headers['x-accel-buffering']).toBe('no')
    // The provider's events, re-labelled as one resumable answer (the first names it in-band).
    const answerId = res.headers['x-answer-id']
    expect(answerId).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(res.items).toEqual([
      { kind: 'comment', text: 'keep-alive' },
      { kind: 'event', type: 'message', id: answerId + '.1', data: '{"choices":[{"delta":{"content":"上游"}}],"id":"' + answerId + '"}' },
      { kind: 'event', type: 'message', id: answerId + '.2', data: '{"choices":[{"delta":{"content":" says hi 👋"}}]}' },
      { kind: 'event', type: 'message', id: answerId + '.3', data: '[DONE]' }
    ])
    expect(received).toHaveLength(1)
    expect(received[0].url).toBe('/v1/chat/completions')
    expect(received[0].headers.authorization).toBe('Bearer ' + KEY)
    expect(received[0].body).toEqual({ model: 'provider-model', messages: QUESTION, stream: true, max_tokens: 4096 })
    expect(JSON.stringify(res.headers) + res.body).not.toContain(KEY)
  })

  test('a client that drops mid-answer resumes the same upstream answer: the upstream is read on, and called once', async () => {
    backend = await startProxy(KEY)
    const first = await post(backend.baseUrl + '/chat/completions', { messages: QUESTION, stream: true }, (piece, req, items) => {
      if (items.some((i) => i.kind === 'event')) req.destroy()
    })
    const answer = backend.server.answers.get(first.headers['x-answer-id'])
    // The provider goes on while nobody is attached; the backend keeps reading it.
    release()
    await waitFor(() => answer.finished, 5000, 'the upstream answer to be read to its end')
    const second = await post(backend.baseUrl + '/chat/completions', { messages: QUESTION, stream: true }, null, { 'Last-Event-ID': lastId(first.items) })
    expect(second.items.map((i) => i.data)).toEqual(['{"choices":[{"delta":{"content":" says hi 👋"}}]}', '[DONE]'])
    expect(received).toHaveLength(1)
  })

  test('an upstream cut mid-answer ends the answer with an upstream_cut error event (no [DONE]); a resume gets the same ending', async () => {
    const cutting = http.createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        res.write('data: {"id":"up","choices":[{"delta":{"content":"半"}}]}\n\n', () => setTimeout(() => res.destroy(), 20))
      })
    })
    await new Promise((resolve) => cutting.listen(0, '127.0.0.1', resolve))
    try {
      backend = await startDemoServer({ upstream: 'http://127.0.0.1:' + cutting.address().port + '/v1', apiKey: KEY })
      const res = await post(backend.baseUrl + '/chat/completions', { messages: QUESTION, stream: true })
      expect(res.aborted).toBe(false)
      const events = res.items.filter((i) => i.kind === 'event')
      expect(events).toHaveLength(2)
      expect(JSON.parse(events[1].data).error.code).toBe('upstream_cut')
      const again = await post(backend.baseUrl + '/chat/completions', {}, null, { 'Last-Event-ID': events[0].id })
      expect(again.items).toEqual([events[1]])
    } finally {
      cutting.closeAllConnections()
      await new Promise((resolve) => cutting.close(resolve))
    }
  })

  test('passes upstream errors through with their status and body', async () => {
    backend = await startProxy('sk-wrong')
    const res = await post(backend.baseUrl + '/chat/completions', { messages: QUESTION, stream: true })
    expect(res.status).toBe(401)
    expect(JSON.parse(res.body).error.message).toBe('Invalid API key from upstream')
    expect(res.body).not.toContain('sk-wrong')
  })

  test('forwards `stream: false` as JSON', async () => {
    backend = await startProxy(KEY)
    const res = await post(backend.baseUrl + '/chat/completions', { messages: QUESTION, stream: false })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body).choices[0].message.content).toBe('ok')
  })

  test('an unreachable upstream is a 502 with a JSON error', async () => {
    const closed = http.createServer()
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = closed.address().port
    await new Promise((resolve) => closed.close(resolve))
    backend = await startDemoServer({ upstream: 'http://127.0.0.1:' + port + '/v1', apiKey: KEY })
    const res = await post(backend.baseUrl + '/chat/completions', { messages: QUESTION, stream: true })
    expect(res.status).toBe(502)
    expect(JSON.parse(res.body).error.code).toBe('upstream_unreachable')
  })
})

/** The text of the OpenAI frames among `items` (content deltas only). */
function contentOf(items) {
  return items
    .filter((i) => i.kind === 'event' && i.data !== '[DONE]')
    .map((i) => JSON.parse(i.data))
    .map((chunk) => (chunk.choices && chunk.choices[0] && typeof chunk.choices[0].delta.content === 'string' ? chunk.choices[0].delta.content : ''))
    .join('')
}

function lastId(items) {
  const events = items.filter((i) => i.kind === 'event')
  return events[events.length - 1].id
}

describe('demo backend, resumable answers (Last-Event-ID)', () => {
  let backend
  afterEach(() => backend.close())
  const url = () => backend.baseUrl + '/chat/completions'

  test('every event carries `id: <answerId>.<seq>` from 1, the first frame names the answer, keep-alives carry none', async () => {
    backend = await startDemoServer({ thinkMs: 250, keepAliveMs: 100, tokensPerSecond: 2000 })
    const res = await post(url(), { messages: QUESTION, stream: true, stream_options: { include_usage: true } })
    const answerId = res.headers['x-answer-id']
    expect(answerId).toMatch(/^[A-Za-z0-9_-]{16}$/)
    const events = res.items.filter((i) => i.kind === 'event')
    expect(events.map((e) => e.id)).toEqual(events.map((e, i) => answerId + '.' + (i + 1)))
    expect(events[events.length - 1].data).toBe('[DONE]')
    expect(JSON.parse(events[0].data).id).toBe(answerId)
    // The raw stream: an `id:` line before each `data:` line, none before a comment.
    expect(res.body).toMatch(/^: keep-alive\n\n/)
    expect((res.body.match(/^id: /gm) || []).length).toBe(events.length)
    expect(res.body.split('\n\n').filter((block) => block.startsWith(':')).every((block) => !/\nid:/.test(block))).toBe(true)
  })

  test('a reconnect with Last-Event-ID gets the same finished answer after that event; the body is ignored', async () => {
    backend = await startDemoServer({ tokensPerSecond: 2000 })
    const whole = await post(url(), { messages: QUESTION, stream: true })
    const events = whole.items.filter((i) => i.kind === 'event')
    const answerId = whole.headers['x-answer-id']
    const rest = await post(url(), { not: 'even messages' }, null, { 'Last-Event-ID': answerId + '.5' })
    expect(rest.status).toBe(200)
    expect(rest.headers['x-answer-id']).toBe(answerId)
    expect(rest.aborted).toBe(false)
    expect(rest.items).toEqual(events.slice(5))
    expect(backend.server.answers.stats).toMatchObject({ created: 1, resumed: 1 })
  })

  test('/cut: the reconnect continues the same answer; the text equals the uninterrupted one; one generation', async () => {
    backend = await startDemoServer({ tokensPerSecond: 2000 })
    const body = { messages: [{ role: 'user', content: '/cut 讲讲断线重试' }], stream: true }
    const first = await post(url(), body)
    expect(first.aborted).toBe(true)
    expect(first.items.some((i) => i.data === '[DONE]')).toBe(false)
    const second = await post(url(), body, null, { 'Last-Event-ID': lastId(first.items) })
    expect(second.aborted).toBe(false)
    expect(second.items[second.items.length - 1].data).toBe('[DONE]')
    const all = first.items.concat(second.items).filter((i) => i.kind === 'event')
    const answerId = first.headers['x-answer-id']
    expect(all.map((e) => e.id)).toEqual(all.map((e, i) => answerId + '.' + (i + 1)))
    expect(contentOf(all)).toBe(simulateAnswer(body.messages).content)
    expect(backend.server.answers.stats).toMatchObject({ created: 1, resumed: 1 })
  })

  test('a running answer is generated on while its client is away, and resumed where the client stopped', async () => {
    backend = await startDemoServer({ tokensPerSecond: 300 })
    const messages = [{ role: 'user', content: '离开再回来 away and back' }]
    const first = await post(url(), { messages: messages, stream: true }, (piece, req, items) => {
      if (items.filter((i) => i.kind === 'event').length >= 3) req.destroy()
    })
    const seen = first.items.filter((i) => i.kind === 'event')
    const answer = backend.server.answers.get(first.headers['x-answer-id'])
    await waitFor(() => answer.seq > seen.length + 5, 5000, 'the answer to go on without its client')
    expect(answer.client).toBe(null)
    const second = await post(url(), { messages: messages, stream: true }, null, { 'Last-Event-ID': lastId(seen) })
    expect(second.items[second.items.length - 1].data).toBe('[DONE]')
    expect(contentOf(seen.concat(second.items))).toBe(simulateAnswer(messages).content)
    expect(backend.server.answers.stats).toMatchObject({ created: 1, resumed: 1 })
  })

  test('a newer reconnect takes the answer over; the older connection is closed', async () => {
    backend = await startDemoServer({ tokensPerSecond: 400 })
    let answerId = ''
    const first = post(url(), { messages: QUESTION, stream: true }, (piece, req, items) => {
      if (!answerId && items.length) answerId = items[0].id.split('.')[0]
    })
    await waitFor(() => answerId, 5000, 'the first event')
    const second = await post(url(), {}, null, { 'Last-Event-ID': answerId + '.1' })
    const older = await first
    expect(older.aborted).toBe(true)
    expect(second.items[second.items.length - 1].data).toBe('[DONE]')
    expect(second.items[0].id).toBe(answerId + '.2')
  })

  test.each([
    ['an unknown answer', () => 'AAAAAAAAAAAAAAAA.3'],
    ['not one of our ids', () => 'hello'],
    ['a seq beyond the answer', (id) => id + '.99999']
  ])('%s → 410 answer_expired (no new answer)', async (_name, makeId) => {
    backend = await startDemoServer({ tokensPerSecond: 2000 })
    const whole = await post(url(), { messages: QUESTION, stream: true })
    const res = await post(url(), { messages: QUESTION, stream: true }, null, { 'Last-Event-ID': makeId(whole.headers['x-answer-id']) })
    expect(res.status).toBe(410)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(JSON.parse(res.body).error.code).toBe('answer_expired')
    expect(backend.server.answers.stats.created).toBe(1)
  })

  test('an answer expires `ttlMs` after its last event', async () => {
    backend = await startDemoServer({ tokensPerSecond: 2000, answers: { ttlMs: 300 } })
    const whole = await post(url(), { messages: QUESTION, stream: true })
    expect(backend.server.answers.size).toBe(1)
    await waitFor(() => backend.server.answers.size === 0, 3000, 'the answer to expire')
    const res = await post(url(), {}, null, { 'Last-Event-ID': lastId(whole.items) })
    expect(res.status).toBe(410)
    expect(backend.server.answers.stats.expired).toBe(1)
  })

  test('the store is bounded: at most maxAnswers answers and maxBytes of events, oldest evicted', async () => {
    backend = await startDemoServer({ tokensPerSecond: 5000, answers: { maxAnswers: 2 } })
    const ids = []
    for (let i = 0; i < 3; i++) ids.push((await post(url(), { messages: [{ role: 'user', content: 'q' + i }], stream: true })).headers['x-answer-id'])
    const store = backend.server.answers
    expect(store.size).toBe(2)
    expect(store.get(ids[0])).toBe(undefined)
    expect(store.get(ids[2])).toBeDefined()
    expect((await post(url(), {}, null, { 'Last-Event-ID': ids[0] + '.1' })).status).toBe(410)
    expect((await post(url(), {}, null, { 'Last-Event-ID': ids[1] + '.1' })).status).toBe(200)

    await backend.close()
    backend = await startDemoServer({ tokensPerSecond: 5000, answers: { maxBytes: 150000 } })
    for (let i = 0; i < 4; i++) await post(url(), { messages: [{ role: 'user', content: 'q' + i }], stream: true })
    expect(backend.server.answers.totalBytes).toBeLessThanOrEqual(150000)
    expect(backend.server.answers.stats.evicted).toBeGreaterThan(0)
  })
})

describe('demo backend, resumed by the library itself', () => {
  let backend
  afterEach(() => backend.close())

  test("connectEventSource's `reconnect` (Node wx.request) resumes a /cut answer: exact text, one generation", async () => {
    const { connectEventSource } = require(path.join(ROOT, 'dist', 'index.cjs'))
    const { createWxRequest } = require(path.join(ROOT, 'dist', 'node.cjs'))
    backend = await startDemoServer({ tokensPerSecond: 400 })
    const messages = [{ role: 'user', content: '/cut 讲讲断线重试 resume' }]
    let text = ''
    let done = false
    const errors = []
    const es = connectEventSource({
      url: backend.baseUrl + '/chat/completions',
      method: 'POST',
      header: { 'Content-Type': 'application/json' },
      data: { messages: messages, stream: true },
      request: createWxRequest(),
      reconnect: { maxDelay: 100 }
    })
    es.onMessage((ev) => {
      if (ev.data === '[DONE]') {
        done = true
        return es.close()
      }
      const delta = JSON.parse(ev.data).choices[0].delta
      text += delta.content || ''
    })
    es.onError((err) => errors.push(err.errCode))
    try {
      await waitFor(() => done, 10000, 'the resumed answer to finish')
    } finally {
      es.close()
    }
    expect(errors).toHaveLength(1) // the cut
    expect(text).toBe(simulateAnswer(messages).content)
    expect(backend.server.answers.stats).toMatchObject({ created: 1, resumed: 1 })
  })
})

describe('demo backend, cancelling an answer [extension]', () => {
  let backend
  let upstream
  afterEach(async () => {
    await backend.close()
    if (upstream) {
      upstream.closeAllConnections()
      await new Promise((resolve) => upstream.close(resolve))
      upstream = null
    }
  })

  test('DELETE /v1/chat/completions/<answerId> drops the answer and aborts the upstream request; then 410', async () => {
    let upstreamClosed = false
    upstream = http.createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        res.write('data: {"id":"u","choices":[{"delta":{"content":"a"}}]}\n\n')
        res.on('close', () => (upstreamClosed = true))
      })
    })
    await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    backend = await startDemoServer({ upstream: 'http://127.0.0.1:' + upstream.address().port + '/v1', apiKey: 'k' })
    const first = await post(backend.baseUrl + '/chat/completions', { messages: QUESTION, stream: true }, (piece, req, items) => {
      if (items.length) req.destroy()
    })
    const answerId = first.headers['x-answer-id']
    expect(backend.server.answers.get(answerId)).toBeDefined()
    const cancelUrl = backend.baseUrl + '/chat/completions/' + answerId
    const deleted = await new Promise((resolve, reject) => {
      http.request(cancelUrl, { method: 'DELETE' }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode))
      }).on('error', reject).end()
    })
    expect(deleted).toBe(204)
    await waitFor(() => upstreamClosed, 5000, 'the upstream request to be aborted')
    expect(backend.server.answers.get(answerId)).toBe(undefined)
    const again = await post(backend.baseUrl + '/chat/completions', {}, null, { 'Last-Event-ID': first.items[0].id })
    expect(again.status).toBe(410)
  })
})
