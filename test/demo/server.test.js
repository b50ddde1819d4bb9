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
