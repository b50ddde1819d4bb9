/**
 * The event source against what users meet in the field (issues 7 and 8): late statuses,
 * request functions without a chunk API, Promise-shaped tasks, hosts that buffer the whole body,
 * misuse of the API and servers that try to make the phone reconnect in a loop. Driven through a
 * fake `wx.request` task whose callbacks the tests fire by hand.
 */
import {
  connectEventSource,
  install,
  ERR_BUFFER_OVERFLOW,
  ERR_CONTENT_TYPE,
  ERR_END,
  ERR_IDLE_TIMEOUT,
  ERR_INVALID_OPTIONS,
  ERR_NO_STREAM
} from '../src/index'
import type { ConnectEventSourceOptions, EventSourceMessage, RequestOptions, UniError, UniEventSource } from '../src/types'
import { fakeRequest, SSE_HEADER, toArrayBuffer } from './helpers/fake-request'

const sources: UniEventSource[] = []
afterEach(() => {
  for (const source of sources.splice(0)) source.close()
  // Mocks first: a spy on a faked setTimeout would otherwise put the fake back.
  jest.restoreAllMocks()
  jest.useRealTimers()
})

interface Recorded {
  source: UniEventSource
  log: string[]
  messages: EventSourceMessage[]
  errors: UniError[]
}

function record(source: UniEventSource): Recorded {
  sources.push(source)
  const r: Recorded = { source, log: [], messages: [], errors: [] }
  source.onOpen((ev) => r.log.push('open:' + ev.type))
  source.onMessage((ev) => {
    r.messages.push(ev)
    r.log.push('message:' + ev.data)
  })
  source.onError((err) => {
    r.errors.push(err)
    r.log.push('error:' + err.errCode)
  })
  return r
}

function connect(options: Partial<ConnectEventSourceOptions> = {}, task?: Parameters<typeof fakeRequest>[0]) {
  const fake = fakeRequest(task)
  const r = record(connectEventSource({ url: 'http://127.0.0.1/sse', request: fake.request, ...options }))
  return { ...r, calls: fake.calls }
}

