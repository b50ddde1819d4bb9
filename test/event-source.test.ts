import {
  connectEventSource,
  install,
  ERR_BUFFER_OVERFLOW,
  ERR_CONTENT_TYPE,
  ERR_END,
  ERR_IDLE_TIMEOUT,
  ERR_INVALID_OPTIONS,
  ERR_NETWORK
} from '../src/index'
import type { ConnectEventSourceOptions, EventSourceMessage, UniError, UniEventSource } from '../src/types'
import { fakeRequest, SSE_HEADER } from './helpers/fake-request'

/** Connects through a fake request and records every callback in order. */
function connect(options: Partial<ConnectEventSourceOptions> = {}, task?: Parameters<typeof fakeRequest>[0]) {
  const fake = fakeRequest(task)
  const log: string[] = []
  const messages: EventSourceMessage[] = []
  const errors: UniError[] = []
  const source = connectEventSource({ url: 'http://127.0.0.1/sse', request: fake.request, ...options })
  sources.push(source)
  source.onOpen((ev) => log.push('open:' + ev.type))
  source.onMessage((ev) => {
    messages.push(ev)
    log.push('message:' + ev.data)
  })
  source.onError((err) => {
    errors.push(err)
    log.push('error:' + err.errCode)
  })
  return { source, log, messages, errors, calls: fake.calls, request: fake.request }
}

const sources: UniEventSource[] = []
afterEach(() => {
  for (const source of sources.splice(0)) source.close()
  jest.useRealTimers()
  jest.restoreAllMocks()
})

describe('the request', () => {
  test('is chunked, arraybuffer, GET with Accept: text/event-stream and a long timeout by default', () => {
    const { calls } = connect({ header: { 'X-Token': 'abc' } })
    expect(calls).toHaveLength(1)
    const o = calls[0].options
    expect(o).toMatchObject({ url: 'http://127.0.0.1/sse', method: 'GET', enableChunked: true, responseType: 'arraybuffer', timeout: 600000 })
    expect(o.header).toEqual({ 'X-Token': 'abc', Accept: 'text/event-stream' })
    expect('data' in o).toBe(false)
  })

  test('[extension] POST with a body, a timeout, and the caller’s own Accept header kept', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: '你好' }], stream: true }
    const { calls } = connect({ method: 'post', data: body, timeout: 90000, header: { accept: 'application/x-ndjson' } })
    const o = calls[0].options
    expect(o.method).toBe('POST')
    expect(o.data).toBe(body)
    expect(o.timeout).toBe(90000)
    expect(o.header).toEqual({ accept: 'application/x-ndjson' })
  })

  test('the default request function is the global wx.request, looked up when connecting', () => {
    const fake = fakeRequest()
    ;(globalThis as any).wx = { request: fake.request }
    try {
      sources.push(connectEventSource({ url: 'http://127.0.0.1/a' }))
      expect(fake.calls).toHaveLength(1)
    } finally {
      delete (globalThis as any).wx
    }
  })
})

