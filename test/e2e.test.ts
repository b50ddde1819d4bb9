/**
 * End to end: connectEventSource over the Node wx.request against a real local HTTP server,
 * each stream run under several chunkings and with each reported client quirk.
 */
import {
  connectEventSource,
  ERR_BUFFER_OVERFLOW,
  ERR_CONTENT_TYPE,
  ERR_END,
  ERR_IDLE_TIMEOUT,
  ERR_NETWORK
} from '../src/index'
import type { ConnectEventSourceOptions, EventSourceMessage, UniError, UniEventSource } from '../src/types'
import { createWxRequest, WxRequestQuirks } from '../node'
import {
  bigLine,
  CJK_EVENTS,
  CRLF_EVENTS,
  ERROR_401_BODY,
  ERROR_429_BODY,
  OPENAI_DELTAS,
  SseServer,
  startSseServer
} from './helpers/sse-server'
import { settle, waitFor } from './helpers/wait-for'
import { freePort } from './helpers/free-port'

const CONNECTING = 0
const OPEN = 1
const CLOSED = 2

let server: SseServer
const sources: UniEventSource[] = []
beforeAll(async () => { server = await startSseServer() })
afterEach(() => { for (const s of sources.splice(0)) s.close() })
afterAll(() => server.close())

/** What a source delivered, in order, with the readyState seen inside each callback. */
interface Recorder {
  source: UniEventSource
  opens: Array<{ type: string | null; readyState: number }>
  messages: EventSourceMessage[]
  errors: Array<{ error: UniError; readyState: number }>
  order: string[]
}

function open(route: string, quirks: WxRequestQuirks = {}, options: Partial<ConnectEventSourceOptions> = {}): Recorder {
  const source = connectEventSource({ url: server.url(route), request: createWxRequest(quirks), ...options })
  sources.push(source)
  const r: Recorder = { source, opens: [], messages: [], errors: [], order: [] }
  source.onOpen((ev) => { r.opens.push({ type: ev.type, readyState: source.readyState }); r.order.push('open') })
  source.onMessage((ev) => { r.messages.push(ev); r.order.push('message') })
  source.onError((error) => { r.errors.push({ error, readyState: source.readyState }); r.order.push('error') })
  return r
}

/** Waits for the first onError, then checks nothing else arrives. */
async function untilError(r: Recorder): Promise<UniError> {
  await waitFor(() => r.errors.length > 0, 'onError')
  await settle(60)
  expect(r.errors).toHaveLength(1)
  return r.errors[0].error
}

const data = (r: Recorder) => r.messages.map((m) => m.data)

/**
 * Chunkings every stream must survive: the bytes and their order are the same, only the cuts
 * differ. `live`: events can reach the app before the response ends.
 */
const CHUNKINGS: Array<[string, WxRequestQuirks, boolean]> = [
  ['as the server wrote it', {}, true],
  ['merged writes', { mergeChunks: { everyPieces: 5, everyMs: 30 } }, true],
  ['split into 1..7 bytes', { splitChunks: { seed: 7 } }, true],
  ['one byte at a time', { splitChunks: { minSize: 1, maxSize: 1 } }, true],
  ['merged, then split into 1..3 bytes', { mergeChunks: true, splitChunks: { minSize: 1, maxSize: 3, seed: 3 } }, true]
]
/** Client quirks that change how the response is reported, not the bytes. */
const CLIENT_QUIRKS: Array<[string, WxRequestQuirks, boolean]> = [
  ['no statusCode in onHeadersReceived (devtools)', { noStatusInHeaders: true }, true],
  ['statusCode as a string (old Android)', { stringStatusCode: true }, true],
  ['devtools + split 1..5 bytes', { noStatusInHeaders: true, splitChunks: { maxSize: 5, seed: 11 } }, true],
  ['string status + merged', { stringStatusCode: true, mergeChunks: { everyPieces: 4, everyMs: 30 } }, true],
  // The body is only known at success: nothing can be delivered before the end.
  ['no chunk callbacks, body in success (PC WeChat)', { noChunkCallbacks: true }, false],
  ['task without chunk API (old base library, Taro)', { noChunkApi: true }, false],
  // The status is only known at success, so chunks must be held until then.
  ['no headers callback', { noHeadersCallback: true }, false]
]
const ALL = [...CHUNKINGS, ...CLIENT_QUIRKS]