/** Resolves once the event loop has run pending timers and promise jobs. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('a status learnt only at success (devtools: none in onHeadersReceived)', () => {
  test.each([401, 429, 500])('an event-stream response that ends with %i is that HTTP error, with the text, CLOSED, no reconnect', (status) => {
    jest.useFakeTimers()
    const { log, errors, source, calls } = connect({ reconnect: true })
    calls[0].headers(undefined, SSE_HEADER)
    const body = '{"error":{"message":"限流 rate limited","code":' + status + '}}'
    calls[0].chunk(body.slice(0, 11))
    calls[0].chunk(body.slice(11))
    calls[0].success(status, new ArrayBuffer(0), SSE_HEADER)
    expect(log).toEqual(['open:open', 'error:' + status])
    expect(errors[0].data).toEqual({ statusCode: status, header: SSE_HEADER, body })
    expect(source.readyState).toBe(source.CLOSED)
    jest.advanceTimersByTime(60000)
    expect(calls).toHaveLength(1)
  })

  test('the text kept for a late status is bounded by maxBufferSize, and events still stream', () => {
    const { messages, errors, calls } = connect({ maxBufferSize: 100 })
    calls[0].headers(undefined, SSE_HEADER)
    for (let i = 0; i < 20; i++) calls[0].chunk('data: ' + 'x'.repeat(20) + '\n\n')
    expect(messages).toHaveLength(20)
    calls[0].success(502, new ArrayBuffer(0), SSE_HEADER)
    expect(errors.map((e) => e.errCode)).toEqual([502])
    expect(errors[0].data.body.length).toBeLessThanOrEqual(100 + 28)
    expect(errors[0].data.body.startsWith('data: xxx')).toBe(true)
  })

  test('a late 200 is the normal end', () => {
    const { log, calls } = connect()
    calls[0].headers(undefined, SSE_HEADER)
    calls[0].chunk('data: a\n\n')
    calls[0].success(200)
    expect(log).toEqual(['open:open', 'message:a', 'error:' + ERR_END])
  })
})

describe('no silent empty answers', () => {
  test('a task without onChunkReceived whose success has no body: one ERR_NO_STREAM that says what to do', () => {
    jest.useFakeTimers()
    const { log, errors, source, calls } = connect({ reconnect: true }, { onChunkReceived: false })
    calls[0].headers()
    calls[0].success(200, new ArrayBuffer(0))
    expect(log).toEqual(['open:open', 'error:' + ERR_NO_STREAM])
    expect(errors[0].errMsg).toMatch(/^\[miniprogram-eventsource\] no chunk API and no body: pass wx\.request/)
    expect(source.readyState).toBe(source.CLOSED)
    jest.advanceTimersByTime(60000)
    expect(calls).toHaveLength(1)
  })

  test('a bare Promise (an async uni interceptor): ERR_NO_STREAM when success brings no body', async () => {
    let options: RequestOptions | undefined
    const r = record(
      connectEventSource({
        url: 'http://127.0.0.1/sse',
        request: (o) => {
          options = o
          return new Promise(() => {})
        }
      })
    )
    options!.success({ statusCode: 200, header: SSE_HEADER, data: '' })
    expect(r.log).toEqual(['error:' + ERR_NO_STREAM])
  })

  test('a bare Promise that resolves with the response, success never called: still ERR_NO_STREAM', async () => {
    const r = record(
      connectEventSource({
        url: 'http://127.0.0.1/sse',
        request: () => Promise.resolve({ statusCode: 200, header: SSE_HEADER, data: new ArrayBuffer(0) })
      })
    )
    await tick()
    expect(r.log).toEqual(['error:' + ERR_NO_STREAM])
  })

  test('a Promise that brings the whole body: every event, then the end marked as not streamed', async () => {
    let options: RequestOptions | undefined
    const r = record(
      connectEventSource({
        url: 'http://127.0.0.1/sse',
        request: (o) => {
          options = o
          return new Promise(() => {})
        }
      })
    )
    options!.success({ statusCode: 200, header: SSE_HEADER, data: toArrayBuffer('data: 你好\n\ndata: 🙂\n\n') })
    expect(r.log).toEqual(['open:open', 'message:你好', 'message:🙂', 'error:' + ERR_END])
    expect(r.errors[0].data).toEqual({ streamed: false })
  })

  test('a working chunk API with an empty body is a normal (empty) end, not ERR_NO_STREAM', () => {
    const { log, errors, calls } = connect()
    calls[0].headers()
    calls[0].success(200, new ArrayBuffer(0))
    expect(log).toEqual(['open:open', 'error:' + ERR_END])
    expect(errors[0].data).toEqual({ streamed: false })
  })

  test('a streamed answer ends with data.streamed true', () => {
    const { errors, calls } = connect()
    calls[0].headers()
    calls[0].chunk('data: a\n\n')
    calls[0].success(200)
    expect(errors[0].data).toEqual({ streamed: true })
  })
})

describe('Promise-shaped tasks (Taro.request: a Promise with the task methods copied on)', () => {
  /** A Taro-like request: a Promise rejecting on fail and on abort, with the task's methods on it. */
  function taroLike() {
    const fake = fakeRequest()
    const request = (options: RequestOptions) => {
      let resolve!: (v: unknown) => void
      let reject!: (e: unknown) => void
      const promise: any = new Promise((res, rej) => {
        resolve = res
        reject = rej
      })
      const task = fake.request({
        ...options,
        success: (res) => {
          options.success(res)
          resolve(res)
        },
        fail: (res) => {
          options.fail(res)
          reject(res)
        }
      })
      return Object.assign(promise, task, {
        abort: () => {
          task.abort()
          reject({ errMsg: 'request:fail abort' })
        }
      })
    }
    return { request, calls: fake.calls }
  }

  let unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  beforeEach(() => {
    unhandled = []
    process.on('unhandledRejection', onUnhandled)
  })
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled)
  })

  test('streams through the copied task methods', async () => {
    const taro = taroLike()
    const r = record(connectEventSource({ url: 'http://127.0.0.1/sse', request: taro.request }))
    taro.calls[0].headers()
    taro.calls[0].chunk('data: 流式\n\n')
    taro.calls[0].success()
    expect(r.log).toEqual(['open:open', 'message:流式', 'error:' + ERR_END])
    await tick()
    expect(unhandled).toEqual([])
  })

  test.each([
    ['close()', (r: Recorded) => r.source.close()],
    ['a network failure', (_r: Recorded, calls: ReturnType<typeof taroLike>['calls']) => calls[0].fail('request:fail network', 600003)],
    ['the idle timeout abort', () => jest.advanceTimersByTime(2000)]
  ])('%s leaves no unhandled rejection behind', async (_name, act) => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] })
    const taro = taroLike()
    const r = record(connectEventSource({ url: 'http://127.0.0.1/sse', request: taro.request, idleTimeout: 1000, timeout: 1000 }))
    taro.calls[0].headers()
    taro.calls[0].chunk('data: a\n\n')
    act(r, taro.calls)
    jest.useRealTimers()
    await tick()
    await tick()
    expect(unhandled).toEqual([])
    expect(r.log[1]).toBe('message:a')
  })

  test('a rejection alone (fail never called back) is reported once, as the failure', async () => {
    const r = record(connectEventSource({ url: 'http://127.0.0.1/sse', request: () => Promise.reject({ errMsg: 'request:fail timeout', errno: 5 }) }))
    await tick()
    expect(r.errors.map((e) => [e.errCode, e.errMsg])).toEqual([[5, 'request:fail timeout']])
    expect(unhandled).toEqual([])
  })
})