describe('open and messages', () => {
  test.each([
    ['200 text/event-stream', 200, SSE_HEADER],
    ['a Content-Type in other case with parameters', 200, { 'content-type': 'Text/Event-Stream; charset=utf-8' }],
    ['no statusCode in onHeadersReceived (devtools)', undefined, SSE_HEADER],
    ['statusCode as a string (old Android)', '200', SSE_HEADER]
  ])('opens once on %s', (_name, status, header) => {
    const { source, log, calls } = connect()
    expect(source.readyState).toBe(source.CONNECTING)
    calls[0].headers(status as any, header)
    expect(log).toEqual(['open:open'])
    expect(source.readyState).toBe(source.OPEN)
    calls[0].chunk('data: hi\n\n')
    expect(log).toEqual(['open:open', 'message:hi'])
  })

  test('named and unnamed events go to onMessage; lastEventId persists', () => {
    const { messages, calls } = connect()
    calls[0].headers()
    calls[0].chunk('id: 1\ndata: a\n\nevent: delta\ndata: b\n\ndata: c\nid: 2\n\ndata: d\n\n')
    expect(messages).toEqual([
      { type: 'message', data: 'a', lastEventId: '1' },
      { type: 'delta', data: 'b', lastEventId: '1' },
      { type: 'message', data: 'c', lastEventId: '2' },
      { type: 'message', data: 'd', lastEventId: '2' }
    ])
  })

  test('a character split across chunks decodes whole', () => {
    const { messages, calls } = connect()
    calls[0].headers()
    const bytes = new TextEncoder().encode('data: 你好🙂\r\n\r\n')
    for (let i = 0; i < bytes.length; i++) calls[0].chunk(bytes.subarray(i, i + 1))
    expect(messages.map((m) => m.data)).toEqual(['你好🙂'])
  })

  test('chunks that arrive before the headers are not lost', () => {
    const { log, calls } = connect()
    calls[0].chunk('data: early\n\n')
    expect(log).toEqual([])
    calls[0].headers()
    expect(log).toEqual(['open:open', 'message:early'])
  })

  test('no chunk callbacks (PC WeChat): the body given to success is parsed, then the end', () => {
    const { log, source, calls } = connect()
    calls[0].headers()
    calls[0].success(200, new TextEncoder().encode('data: 1\n\ndata: 2\n\n').buffer as ArrayBuffer)
    expect(log).toEqual(['open:open', 'message:1', 'message:2', 'error:200'])
    expect(source.readyState).toBe(source.CLOSED)
  })

  test('a task without onChunkReceived (Taro interceptors): events still arrive from success', () => {
    const { log, calls } = connect({}, { onChunkReceived: false, onHeadersReceived: false })
    calls[0].success(200, new TextEncoder().encode('data: whole\n\n').buffer as ArrayBuffer)
    expect(log).toEqual(['open:open', 'message:whole', 'error:200'])
  })

  test('success data is not parsed again when chunks already carried the body', () => {
    const { log, calls } = connect()
    calls[0].headers()
    calls[0].chunk('data: once\n\n')
    calls[0].success(200, new TextEncoder().encode('data: once\n\n').buffer as ArrayBuffer)
    expect(log).toEqual(['open:open', 'message:once', 'error:200'])
  })
})

