'use strict'
/**
 * The demo backend under hostile or careless clients (issue 8, items 11–15): malformed requests,
 * amplification, oversized bodies, clients that stop reading, and web pages trying to spend the
 * developer's key. Loopback only; an in-process stand-in upstream for proxy mode.
 */
const http = require('http')
const net = require('net')
const path = require('path')
const { spawn } = require('child_process')
const { startDemoServer, ROOT, waitFor } = require('./helpers/page-harness')
const { createDemoServer, listen } = require('../../demo-miniprogram/server/app')
const { simulateAnswer } = require('../../demo-miniprogram/server/simulated-model')

const { createParser } = require(path.join(ROOT, 'dist', 'index.cjs'))

const QUESTION = [{ role: 'user', content: '测试 hardening 🛡️' }]

/** Sends raw bytes; resolves with everything the server sent until it closed (or 3 s passed). */
function raw(port, bytes) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    const pieces = []
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(Buffer.concat(pieces).toString('latin1'))
    }
    const timer = setTimeout(done, 3000)
    socket.on('data', (piece) => {
      pieces.push(piece)
      // One complete response is enough (keep-alive connections stay open).
      const text = Buffer.concat(pieces).toString('latin1')
      const m = /content-length: (\d+)\r\n[\s\S]*?\r\n\r\n/i.exec(text)
      if (m && text.length >= text.indexOf('\r\n\r\n') + 4 + Number(m[1])) done()
    })
    socket.on('end', done)
    socket.on('error', done)
    socket.write(bytes)
  })
}