describe('hosts that buffer the whole body (PC WeChat, proxies): the idle rule', () => {
  test('before the first body piece the allowed silence is `timeout`: a 5-minute answer given whole still arrives', () => {
    jest.useFakeTimers()
    const { log, errors, calls } = connect({ idleTimeout: 120000, timeout: 600000 })
    calls[0].headers()
    jest.advanceTimersByTime(5 * 60000)
    expect(log).toEqual(['open:open'])
    calls[0].success(200, toArrayBuffer('data: 1\n\ndata: 2\n\n'))
    expect(log).toEqual(['open:open', 'message:1', 'message:2', 'error:' + ERR_END])
    expect(errors[0].data).toEqual({ streamed: false })
  })

  test('a connection that never says anything is reported at `timeout` (1004), and aborted', () => {
    jest.useFakeTimers()
    const { log, calls } = connect({ idleTimeout: 120000, timeout: 600000 })
    jest.advanceTimersByTime(599999)
    expect(log).toEqual([])
    jest.advanceTimersByTime(1)
    expect(log).toEqual(['error:' + ERR_IDLE_TIMEOUT])
    expect(calls[0].aborted).toBe(true)
  })

  test('after the first piece, idleTimeout (default 120 s) applies', () => {
    jest.useFakeTimers()
    const { log } = (() => {
      const c = connect()
      c.calls[0].headers()
      c.calls[0].chunk(': hi\n\n')
      return c
    })()
    jest.advanceTimersByTime(119999)
    expect(log).toEqual(['open:open'])
    jest.advanceTimersByTime(1)
    expect(log).toEqual(['open:open', 'error:' + ERR_IDLE_TIMEOUT])
  })
})

test('[extension] a silence is reported after 1 to 1.25 times idleTimeout, whatever the phase of the last chunk', () => {
  for (const last of [0, 1, 249, 250, 251, 300, 499, 999]) {
    jest.useFakeTimers()
    const { log, calls } = connect({ idleTimeout: 1000 })
    calls[0].headers()
    calls[0].chunk(': first\n\n')
    jest.advanceTimersByTime(last)
    if (last) calls[0].chunk(': last\n\n')
    jest.advanceTimersByTime(1000 - 1)
    expect(log).toEqual(['open:open'])
    jest.advanceTimersByTime(251)
    expect(log).toEqual(['open:open', 'error:' + ERR_IDLE_TIMEOUT])
    jest.useRealTimers()
  }
})