describe('errors', () => {
  test('HTTP 401: errCode 401 with status, headers and body text; no open, no message, no reconnect', () => {
    jest.useFakeTimers()
    const { log, errors, source, calls } = connect({ reconnect: true })
    const body = '{"error":{"message":"Invalid API key 无效","type":"invalid_request_error"}}'
    calls[0].headers(401, { 'Content-Type': 'application/json' })
    calls[0].chunk(body.slice(0, 20))
    calls[0].chunk(body.slice(20))
    calls[0].success(401, new ArrayBuffer(0), { 'Content-Type': 'application/json' })
    expect(log).toEqual(['error:401'])
    const err = errors[0]
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({ errSubject: 'uni-connectEventSource', errCode: 401, cause: null })
    expect(err.errMsg).toContain('401')
    expect(err.data).toEqual({ statusCode: 401, header: { 'Content-Type': 'application/json' }, body })
    expect(source.readyState).toBe(source.CLOSED)
    jest.advanceTimersByTime(60000)
    expect(calls).toHaveLength(1)
  })

  test.each([204, 429, 500])('HTTP %i fails without reconnecting', (status) => {
    jest.useFakeTimers()
    const { log, calls } = connect({ reconnect: true })
    calls[0].headers(status, { 'Content-Type': 'text/plain' })
    calls[0].success(status, new ArrayBuffer(0), { 'Content-Type': 'text/plain' })
    jest.advanceTimersByTime(60000)
    expect(log).toEqual(['error:' + status])
    expect(calls).toHaveLength(1)
  })

  test('HTTP status known only at success (devtools) still reports the status and body', () => {
    const { errors, calls } = connect()
    calls[0].headers(undefined, { 'Content-Type': 'application/json' })
    calls[0].chunk('{"error":{"message":"Rate limit"}}')
    calls[0].success(429, new ArrayBuffer(0), { 'Content-Type': 'application/json' })
    expect(errors).toHaveLength(1)
    expect(errors[0].errCode).toBe(429)
    expect(errors[0].data.body).toBe('{"error":{"message":"Rate limit"}}')
  })

  test('200 with a wrong Content-Type: ERR_CONTENT_TYPE with the body; no reconnect', () => {
    jest.useFakeTimers()
    const { log, errors, calls } = connect({ reconnect: true })
    calls[0].headers(200, { 'Content-Type': 'application/json' })
    calls[0].chunk('data: not really\n\n')
    calls[0].success(200, new ArrayBuffer(0), { 'Content-Type': 'application/json' })
    jest.advanceTimersByTime(60000)
    expect(log).toEqual(['error:' + ERR_CONTENT_TYPE])
    expect(errors[0].data).toMatchObject({ statusCode: 200, body: 'data: not really\n\n' })
    expect(calls).toHaveLength(1)
  })

  test('a failed request: errCode is wx’s errno and errMsg is wx’s message', () => {
    const { log, errors, source, calls } = connect()
    calls[0].headers()
    calls[0].chunk('data: partial answer\n\n')
    calls[0].fail('request:fail network interrupted', 600003)
    expect(log).toEqual(['open:open', 'message:partial answer', 'error:600003'])
    expect(errors[0].errMsg).toBe('request:fail network interrupted')
    expect(source.readyState).toBe(source.CLOSED)
  })

  test('a failed request without errno gets ERR_NETWORK', () => {
    const { errors, calls } = connect()
    calls[0].fail('request:fail timeout')
    expect(errors.map((e) => [e.errCode, e.errMsg])).toEqual([[ERR_NETWORK, 'request:fail timeout']])
  })

  test('the server ends the stream: one errCode 200, CLOSED, the unfinished event discarded', () => {
    const { log, source, calls } = connect()
    calls[0].headers()
    calls[0].chunk('data: done\n\ndata: unfinished')
    calls[0].success()
    expect(log).toEqual(['open:open', 'message:done', 'error:' + ERR_END])
    expect(source.readyState).toBe(source.CLOSED)
  })

  test.each([
    ['no url', {}],
    ['an empty url', { url: '' }],
    ['a header that is a string', { header: 'x' }],
    ['a negative timeout', { timeout: -1 }],
    ['a request that is not a function', { request: 'wx' }],
    ['reconnect as a string', { reconnect: 'yes' }]
  ])('invalid options (%s): asynchronous ERR_INVALID_OPTIONS, no request', async (_name, bad) => {
    const fake = fakeRequest()
    const options = { url: 'http://127.0.0.1/', request: fake.request, ...bad } as any
    if (!('url' in bad) && _name === 'no url') delete options.url
    const source = connectEventSource(options)
    const errors: UniError[] = []
    source.onError((e) => errors.push(e)) // registered after the call: still receives it
    expect(errors).toHaveLength(0)
    await new Promise((r) => setTimeout(r, 5))
    expect(errors.map((e) => e.errCode)).toEqual([ERR_INVALID_OPTIONS])
    expect(errors[0].errMsg).toMatch(/^\[miniprogram-eventsource\] /)
    expect(source.readyState).toBe(source.CLOSED)
    expect(fake.calls).toHaveLength(0)
  })

  test('no request function anywhere: ERR_INVALID_OPTIONS; close() before it silences it', async () => {
    const a = connectEventSource({ url: 'http://127.0.0.1/' })
    const b = connectEventSource({ url: 'http://127.0.0.1/' })
    const got: string[] = []
    a.onError((e) => got.push('a' + e.errCode))
    b.onError((e) => got.push('b' + e.errCode))
    b.close()
    await new Promise((r) => setTimeout(r, 5))
    expect(got).toEqual(['a' + ERR_INVALID_OPTIONS])
  })

  test('a request function that throws: asynchronous ERR_INVALID_OPTIONS with the cause', async () => {
    const boom = new Error('boom')
    const source = connectEventSource({ url: 'http://127.0.0.1/', request: () => { throw boom } })
    const errors: UniError[] = []
    source.onError((e) => errors.push(e))
    await new Promise((r) => setTimeout(r, 5))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ errCode: ERR_INVALID_OPTIONS, cause: boom })
  })

  test('[extension] a line beyond maxBufferSize: ERR_BUFFER_OVERFLOW, request aborted, nothing more', () => {
    const { log, calls, source } = connect({ maxBufferSize: 1000 })
    calls[0].headers()
    calls[0].chunk('data: ok\n\ndata: ' + 'x'.repeat(600))
    calls[0].chunk('y'.repeat(600))
    calls[0].chunk('\n\ndata: after\n\n')
    expect(log).toEqual(['open:open', 'message:ok', 'error:' + ERR_BUFFER_OVERFLOW])
    expect(calls[0].aborted).toBe(true)
    expect(source.readyState).toBe(source.CLOSED)
  })

  test('[extension] an error body beyond maxBufferSize is reported at once, truncated, and aborted', () => {
    const { errors, calls } = connect({ maxBufferSize: 100 })
    calls[0].headers(500, { 'Content-Type': 'text/html' })
    calls[0].chunk('<html>' + 'x'.repeat(200))
    expect(errors.map((e) => e.errCode)).toEqual([500])
    expect(errors[0].data.body.length).toBeGreaterThan(100)
    expect(calls[0].aborted).toBe(true)
  })

  test('[extension] idleTimeout: nothing arrives, ERR_IDLE_TIMEOUT and the request is aborted', () => {
    jest.useFakeTimers()
    const { log, calls } = connect({ idleTimeout: 1000 })
    calls[0].headers()
    jest.advanceTimersByTime(600)
    calls[0].chunk(': keep-alive\n\n') // a comment is activity
    jest.advanceTimersByTime(900)
    expect(log).toEqual(['open:open'])
    jest.advanceTimersByTime(200)
    expect(log).toEqual(['open:open', 'error:' + ERR_IDLE_TIMEOUT])
    expect(calls[0].aborted).toBe(true)
  })
})