/** POST with everything configurable; resolves with status, headers, body text and SSE events. */
function request(url, options, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, Object.assign({ method: 'POST' }, options), (res) => {
      const pieces = []
      const events = []
      const parser = createParser({ onEvent: (ev) => events.push(ev) })
      res.setEncoding('utf8')
      res.on('data', (piece) => {
        pieces.push(piece)
        parser.feed(piece)
      })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: pieces.join(''), events: events }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

function postJson(url, value, headers) {
  return request(url, { headers: Object.assign({ 'Content-Type': 'application/json' }, headers || {}) }, JSON.stringify(value))
}

function withBody(json) {
  return 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ' + Buffer.byteLength(json) + '\r\n\r\n' + json
}

describe('11. one request cannot kill the backend', () => {
  let backend
  beforeAll(async () => {
    backend = await startDemoServer({ tokensPerSecond: 5000 })
  })
  afterAll(() => backend.close())

  const big = 'X-Big: ' + 'a'.repeat(20000)
  test.each([
    ['GET //%zz (once an uncaught "Invalid URL")', 'GET //%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['a path of bad escapes', 'GET /%zz/%%%/%C0%AF HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['an absolute-form target', 'GET http://[::1/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['the asterisk target', 'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['an unknown method', 'BREW /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['PUT on the endpoint', 'PUT /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n'],
    ['a header line without a colon', 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nBroken header\r\n\r\n'],
    ['a control character in a header value', 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\x01b\r\n\r\n'],
    ['20 kB of headers', 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n' + big + '\r\n\r\n'],
    ['a non-numeric Content-Length', 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}'],
    ['a broken chunked body', 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'],
    ['binary garbage', '\x00\xff\xfe GARBAGE\r\n\r\n'],
    ['a Last-Event-ID of 10 kB', 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nLast-Event-ID: ' + 'é'.repeat(5000) + '\r\nContent-Length: 2\r\n\r\n{}'],
    ['a JSON body that is not an object', 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\nnull'],
    ['messages that are not objects', withBody('{"messages":[null,7,"x"],"stream":true}')]
  ])('%s → a 4xx, and the server stays up', async (_name, bytes) => {
    const text = await raw(backend.port, bytes)
    const status = Number((/^HTTP\/1\.1 (\d{3})/.exec(text) || [])[1])
    if (!(status >= 400 && status < 500)) {
      // The one shape allowed a 200: a valid request the simulated model answers (none here).
      throw new Error('expected a 4xx, got: ' + JSON.stringify(text.slice(0, 200)))
    }
    const health = await request(backend.baseUrl.replace('/v1', '/health'), { method: 'GET' })
    expect(health.status).toBe(200)
  })

  test('every refusal on the endpoint has an OpenAI-style JSON error body', async () => {
    const text = await raw(backend.port, 'GET //%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))
    expect(body.error.code).toBe('not_found')
  })
})

describe('12. no amplification', () => {
  let backend
  afterEach(() => backend.close())

  test('a 0.9 MB `model` is echoed as at most 64 characters; the response does not grow with the request', async () => {
    backend = await startDemoServer({ tokensPerSecond: 100000 })
    const url = backend.baseUrl + '/chat/completions'
    const small = await postJson(url, { model: 'm', messages: QUESTION, stream: true })
    const huge = await postJson(url, { model: 'x'.repeat(900000), messages: QUESTION, stream: true })
    expect(huge.status).toBe(200)
    const frames = huge.events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data))
    frames.forEach((f) => expect(f.model).toBe('x'.repeat(64)))
    // Same frames, 63 more characters of model in each, ids of the same length.
    expect(Buffer.byteLength(huge.body)).toBeLessThanOrEqual(Buffer.byteLength(small.body) + frames.length * 63)
    const ratio = Buffer.byteLength(huge.body) / 900000
    console.log('[amplification] request 0.9 MB → response ' + Buffer.byteLength(huge.body) + ' B (×' + ratio.toFixed(3) + ')')
    expect(ratio).toBeLessThan(0.2)
    // A CJK/emoji model name is cut at a code point boundary.
    const emoji = await postJson(url, { model: '🙂'.repeat(100), messages: QUESTION, stream: false })
    expect(JSON.parse(emoji.body).model).toBe('🙂'.repeat(64))
  })
})

describe('13. bodies: 413 at once, 400 for bad JSON, 415 for other types', () => {
  let backend
  beforeAll(async () => {
    backend = await startDemoServer({ tokensPerSecond: 5000 })
  })
  afterAll(() => backend.close())
  const url = () => backend.baseUrl + '/chat/completions'

  test('a declared Content-Length over the limit is refused before any of the body is read', async () => {
    const text = await raw(backend.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n{"messages":')
    expect(text).toMatch(/^HTTP\/1\.1 413 /)
    expect(text).toMatch(/\r\nconnection: close\r\n/i)
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code).toBe('body_too_large')
  })

  test('malformed JSON → 400 with a JSON error body', async () => {
    const res = await request(url(), { headers: { 'Content-Type': 'application/json' } }, '{"messages": [')
    expect(res.status).toBe(400)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'invalid_json', type: 'invalid_request_error' })
  })

  test.each([['text/plain'], ['application/x-www-form-urlencoded'], ['multipart/form-data; boundary=x'], [undefined]])(
    'Content-Type %s → 415',
    async (type) => {
      const res = await request(url(), { headers: type ? { 'Content-Type': type } : {} }, JSON.stringify({ messages: QUESTION }))
      expect(res.status).toBe(415)
      expect(JSON.parse(res.body).error.code).toBe('unsupported_media_type')
    }
  )

  test('`application/json; charset=utf-8` is accepted', async () => {
    const res = await request(url(), { headers: { 'Content-Type': 'Application/JSON; charset=utf-8' } }, JSON.stringify({ messages: QUESTION }))
    expect(res.status).toBe(200)
  })

  test('a 100 MB streamed upload gets 413, is not read on, and the backend memory stays flat (own process)', async () => {
    // The backend in its own process, so its memory is measured alone; it samples itself.
    const child = spawn(process.execPath, ['-e', MEMORY_PROBE], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    try {
      const port = await new Promise((resolve) => child.once('message', (m) => resolve(m.port)))
      const total = 100 * 1024 * 1024
      const piece = Buffer.alloc(64 * 1024, 0x20)
      let sent = 0
      const result = await new Promise((resolve) => {
        const req = http.request({ host: '127.0.0.1', port: port, method: 'POST', path: '/v1/chat/completions', headers: { 'Content-Type': 'application/json' } }, (res) => {
          const pieces = []
          res.on('data', (p) => pieces.push(p))
          res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(pieces).toString('utf8') }))
        })
        req.on('error', () => {}) // EPIPE/ECONNRESET once the server stops reading
        req.write('{"messages":[{"role":"user","content":"')
        const pump = () => {
          while (sent < total) {
            sent += piece.length
            if (!req.write(piece)) return req.once('drain', pump)
          }
          req.end('"}]}')
        }
        pump()
      })
      expect(result.status).toBe(413)
      expect(JSON.parse(result.body).error.code).toBe('body_too_large')
      const report = await new Promise((resolve) => {
        child.once('message', resolve)
        child.send('report')
      })
      console.log('[100 MB upload] client wrote ' + (sent / 1048576).toFixed(1) + ' MiB before the server closed; backend read ' +
        (report.bytesRead / 1048576).toFixed(2) + ' MiB; peak RSS +' + (report.rssGrowth / 1048576).toFixed(1) +
        ' MiB, peak heap+buffers +' + (report.heapGrowth / 1048576).toFixed(1) + ' MiB')
      expect(report.bytesRead).toBeLessThan(4 * 1024 * 1024)
      expect(report.heapGrowth).toBeLessThan(16 * 1024 * 1024)
      expect(report.rssGrowth).toBeLessThan(40 * 1024 * 1024)
    } finally {
      child.kill()
    }
  }, 30000)
})

/** Runs in the child: the backend, with peak memory sampled every 5 ms. */
const MEMORY_PROBE = `
const { createDemoServer, listen } = require('./demo-miniprogram/server/app')
const server = createDemoServer({})
const sockets = new Set()
server.on('connection', (socket) => sockets.add(socket))
listen(server, 0, '127.0.0.1').then((address) => {
  const heap = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers }
  const base = { rss: process.memoryUsage().rss, heap: heap() }
  let peakRss = base.rss
  let peakHeap = base.heap
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
    peakHeap = Math.max(peakHeap, heap())
  }, 5)
  process.on('message', () => {
    let bytesRead = 0
    sockets.forEach((socket) => { bytesRead += socket.bytesRead })
    process.send({ bytesRead: bytesRead, rssGrowth: peakRss - base.rss, heapGrowth: peakHeap - base.heap })
  })
  process.on('disconnect', () => process.exit(0))
  process.send({ port: address.port })
})
`

/** Resolves once `value()` has not changed for `steadyMs` (polled; gives up after `timeoutMs`). */
async function waitForSteady(value, what, steadyMs, timeoutMs) {
  const deadline = Date.now() + (timeoutMs || 10000)
  let last = value()
  let since = Date.now()
  while (Date.now() - since < (steadyMs || 300)) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what + ' to stop changing')
    await new Promise((resolve) => setTimeout(resolve, 10))
    const now = value()
    if (now !== last) {
      last = now
      since = Date.now()
    }
  }
  return last
}

describe('14. backpressure: a client that stops reading stops the model and the upstream', () => {
  let backend
  let upstream
  afterEach(async () => {
    if (backend) await backend.close()
    backend = null
    if (upstream) {
      upstream.closeAllConnections()
      await new Promise((resolve) => upstream.close(resolve))
      upstream = null
    }
  })

  /** Opens a stream and stops reading once the headers are in; `resume()` reads the rest. */
  function openPaused(url, body) {
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
        res.pause()
        const pieces = []
        const events = []
        const parser = createParser({ onEvent: (ev) => events.push(ev) })
        const ended = new Promise((done) => res.on('end', done))
        resolve({
          res: res,
          req: req,
          answerId: res.headers['x-answer-id'],
          resume() {
            res.setEncoding('utf8')
            res.on('data', (p) => {
              pieces.push(p)
              parser.feed(p)
            })
            res.resume()
            return ended.then(() => events)
          }
        })
      })
      req.on('error', reject)
      req.end(JSON.stringify(body))
    })
  }

  test('the simulated model waits for `drain`: frames are made only as the client takes them', async () => {
    backend = await startDemoServer({ tokensPerSecond: 1e6 })
    const messages = [{ role: 'user', content: '/long 100000 长回答 long answer' }]
    const stream = await openPaused(backend.baseUrl + '/chat/completions', { messages: messages, stream: true })
    const answer = backend.server.answers.get(stream.answerId)
    await waitFor(() => answer.client && answer.client.blocked, 5000, 'the socket to need drain')
    // Nothing more is made while the client does not read (the model waits for drain).
    await waitForSteady(() => answer.seq, 'the model')
    expect(answer.client.blocked).toBe(true)
    const total = simulateAnswer(messages).content.length
    expect(answer.finished).toBe(false)
    console.log('[backpressure, simulated] ' + answer.seq + ' events made before drain was needed, of an answer of ' + total + ' characters')
    const events = await stream.resume()
    const text = events
      .filter((e) => e.data !== '[DONE]')
      .map((e) => JSON.parse(e.data).choices[0])
      .map((c) => (c && typeof c.delta.content === 'string' ? c.delta.content : ''))
      .join('')
    expect(text).toBe(simulateAnswer(messages).content)
  })

  test('the proxy stops reading the upstream while the client does not read; detached, it stops at the answer bound', async () => {
    const EVENT = 'data: {"choices":[{"delta":{"content":"' + 'y'.repeat(16 * 1024) + '"}}]}\n\n'
    const MAX_UPSTREAM = 32 * 1024 * 1024
    const up = { written: 0, events: 0, blocked: false, ended: false }
    upstream = http.createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        const pump = () => {
          up.blocked = false
          while (up.written < MAX_UPSTREAM) {
            up.written += EVENT.length
            up.events++
            if (!res.write(EVENT)) {
              up.blocked = true
              return res.once('drain', pump)
            }
          }
          up.ended = true
          res.end('data: [DONE]\n\n')
        }
        pump()
      })
    })
    await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    const maxAnswerBytes = 2 * 1024 * 1024
    backend = await startDemoServer({ upstream: 'http://127.0.0.1:' + upstream.address().port + '/v1', apiKey: 'k', answers: { maxAnswerBytes: maxAnswerBytes } })

    const stream = await openPaused(backend.baseUrl + '/chat/completions', { messages: QUESTION, stream: true })
    await waitFor(() => up.blocked, 10000, 'the upstream to be held back')
    const held = await waitForSteady(() => up.written, 'the upstream')
    expect(up.blocked).toBe(true)
    expect(up.ended).toBe(false)
    const store = backend.server.answers
    console.log('[backpressure, proxy] upstream held after ' + (held / 1048576).toFixed(1) + ' MiB of 32 MiB; answer store ' + (store.totalBytes / 1048576).toFixed(1) + ' MiB')
    expect(held).toBeLessThan(16 * 1024 * 1024)
    expect(store.totalBytes).toBeLessThan(12 * 1024 * 1024)

    // The client goes away: the backend reads on for a later resume, up to the answer's bound.
    stream.req.destroy()
    const answer = store.get(stream.answerId)
    await waitFor(() => answer.client === null && answer.bytes >= maxAnswerBytes, 10000, 'the detached answer to fill its bound')
    await waitForSteady(() => up.written, 'the upstream')
    expect(up.blocked).toBe(true)
    expect(answer.bytes).toBeLessThan(maxAnswerBytes + 2 * EVENT.length)
    expect(up.written).toBeLessThan(MAX_UPSTREAM / 2)

    // A reconnect from a recent event: the kept events, then the upstream is read on to its end.
    const from = answer.seq - 5
    const rest = await request(backend.baseUrl + '/chat/completions', { headers: { 'Content-Type': 'application/json', 'Last-Event-ID': stream.answerId + '.' + from } }, '{}')
    expect(rest.status).toBe(200)
    expect(up.ended).toBe(true)
    expect(rest.events[0].lastEventId).toBe(stream.answerId + '.' + (from + 1))
    expect(rest.events[rest.events.length - 1].data).toBe('[DONE]')
    expect(rest.events).toHaveLength(up.events + 1 - from)
  }, 30000)
})