describe.each(ALL)('streams, %s', (_name, quirks, live) => {
  test('/cjk: Chinese and emoji cut inside characters arrive exactly', async () => {
    const r = open('/cjk', quirks)
    const end = await untilError(r)
    expect(data(r)).toEqual(CJK_EVENTS)
    expect(r.messages.every((m) => m.type === 'message' && m.lastEventId === '')).toBe(true)
    expect(end.errCode).toBe(ERR_END)
  })

  test('/crlf: CRLF line ends, CR and LF in different writes', async () => {
    const r = open('/crlf', quirks)
    await untilError(r)
    expect(r.messages.map((m) => ({ id: m.lastEventId, data: m.data }))).toEqual(CRLF_EVENTS)
  })

  test('/keepalive: comments do not become events', async () => {
    const r = open('/keepalive', quirks)
    await untilError(r)
    expect(data(r)).toEqual(['one', 'two'])
  })

  test('/openai: an OpenAI-style chat stream reassembles to the full answer', async () => {
    const r = open('/openai', quirks)
    await untilError(r)
    expect(data(r).pop()).toBe('[DONE]')
    expect(data(r).slice(0, -1).map((d) => JSON.parse(d).choices[0].delta.content).join('')).toBe(OPENAI_DELTAS.join(''))
  })

  test('/bom: the leading BOM (cut across writes) is stripped, a later U+FEFF kept', async () => {
    const r = open('/bom', quirks)
    await untilError(r)
    expect(data(r)).toEqual(['first', '\uFEFFsecond'])
  })

  test('normal end: open once, events, then one onError errCode 200 and CLOSED', async () => {
    const r = open('/end-after-one', quirks)
    const end = await untilError(r)
    expect(r.opens).toEqual([{ type: 'open', readyState: OPEN }])
    expect(r.order).toEqual(['open', 'message', 'error'])
    expect(r.messages[0]).toEqual({ type: 'message', data: 'the one', lastEventId: '1' })
    expect(end).toMatchObject({ errCode: ERR_END, errSubject: expect.any(String), errMsg: expect.any(String) })
    expect(end).toBeInstanceOf(Error)
    expect(r.errors[0].readyState).toBe(CLOSED)
    expect(r.source.readyState).toBe(CLOSED)
  })

  test('401 with a JSON body: one onError with status and body, no open, no message', async () => {
    const r = open('/401', quirks)
    const err = await untilError(r)
    expect(err.errCode).toBe(401)
    expect(err.data.statusCode).toBe(401)
    expect(err.data.body).toContain(ERROR_401_BODY)
    expect(JSON.parse(err.data.body).error.message).toBe('Invalid API key')
    expect(r.opens).toHaveLength(0)
    expect(r.messages).toHaveLength(0)
    expect(r.source.readyState).toBe(CLOSED)
  })

  test('server dies mid-stream: the event before it, then one network error', async () => {
    const r = open('/die', quirks)
    const err = await untilError(r)
    // Without live delivery the body is lost with the request; the error alone must come.
    expect(data(r)).toEqual(live ? ['before death'] : [])
    expect([600003, ERR_NETWORK]).toContain(err.errCode)
    expect(err.errMsg).toContain('request:fail')
    expect(r.source.readyState).toBe(CLOSED)
  })
})

describe.each(CHUNKINGS.slice(0, 3))('a 200 KB stream, %s', (_name, quirks, _live) => {
  test('/big: 200 events of 1 KB, ids in order', async () => {
    const r = open('/big', quirks)
    await untilError(r)
    expect(r.messages).toHaveLength(200)
    r.messages.forEach((m, i) => {
      expect(m.lastEventId).toBe(String(i))
      expect(m.data).toBe(bigLine(i))
    })
  })
})