describe('close()', () => {
  test('is idempotent, aborts, and silences late chunks, success and fail: abort', () => {
    const { source, log, calls } = connect()
    calls[0].headers()
    calls[0].chunk('data: 1\n\n')
    source.close()
    source.close()
    expect(calls[0].aborted).toBe(true)
    expect(source.readyState).toBe(source.CLOSED)
    calls[0].chunk('data: late\n\n')
    calls[0].fail('request:fail abort')
    calls[0].success()
    expect(log).toEqual(['open:open', 'message:1'])
  })

  test('inside onMessage stops the remaining events of the same chunk', () => {
    const { source, log, calls } = connect()
    source.onMessage((ev) => ev.data === '2' && source.close())
    calls[0].headers()
    calls[0].chunk('data: 1\n\ndata: 2\n\ndata: 3\n\n')
    expect(log).toEqual(['open:open', 'message:1', 'message:2'])
  })

  test('inside onOpen: no message of a chunk that came before the headers', () => {
    const { source, log, calls } = connect()
    source.onOpen(() => source.close())
    calls[0].chunk('data: early\n\n')
    calls[0].headers()
    expect(log).toEqual(['open:open'])
  })
})

test('a throwing listener does not stop the stream or the other listeners; console.error reports it', () => {
  const spy = jest.spyOn(console, 'error').mockImplementation(() => {})
  const fake = fakeRequest()
  const source = connectEventSource({ url: 'http://127.0.0.1/', request: fake.request })
  sources.push(source)
  const seen: string[] = []
  const boom = new Error('listener bug')
  source.onMessage(() => {
    throw boom
  })
  source.onMessage((ev) => seen.push(ev.data))
  fake.calls[0].headers()
  fake.calls[0].chunk('data: a\n\ndata: b\n\n')
  expect(seen).toEqual(['a', 'b'])
  expect(spy).toHaveBeenCalledTimes(2)
  expect(spy.mock.calls[0]).toContain(boom)
})