describe('nothing after close(), ever', () => {
  test('close() in onMessage, the rest of the same chunk over maxBufferSize: no onError', () => {
    const { source, log, calls } = connect({ maxBufferSize: 50 })
    source.onMessage(() => source.close())
    calls[0].headers()
    calls[0].chunk('data: first\n\ndata: ' + 'x'.repeat(200) + '\n\n')
    expect(log).toEqual(['open:open', 'message:first'])
  })

  test('close() in onOpen, chunks held from before the headers over maxBufferSize: no onError', () => {
    const { source, log, calls } = connect({ maxBufferSize: 50 })
    source.onOpen(() => source.close())
    calls[0].chunk('data: ' + 'y'.repeat(40))
    calls[0].headers()
    calls[0].chunk('y'.repeat(40) + '\n\n')
    calls[0].success()
    expect(log).toEqual(['open:open'])
  })

  test('close() during the reconnect wait: no new request, no callback', () => {
    jest.useFakeTimers()
    const { source, log, calls } = connect({ reconnect: true })
    calls[0].headers()
    calls[0].chunk('data: a\n\n')
    calls[0].success()
    source.close()
    jest.advanceTimersByTime(60000)
    expect(calls).toHaveLength(1)
    expect(log).toEqual(['open:open', 'message:a', 'error:200'])
  })
})

describe('timer values and invalid options', () => {
  test.each([
    ['timeout: NaN', { timeout: NaN }],
    ['idleTimeout: -1', { idleTimeout: -1 }],
    ['idleTimeout: NaN', { idleTimeout: NaN }],
    ['maxBufferSize: -1', { maxBufferSize: -1 }],
    ['maxBufferSize: NaN', { maxBufferSize: NaN }],
    ['reconnect.maxRetries: -1', { reconnect: { maxRetries: -1 } }],
    ['reconnect.backoff: 0', { reconnect: { backoff: 0 } }],
    ['reconnect.backoff: 0.5', { reconnect: { backoff: 0.5 } }],
    ['reconnect.maxDelay: NaN', { reconnect: { maxDelay: NaN } }],
    ['reconnect.maxDelay: -5', { reconnect: { maxDelay: -5 } }],
    ['transport: 1', { transport: 1 }]
  ])('%s: asynchronous ERR_INVALID_OPTIONS naming it, no request', async (name, bad) => {
    const fake = fakeRequest()
    const r = record(connectEventSource({ url: 'http://127.0.0.1/', request: fake.request, ...(bad as any) }))
    expect(r.log).toEqual([])
    await tick()
    expect(r.errors.map((e) => e.errCode)).toEqual([ERR_INVALID_OPTIONS])
    expect(r.errors[0].errMsg).toContain(name.split(/[.:]/)[0])
    expect(fake.calls).toHaveLength(0)
  })

  test('timeout: Infinity or above 2^31-1 is passed to the request clamped to 2^31-1', () => {
    for (const timeout of [Infinity, 2 ** 40]) {
      const { calls } = connect({ timeout })
      expect(calls[0].options.timeout).toBe(2147483647)
    }
  })

  test.each([Infinity, 0])('idleTimeout %p: off, no watchdog timer at all', (idleTimeout) => {
    jest.useFakeTimers()
    connect({ idleTimeout, timeout: 1000 })
    expect(jest.getTimerCount()).toBe(0)
  })

  test('idleTimeout above 2^31-1 is clamped: watchdog ticks of (2^31-1)/4 ms, no storm', () => {
    jest.useFakeTimers()
    const spy = jest.spyOn(global, 'setTimeout')
    const { calls, log } = connect({ idleTimeout: 2 ** 40, timeout: 2 ** 40 })
    calls[0].headers()
    calls[0].chunk('data: a\n\n')
    jest.advanceTimersByTime(10000)
    expect(spy.mock.calls.length).toBeLessThanOrEqual(3)
    for (const call of spy.mock.calls) expect(call[1]).toBe(2147483647 / 4)
    expect(log).toEqual(['open:open', 'message:a'])
  })

  test('reconnect.maxDelay: Infinity is clamped, the delay stays the reconnection time', () => {
    jest.useFakeTimers()
    const { calls } = connect({ reconnect: { maxDelay: Infinity } })
    calls[0].fail('request:fail', 600001)
    jest.advanceTimersByTime(2999)
    expect(calls).toHaveLength(1)
    jest.advanceTimersByTime(1)
    expect(calls).toHaveLength(2)
  })

  test('a listener that is not a function is reported by console.error; the others still run', () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => {})
    const { source, calls, log } = connect()
    source.onMessage('oops' as any)
    calls[0].headers()
    calls[0].chunk('data: a\n\n')
    expect(log).toEqual(['open:open', 'message:a'])
    expect(spy).toHaveBeenCalledTimes(1)
    expect(String(spy.mock.calls[0][0])).toContain('[miniprogram-eventsource]')
  })
})