test('a whole stream held for want of a headers callback is bounded by maxBufferSize', async () => {
  // 200 KB of 1 KB events, held because no headers say what the response is: the phone's memory
  // is protected before the status is known, so this is ERR_BUFFER_OVERFLOW, not a content type.
  const r = open('/big', { noHeadersCallback: true }, { maxBufferSize: 64 * 1024 })
  const err = await untilError(r)
  expect(err.errCode).toBe(ERR_BUFFER_OVERFLOW)
  expect(r.messages).toHaveLength(0)
  expect(r.source.readyState).toBe(CLOSED)
})

test('a whole stream held for want of a headers callback streams its events at success', async () => {
  const r = open('/big', { noHeadersCallback: true })
  const end = await untilError(r)
  expect(end.errCode).toBe(ERR_END)
  expect(r.messages).toHaveLength(200)
})

describe('responses that are not a stream', () => {
  test('429: errCode 429, the JSON body kept, no reconnect even with reconnect:true', async () => {
    const r = open('/429', {}, { reconnect: true })
    const err = await untilError(r)
    expect(err.errCode).toBe(429)
    expect(err.data).toMatchObject({ statusCode: 429, body: ERROR_429_BODY })
    expect(err.data.header['Retry-After'] ?? err.data.header['retry-after']).toBe('1')
    expect(r.source.readyState).toBe(CLOSED)
  })

  test('500: errCode 500 with its text body', async () => {
    const r = open('/500', { splitChunks: { minSize: 1, maxSize: 2 } })
    const err = await untilError(r)
    expect(err.errCode).toBe(500)
    expect(err.data).toMatchObject({ statusCode: 500, body: 'Internal Server Error: 服务器错误' })
    expect(r.opens).toHaveLength(0)
  })

  test('204: errCode 204 and CLOSED, no reconnect even with reconnect:true', async () => {
    const before = server.requests('/204').length
    const r = open('/204', {}, { reconnect: true })
    const err = await untilError(r)
    expect(err.errCode).toBe(204)
    expect(r.errors[0].readyState).toBe(CLOSED)
    expect(server.requests('/204').length - before).toBe(1)
  })

  test.each(ALL)('wrong content type (%s): errCode 1001, body kept, no open', async (_name, quirks, _live) => {
    const r = open('/wrong-type', quirks, { reconnect: true })
    const err = await untilError(r)
    expect(err.errCode).toBe(ERR_CONTENT_TYPE)
    expect(err.data).toMatchObject({ statusCode: 200, body: '{"ok":true}' })
    expect(r.opens).toHaveLength(0)
    expect(r.source.readyState).toBe(CLOSED)
  })
})

describe('failures', () => {
  test('connection refused: errCode is wx errno, errMsg keeps the message, CLOSED', async () => {
    const port = await freePort()
    const source = connectEventSource({ url: `http://127.0.0.1:${port}/`, request: createWxRequest() })
    sources.push(source)
    const errors: UniError[] = []
    source.onError((e) => errors.push(e))
    await waitFor(() => errors.length > 0, 'onError')
    expect(errors[0].errCode).toBe(600001)
    expect(errors[0].errMsg).toMatch(/^request:fail .*ECONNREFUSED/)
    expect(source.readyState).toBe(CLOSED)
  })

  test.each(CHUNKINGS.slice(0, 3))('stalled stream (%s): idleTimeout gives errCode 1004 and aborts the request', async (_name, quirks, _live) => {
    const r = open('/stall', quirks, { idleTimeout: 300 })
    await waitFor(() => r.messages.length === 1, 'the only event')
    const lastEventAt = Date.now()
    const err = await untilError(r)
    expect(Date.now() - lastEventAt).toBeGreaterThanOrEqual(250)
    expect(err.errCode).toBe(ERR_IDLE_TIMEOUT)
    expect(data(r)).toEqual(['only event'])
    expect(r.source.readyState).toBe(CLOSED)
    await waitFor(() => server.requests('/stall').slice(-1)[0].closed, 'server to see the request aborted')
  })

  test('keep-alive comments count as activity for idleTimeout', async () => {
    const r = open('/slow-keepalive', {}, { idleTimeout: 150 })
    const err = await untilError(r)
    expect(err.errCode).toBe(ERR_END)
    expect(data(r)).toEqual(['start', 'end'])
  })

  test('request timeout: wx fail timeout becomes errCode 5 with the wx message', async () => {
    const r = open('/stall', {}, { timeout: 200, idleTimeout: 0 })
    const err = await untilError(r)
    expect(err).toMatchObject({ errCode: 5, errMsg: 'request:fail timeout' })
    expect(data(r)).toEqual(['only event'])
  })
})