describe('15. the API key cannot be spent by a web page', () => {
  const KEY = 'sk-live-0123456789abcdefghij'
  let upstream
  let received
  let upstreamReply
  let backend
  beforeEach(async () => {
    received = []
    upstreamReply = null
    upstream = http.createServer((req, res) => {
      const pieces = []
      req.on('data', (p) => pieces.push(p))
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(pieces).toString('utf8')))
        if (upstreamReply) return upstreamReply(res)
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        res.end('data: {"id":"x","choices":[{"delta":{"content":"ok"}}]}\n\ndata: [DONE]\n\n')
      })
    })
    await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  })
  afterEach(async () => {
    if (backend) await backend.close()
    backend = null
    upstream.closeAllConnections()
    await new Promise((resolve) => upstream.close(resolve))
  })
  const proxy = (extra) => startDemoServer(Object.assign({ upstream: 'http://127.0.0.1:' + upstream.address().port + '/v1', apiKey: KEY }, extra || {}))
  const url = () => backend.baseUrl + '/chat/completions'

  test('proxy mode sends no Access-Control-Allow-Origin, refuses preflights, and a simple (text/plain) POST never reaches the upstream', async () => {
    backend = await proxy()
    const ok = await postJson(url(), { messages: QUESTION, stream: true }, { Origin: 'https://evil.example' })
    expect(ok.status).toBe(200)
    expect(ok.headers['access-control-allow-origin']).toBeUndefined()
    const preflight = await request(url(), { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } })
    expect(preflight.status).toBe(403)
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
    const simple = await request(url(), { headers: { 'Content-Type': 'text/plain', Origin: 'https://evil.example' } }, JSON.stringify({ messages: QUESTION, stream: true }))
    expect(simple.status).toBe(415)
    expect(received).toHaveLength(1)
    // The simulated model still serves browsers.
    await backend.close()
    backend = await startDemoServer({})
    const sim = await postJson(url(), { messages: QUESTION, stream: false })
    expect(sim.headers['access-control-allow-origin']).toBe('*')
  })

  test('a page that rebinds its domain to 127.0.0.1 (Host: evil.example) is refused; --allowed-host names your domain', async () => {
    backend = await proxy()
    const rebound = await postJson(url(), { messages: QUESTION, stream: true }, { Host: 'evil.example' })
    expect(rebound.status).toBe(403)
    expect(JSON.parse(rebound.body).error.code).toBe('host_not_allowed')
    expect(received).toHaveLength(0)
    expect((await postJson(url(), { messages: QUESTION, stream: true }, { Host: 'localhost:1234' })).status).toBe(200)
    await backend.close()
    backend = await proxy({ allowedHosts: ['chat.example.com'] })
    expect((await postJson(url(), { messages: QUESTION, stream: true }, { Host: 'chat.example.com' })).status).toBe(200)
  })

  test('with a token, every request must carry it (Authorization: Bearer or X-Demo-Token)', async () => {
    backend = await proxy({ token: 'demo-secret-token' })
    const none = await postJson(url(), { messages: QUESTION, stream: true })
    expect(none.status).toBe(401)
    expect(JSON.parse(none.body).error.code).toBe('demo_token_required')
    expect((await postJson(url(), { messages: QUESTION, stream: true }, { Authorization: 'Bearer wrong' })).status).toBe(401)
    expect((await postJson(url(), { messages: QUESTION, stream: true }, { Authorization: 'Bearer demo-secret-token' })).status).toBe(200)
    expect((await postJson(url(), { messages: QUESTION, stream: true }, { 'X-Demo-Token': 'demo-secret-token', Host: 'phone.lan' })).status).toBe(200)
    expect(received).toHaveLength(2)
  })

  test('listening beyond loopback without a token is refused (API and command line); nothing is bound', async () => {
    const server = createDemoServer({ upstream: 'http://127.0.0.1:9/v1' })
    await expect(listen(server, 0, '0.0.0.0')).rejects.toThrow(/without a token/)
    await expect(listen(server, 0, undefined)).rejects.toThrow(/without a token/)
    expect(server.listening).toBe(false)
    const cli = spawn(process.execPath, [path.join(ROOT, 'demo-miniprogram', 'server'), '--host', '0.0.0.0', '--port', '0'], { env: Object.assign({}, process.env, { DEMO_TOKEN: '' }) })
    let stderr = ''
    cli.stderr.on('data', (p) => (stderr += p))
    const timer = setTimeout(() => cli.kill(), 10000)
    const code = await new Promise((resolve) => cli.on('exit', resolve))
    clearTimeout(timer)
    expect(code).toBe(1)
    expect(stderr).toMatch(/without a token/)
  })

  test('upstream error bodies pass with the key redacted, whole or in pieces', async () => {
    backend = await proxy()
    upstreamReply = (res) => {
      res.writeHead(401, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ error: { message: 'Incorrect API key provided: ' + KEY + '. Also ' + KEY.slice(0, 12) + '…' + KEY.slice(-9), code: 'invalid_api_key' } }))
    }
    const res = await postJson(url(), { messages: QUESTION, stream: true })
    expect(res.status).toBe(401)
    const message = JSON.parse(res.body).error.message
    expect(message).toMatch(/^Incorrect API key provided: \[redacted\]/)
    for (let i = 0; i + 8 <= KEY.length; i++) expect(res.body).not.toContain(KEY.slice(i, i + 8))
  })

  test('the 502 for an unreachable upstream names no host or port', async () => {
    const closed = http.createServer()
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = closed.address().port
    await new Promise((resolve) => closed.close(resolve))
    const lines = []
    backend = await startDemoServer({ upstream: 'http://127.0.0.1:' + port + '/v1', apiKey: KEY, log: (l) => lines.push(l) })
    const res = await postJson(url(), { messages: QUESTION, stream: true })
    expect(res.status).toBe(502)
    expect(JSON.parse(res.body).error.code).toBe('upstream_unreachable')
    expect(res.body).not.toContain('127.0.0.1')
    expect(res.body).not.toContain(String(port))
    expect(lines.join('\n')).toContain(String(port)) // the operator's log has it
  })

  test('the client cannot raise `n` or the token limit beyond the caps', async () => {
    backend = await proxy({ maxTokens: 1000, maxChoices: 1 })
    await postJson(url(), { messages: QUESTION, stream: true, n: 8, max_tokens: 100000 })
    await postJson(url(), { messages: QUESTION, stream: true })
    await postJson(url(), { messages: QUESTION, stream: true, max_completion_tokens: 5000, max_tokens: 'lots' })
    await postJson(url(), { messages: QUESTION, stream: true, max_tokens: 200 })
    expect(received.map((b) => [b.n, b.max_tokens, b.max_completion_tokens])).toEqual([
      [1, 1000, undefined],
      [undefined, 1000, undefined],
      [undefined, 1000, 1000],
      [undefined, 200, undefined]
    ])
  })
})