describe('[extension] reconnect', () => {
  test('after a normal end: CONNECTING, errCode 200, a new request after 3000 ms with Last-Event-ID', () => {
    jest.useFakeTimers()
    const { source, log, calls } = connect({ reconnect: true })
    calls[0].headers()
    calls[0].chunk('id: 41\ndata: a\n\nid: 42\ndata: b\n\nid: 99\ndata: unfinished')
    calls[0].success()
    expect(log).toEqual(['open:open', 'message:a', 'message:b', 'error:200'])
    expect(source.readyState).toBe(source.CONNECTING)
    jest.advanceTimersByTime(2999)
    expect(calls).toHaveLength(1)
    jest.advanceTimersByTime(1)
    expect(calls).toHaveLength(2)
    // the id of an event that was never dispatched is not sent
    expect(calls[1].options.header['Last-Event-ID']).toBe('42')
    calls[1].headers()
    calls[1].chunk('data: c\n\n')
    expect(log.slice(4)).toEqual(['open:open', 'message:c'])
    expect(source.readyState).toBe(source.OPEN)
  })

  test('after a network failure, using the stream’s retry: delay', () => {
    jest.useFakeTimers()
    const { log, calls } = connect({ reconnect: true })
    calls[0].headers()
    calls[0].chunk('retry: 500\n\n')
    calls[0].fail('request:fail network interrupted', 600003)
    expect(log).toEqual(['open:open', 'error:600003'])
    jest.advanceTimersByTime(499)
    expect(calls).toHaveLength(1)
    jest.advanceTimersByTime(1)
    expect(calls).toHaveLength(2)
    expect(calls[1].options.header['Last-Event-ID']).toBeUndefined()
  })

  test('close() inside onError prevents it', () => {
    jest.useFakeTimers()
    const { source, calls } = connect({ reconnect: true })
    source.onError(() => source.close())
    calls[0].headers()
    calls[0].success()
    jest.advanceTimersByTime(10000)
    expect(calls).toHaveLength(1)
    expect(source.readyState).toBe(source.CLOSED)
  })

  test('maxRetries and backoff: delays grow, then it gives up CLOSED', () => {
    jest.useFakeTimers()
    const { source, errors, calls } = connect({ reconnect: { maxRetries: 2, backoff: 2 } })
    calls[0].fail('request:fail', 600001)
    jest.advanceTimersByTime(3000)
    expect(calls).toHaveLength(2)
    calls[1].fail('request:fail', 600001)
    jest.advanceTimersByTime(5999)
    expect(calls).toHaveLength(2)
    jest.advanceTimersByTime(1)
    expect(calls).toHaveLength(3)
    calls[2].fail('request:fail', 600001)
    expect(source.readyState).toBe(source.CLOSED)
    jest.advanceTimersByTime(60000)
    expect(calls).toHaveLength(3)
    expect(errors).toHaveLength(3)
  })

  test('without reconnect (the uni-app x default) nothing is retried', () => {
    jest.useFakeTimers()
    const { source, calls } = connect()
    calls[0].fail('request:fail', 600001)
    jest.advanceTimersByTime(60000)
    expect(calls).toHaveLength(1)
    expect(source.readyState).toBe(source.CLOSED)
  })
})

describe('install()', () => {
  afterEach(() => delete (globalThis as any).uni)

  test('adds connectEventSource to uni and to the target where missing, never replacing one', () => {
    const native = () => ({}) as UniEventSource
    ;(globalThis as any).uni = {}
    const target: any = {}
    const other: any = { connectEventSource: native }
    install(target)
    install(other)
    expect((globalThis as any).uni.connectEventSource).toBe(connectEventSource)
    expect(target.connectEventSource).toBe(connectEventSource)
    expect(other.connectEventSource).toBe(native)
  })
})
