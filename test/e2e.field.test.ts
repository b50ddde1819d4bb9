/**
 * End to end over real HTTP, the field cases of issues 7 and 8: a gateway that sends an error
 * with an event-stream Content-Type to a client that learns the status late (devtools), a host
 * that buffers the whole body (PC WeChat) for longer than idleTimeout, a request function that
 * returns a Promise without the chunk API, and a server that opens and ends at once in a loop.
 */
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { connectEventSource, ERR_END, ERR_NO_STREAM } from '../src/index'
import type { EventSourceMessage, RequestOptions, UniError, UniEventSource } from '../src/types'
import { createWxRequest, WxRequestQuirks } from '../node'
import { settle, waitFor } from './helpers/wait-for'

const SSE = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' }

let server: http.Server
let base = ''
/** Requests seen per path, with the time each arrived. */
const seen: Record<string, number[]> = {}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = (req.url || '/').split('?')[0]
    ;(seen[path] = seen[path] || []).push(Date.now())
    if (path === '/gateway-429') {
      // Some gateways answer a rate limit with the stream's own Content-Type.
      res.writeHead(429, SSE)
      res.write('{"error":{"message":"请求过于频繁 too many requests",')
      setTimeout(() => res.end('"code":"rate_limited"}}'), 20)
    } else if (path === '/open-and-end') {
      res.writeHead(200, SSE)
      res.end()
    } else if (path === '/retry-zero') {
      res.writeHead(200, SSE)
      res.end('retry: 0\n\n')
    } else if (path === '/slow-answer') {
      // An answer that takes longer than the client's idleTimeout, written in pieces.
      res.writeHead(200, SSE)
      let n = 0
      const timer = setInterval(() => {
        res.write(`data: 第${++n}段\n\n`)
        if (n === 6) {
          clearInterval(timer)
          res.end()
        }
      }, 60)
    } else if (path === '/silent') {
      res.writeHead(200, SSE) // headers, then nothing, ever
    } else {
      res.writeHead(200, SSE)
      res.end('data: 你好🙂\n\n')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = 'http://127.0.0.1:' + (server.address() as AddressInfo).port
})
const sources: UniEventSource[] = []
afterEach(() => {
  for (const s of sources.splice(0)) s.close()
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

function open(path: string, quirks: WxRequestQuirks, options: Record<string, any> = {}) {
  const source = connectEventSource({ url: base + path, request: createWxRequest(quirks), ...options })
  sources.push(source)
  const r = { source, messages: [] as EventSourceMessage[], errors: [] as UniError[], opens: 0 }
  source.onOpen(() => r.opens++)
  source.onMessage((ev) => r.messages.push(ev))
  source.onError((e) => r.errors.push(e))
  return r
}

test('devtools (no status in onHeadersReceived): a 429 sent as text/event-stream is errCode 429 with its body, no reconnect', async () => {
  seen['/gateway-429'] = []
  const r = open('/gateway-429', { noStatusInHeaders: true }, { reconnect: true })
  await waitFor(() => r.errors.length > 0, 'onError')
  await settle(700) // longer than the reconnection floor: no second request comes
  expect(r.errors.map((e) => e.errCode)).toEqual([429])
  expect(r.errors[0].data.body).toBe('{"error":{"message":"请求过于频繁 too many requests","code":"rate_limited"}}')
  expect(r.source.readyState).toBe(r.source.CLOSED)
  expect(seen['/gateway-429']).toHaveLength(1)
})

test('PC WeChat (no chunk callbacks): an answer longer than idleTimeout arrives whole, every event, marked not streamed', async () => {
  const r = open('/slow-answer', { noChunkCallbacks: true }, { idleTimeout: 100, timeout: 5000 })
  await waitFor(() => r.errors.length > 0, 'the end')
  expect(r.messages.map((m) => m.data)).toEqual(['第1段', '第2段', '第3段', '第4段', '第5段', '第6段'])
  expect(r.errors.map((e) => [e.errCode, e.data])).toEqual([[ERR_END, { streamed: false }]])
})

test('PC WeChat: a connection that says nothing is reported at `timeout`, not hung', async () => {
  const started = Date.now()
  const r = open('/silent', { noChunkCallbacks: true }, { idleTimeout: 100, timeout: 400 })
  await waitFor(() => r.errors.length > 0, 'an error', 3000)
  // wx.request's own timeout or our watchdog, whichever fires first, at `timeout`.
  expect(Date.now() - started).toBeGreaterThanOrEqual(380)
  expect(r.errors).toHaveLength(1)
})

test('a request wrapped into a bare Promise (an async interceptor): ERR_NO_STREAM, not an empty answer', async () => {
  const wxRequest = createWxRequest()
  const request = (options: RequestOptions) =>
    new Promise((resolve, reject) => {
      // what an async `invoke` does: the real request runs later; its task is lost
      setTimeout(() => wxRequest({ ...options, success: (res) => (options.success(res), resolve(res)), fail: (e) => (options.fail(e), reject(e)) }), 5)
    })
  const source = connectEventSource({ url: base + '/hello', request })
  sources.push(source)
  const errors: UniError[] = []
  const messages: string[] = []
  source.onMessage((ev) => messages.push(ev.data))
  source.onError((e) => errors.push(e))
  await waitFor(() => errors.length > 0, 'onError')
  await settle(30)
  expect(errors.map((e) => e.errCode)).toEqual([ERR_NO_STREAM])
  expect(messages).toEqual([])
})

test.each([
  ['opens and ends at once (client maxDelay: 0)', '/open-and-end', { maxRetries: 3, maxDelay: 0 }],
  ['answers retry: 0 and ends', '/retry-zero', { maxRetries: 3 }]
])('a server that %s: at most about two reconnects a second, and maxRetries ends it with one final error', async (_name, path, reconnect) => {
  seen[path] = []
  const r = open(path, {}, { reconnect })
  await waitFor(() => r.source.readyState === r.source.CLOSED, 'CLOSED', 5000)
  const times = seen[path]
  expect(times).toHaveLength(4)
  for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(450)
  expect(r.errors.map((e) => e.errCode)).toEqual([200, 200, 200, 200])
  await settle(700)
  expect(seen[path]).toHaveLength(4)
})