describe('[extension] no reconnect storms', () => {
  test('a server that opens and ends at once: each attempt counts, maxRetries stops it with one final error', () => {
    jest.useFakeTimers()
    const { source, errors, calls } = connect({ reconnect: { maxRetries: 3 } })
    for (let i = 0; i < 4; i++) {
      expect(calls).toHaveLength(i + 1)
      calls[i].headers()
      calls[i].success()
      jest.advanceTimersByTime(3000)
    }
    jest.advanceTimersByTime(60000)
    expect(calls).toHaveLength(4)
    expect(errors.map((e) => e.errCode)).toEqual([200, 200, 200, 200])
    expect(source.readyState).toBe(source.CLOSED)
  })

  test('retry: 0 cannot go below the 500 ms floor', () => {
    jest.useFakeTimers()
    const { calls } = connect({ reconnect: true })
    calls[0].headers()
    calls[0].chunk('retry: 0\ndata: a\n\n')
    calls[0].success()
    jest.advanceTimersByTime(499)
    expect(calls).toHaveLength(1)
    jest.advanceTimersByTime(1)
    expect(calls).toHaveLength(2)
  })

  test('maxDelay below the floor is raised to it', () => {
    jest.useFakeTimers()
    const { calls } = connect({ reconnect: { maxDelay: 0 } })
    calls[0].fail('request:fail', 600001)
    jest.advanceTimersByTime(499)
    expect(calls).toHaveLength(1)
    jest.advanceTimersByTime(1)
    expect(calls).toHaveLength(2)
  })

  test('maxRetries counts consecutive failures: a connection that delivered an event resets the count', () => {
    jest.useFakeTimers()
    const { source, calls } = connect({ reconnect: { maxRetries: 1 } })
    calls[0].fail('request:fail', 600001) // attempt 1
    jest.advanceTimersByTime(3000)
    calls[1].headers()
    calls[1].chunk('data: a\n\n')
    calls[1].fail('request:fail', 600001) // it delivered: the count starts again, one reconnection
    jest.advanceTimersByTime(3000)
    expect(calls).toHaveLength(3)
    calls[2].fail('request:fail', 600001) // a second reconnection in a row without an event: spent
    jest.advanceTimersByTime(60000)
    expect(calls).toHaveLength(3)
    expect(source.readyState).toBe(source.CLOSED)
  })
})