describe('reconnection', () => {
  test("reconnect:true waits the server's retry: delay, sends Last-Event-ID, CONNECTING meanwhile", async () => {
    const before = server.requests('/reconnect').length
    const r = open('/reconnect', { splitChunks: { seed: 5 } }, { reconnect: true })
    await waitFor(() => r.opens.length === 3, 'three connections')
    r.source.close()
    const reqs = server.requests('/reconnect').slice(before)
    expect(reqs.slice(0, 3).map((q) => q.headers['last-event-id'])).toEqual([undefined, String(before + 1), String(before + 2)])
    expect(data(r).slice(0, 3)).toEqual([1, 2, 3].map((n) => `connection ${before + n}`))
    // Each normal end: errCode 200 while CONNECTING, then the next open.
    expect(r.errors.slice(0, 2).map((e) => [e.error.errCode, e.readyState])).toEqual([[ERR_END, CONNECTING], [ERR_END, CONNECTING]])
    expect(r.order.slice(0, 7)).toEqual(['open', 'message', 'error', 'open', 'message', 'error', 'open'])
    expect(r.source.readyState).toBe(CLOSED)
  })

  test('the retry delay is honoured (not reconnecting at once)', async () => {
    const r = open('/reconnect', {}, { reconnect: true })
    await waitFor(() => r.errors.length === 1, 'first end')
    const endedAt = Date.now()
    expect(r.source.readyState).toBe(CONNECTING)
    await waitFor(() => r.opens.length === 2, 'second open')
    expect(Date.now() - endedAt).toBeGreaterThanOrEqual(40)
  })

  test('close() during the reconnect wait: no further request, no callback', async () => {
    const r = open('/reconnect', {}, { reconnect: true })
    await waitFor(() => r.errors.length === 1, 'first end')
    const count = server.requests('/reconnect').length
    r.source.close()
    expect(r.source.readyState).toBe(CLOSED)
    await settle(150) // three times the server's retry: delay
    expect(server.requests('/reconnect').length).toBe(count)
    expect(r.order).toEqual(['open', 'message', 'error'])
  })

  test('a request timeout does not end a long stream when reconnecting (wx cuts at 60 s)', async () => {
    const r = open('/stall', {}, { timeout: 150, idleTimeout: 0, reconnect: { maxDelay: 30 } })
    await waitFor(() => r.opens.length === 2, 'second connection')
    r.source.close()
    expect(r.errors[0].error).toMatchObject({ errCode: 5, errMsg: 'request:fail timeout' })
    expect(r.errors[0].readyState).toBe(CONNECTING)
  })

  test('a late chunk of an aborted request never reaches the next connection', async () => {
    const r = open('/stall', { lateChunkAfterAbort: true }, { idleTimeout: 100, reconnect: { maxDelay: 20 } })
    await waitFor(() => r.opens.length === 3, 'third connection')
    r.source.close()
    expect(data(r).slice(0, 3)).toEqual(['only event', 'only event', 'only event'])
    expect(r.errors.slice(0, 2).map((e) => e.error.errCode)).toEqual([ERR_IDLE_TIMEOUT, ERR_IDLE_TIMEOUT])
  })

  test('network failure with reconnect:true reconnects with Last-Event-ID', async () => {
    const r = open('/die', {}, { reconnect: true })
    await waitFor(() => r.opens.length === 2, 'second connection', 8000) // default delay: 3000 ms
    r.source.close()
    expect([600003, ERR_NETWORK]).toContain(r.errors[0].error.errCode)
    expect(r.errors[0].readyState).toBe(CONNECTING)
  })
})

describe('close()', () => {
  test('stops everything: no callback after it, the server sees the request end, idempotent', async () => {
    const r = open('/stall')
    await waitFor(() => r.messages.length === 1, 'first event')
    r.source.close()
    r.source.close()
    expect(r.source.readyState).toBe(CLOSED)
    await waitFor(() => server.requests('/stall').slice(-1)[0].closed, 'server to see the close')
    await settle(80)
    expect(r.order).toEqual(['open', 'message'])
  })

  test('close() inside onMessage: the rest of the stream is not delivered', async () => {
    const r = open('/cjk', { mergeChunks: { everyPieces: 1000, everyMs: 1000 } })
    r.source.onMessage(() => r.source.close())
    await waitFor(() => r.messages.length > 0, 'first event')
    await settle(200)
    expect(data(r)).toEqual([CJK_EVENTS[0]])
    expect(r.errors).toHaveLength(0)
  })

  test('close() right after connectEventSource: nothing at all', async () => {
    const r = open('/cjk')
    r.source.close()
    await settle(200)
    expect(r.order).toEqual([])
  })

  test('lateChunkAfterAbort: a chunk arriving after close() is not delivered', async () => {
    const r = open('/stall', { lateChunkAfterAbort: true })
    await waitFor(() => r.messages.length === 1, 'first event')
    r.source.close()
    await settle(100)
    expect(r.order).toEqual(['open', 'message'])
  })

  test('lateChunkAfterAbort: a chunk after the idle-timeout abort is not delivered', async () => {
    const r = open('/stall', { lateChunkAfterAbort: true }, { idleTimeout: 100 })
    const err = await untilError(r)
    expect(err.errCode).toBe(ERR_IDLE_TIMEOUT)
    expect(r.order).toEqual(['open', 'message', 'error'])
  })
})

describe('the request', () => {
  const echoed = (r: Recorder) => Object.fromEntries(r.messages.map((m) => [m.type, JSON.parse(m.data)]))

  test('POST with data and custom headers reaches the server; Accept: text/event-stream added', async () => {
    const r = open('/echo', {}, { method: 'POST', data: { model: 'm', messages: [{ role: 'user', content: '你好' }] }, header: { Authorization: 'Bearer k', 'X-Trace': 't1' } })
    await untilError(r)
    const got = echoed(r)
    expect(got.method).toBe('POST')
    expect(got.headers).toMatchObject({ authorization: 'Bearer k', 'x-trace': 't1', accept: 'text/event-stream', 'content-type': 'application/json' })
    expect(JSON.parse(got.body)).toEqual({ model: 'm', messages: [{ role: 'user', content: '你好' }] })
    expect(r.messages.map((m) => m.type)).toEqual(['method', 'headers', 'body'])
  })

  test("a caller's Accept (any casing) is kept, not doubled", async () => {
    const r = open('/echo', {}, { header: { accept: 'text/event-stream, application/json' } })
    await untilError(r)
    expect(echoed(r).headers.accept).toBe('text/event-stream, application/json')
    expect(echoed(r).method).toBe('GET')
  })

  test('a string body is sent as is', async () => {
    const r = open('/echo', {}, { method: 'post', data: 'plain=1', header: { 'Content-Type': 'application/x-www-form-urlencoded' } })
    await untilError(r)
    expect(echoed(r).body).toBe('plain=1')
    expect(echoed(r).headers['content-type']).toBe('application/x-www-form-urlencoded')
  })

  test('url and readyState extensions', async () => {
    const r = open('/end-after-one')
    expect(r.source.url).toBe(server.url('/end-after-one'))
    expect(r.source.readyState).toBe(CONNECTING)
    await waitFor(() => r.opens.length === 1, 'open')
    await untilError(r)
  })
})