describe('response checks at the edges', () => {
  test('201 with text/event-stream is an HTTP error (only 200 opens, WHATWG §9.2.3)', () => {
    const { log, errors, calls } = connect()
    calls[0].headers(201, SSE_HEADER)
    calls[0].chunk('data: a\n\n')
    calls[0].success(201)
    expect(log).toEqual(['error:201'])
    expect(errors[0].data.body).toBe('data: a\n\n')
  })

  test('text/event-streams is not text/event-stream: ERR_CONTENT_TYPE', () => {
    const { log, calls } = connect()
    calls[0].headers(200, { 'Content-Type': 'text/event-streams' })
    calls[0].success(200)
    expect(log).toEqual(['error:' + ERR_CONTENT_TYPE])
  })

  test('event data of exactly maxBufferSize is dispatched; one more code unit overflows', () => {
    const exact = connect({ maxBufferSize: 100 })
    exact.calls[0].headers()
    exact.calls[0].chunk('data:' + 'x'.repeat(100) + '\n\n')
    expect(exact.messages.map((m) => m.data.length)).toEqual([100])
    const over = connect({ maxBufferSize: 100 })
    over.calls[0].headers()
    over.calls[0].chunk('data:' + 'x'.repeat(101) + '\n\n')
    expect(over.log).toEqual(['open:open', 'error:' + ERR_BUFFER_OVERFLOW])
  })
})

describe('install() and uni.request', () => {
  afterEach(() => delete (globalThis as any).uni)

  test('uni.connectEventSource uses uni.request (so its interceptors apply), looked up at each connection', () => {
    const first = fakeRequest()
    ;(globalThis as any).uni = { request: first.request }
    install()
    const uni = (globalThis as any).uni
    const r = record(uni.connectEventSource({ url: 'http://127.0.0.1/a' }))
    expect(first.calls).toHaveLength(1)
    // An interceptor installed later wraps uni.request: the next connection goes through it.
    const second = fakeRequest()
    uni.request = second.request
    record(uni.connectEventSource({ url: 'http://127.0.0.1/b' }))
    expect(second.calls).toHaveLength(1)
    first.calls[0].headers()
    first.calls[0].chunk('data: via uni\n\n')
    expect(r.log).toEqual(['open:open', 'message:via uni'])
  })

  test('an async uni interceptor (a Promise resolving with the real task, as uni invokeApi does): the task is adopted and streams', async () => {
    const fake = fakeRequest()
    ;(globalThis as any).uni = { request: (o: RequestOptions) => Promise.resolve(o).then((options) => fake.request(options)) }
    install()
    const r = record((globalThis as any).uni.connectEventSource({ url: 'http://127.0.0.1/a' }))
    await tick()
    fake.calls[0].headers()
    fake.calls[0].chunk('data: 经过拦截器\n\n')
    fake.calls[0].success()
    expect(r.log).toEqual(['open:open', 'message:经过拦截器', 'error:' + ERR_END])
  })

  test('close() before such a Promise resolves: the real task is aborted once adopted, nothing is heard', async () => {
    const fake = fakeRequest()
    ;(globalThis as any).uni = { request: (o: RequestOptions) => Promise.resolve(o).then((options) => fake.request(options)) }
    install()
    const r = record((globalThis as any).uni.connectEventSource({ url: 'http://127.0.0.1/a' }))
    r.source.close()
    await tick()
    expect(fake.calls).toHaveLength(1)
    expect(fake.calls[0].aborted).toBe(true)
    fake.calls[0].headers()
    fake.calls[0].chunk('data: late\n\n')
    expect(r.log).toEqual([])
  })

  test('an async uni interceptor whose Promise resolves with nothing usable: ERR_NO_STREAM, not silence', () => {
    let options: RequestOptions | undefined
    ;(globalThis as any).uni = {
      request: (o: RequestOptions) => {
        options = o
        return Promise.resolve(undefined)
      }
    }
    install()
    const r = record((globalThis as any).uni.connectEventSource({ url: 'http://127.0.0.1/a' }))
    options!.success({ statusCode: 200, header: SSE_HEADER, data: new ArrayBuffer(0) })
    expect(r.log).toEqual(['error:' + ERR_NO_STREAM])
  })

  test('an explicit request option wins over uni.request', () => {
    const viaUni = fakeRequest()
    const viaWx = fakeRequest()
    ;(globalThis as any).uni = { request: viaUni.request }
    install()
    record((globalThis as any).uni.connectEventSource({ url: 'http://127.0.0.1/a', request: viaWx.request }))
    expect([viaUni.calls.length, viaWx.calls.length]).toEqual([0, 1])
  })
})
