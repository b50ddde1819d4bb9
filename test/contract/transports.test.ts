/**
 * Each transport on its own, against a recording sink: what it sends the host, and what it
 * reports through the seam (src/transport.ts) in which order. The contract suite
 * (contract.test.ts) then runs every host through connectEventSource.
 */
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { ttTransport, serializeTtMessage } from '../../src/transports/tt'
import { fetchTransport } from '../../src/transports/fetch'
import { myRequest } from '../../src/transports/my'
import { createParser } from '../../src/parser'
import type { EventSourceMessage } from '../../src/types'
import { recordingSink, transportRequest } from './recording-sink'
import { waitFor } from '../helpers/wait-for'

describe('tt transport (Douyin tt.createEventSource)', () => {
  function fakeTask() {
    const l: Record<string, (res?: any) => void> = {}
    const task = {
      closed: 0,
      onOpen: (cb: any) => void (l.open = cb),
      onMessage: (cb: any) => void (l.message = cb),
      onError: (cb: any) => void (l.error = cb),
      onClose: (cb: any) => void (l.close = cb),
      close() {
        task.closed++
      }
    }
    return { task, fire: (type: string, res?: any) => l[type](res) }
  }

  test('passes url, method, header, data and the timeout; open → head(200, text/event-stream) once', () => {
    const { task, fire } = fakeTask()
    const create = jest.fn(() => task)
    const rec = recordingSink()
    ttTransport(create)(transportRequest({ method: 'POST', data: { q: 1 }, timeout: 1234, header: { Accept: 'text/event-stream', 'Last-Event-ID': '7' } }), rec.sink)
    expect(create).toHaveBeenCalledWith(
      { url: 'https://example.invalid/sse', method: 'POST', header: { Accept: 'text/event-stream', 'Last-Event-ID': '7' }, data: { q: 1 } },
      1234
    )
    expect(rec.calls).toEqual([])
    fire('open')
    fire('open') // only its own reconnection could open again
    expect(rec.calls).toEqual([{ kind: 'head', statusCode: 200, header: { 'content-type': 'text/event-stream' } }])
  })

  test('each message goes to the sink as the SSE text of one event', () => {
    const { task, fire } = fakeTask()
    const rec = recordingSink()
    ttTransport(() => task)(transportRequest(), rec.sink)
    fire('open')
    fire('message', { data: 'a\nb', event: 'delta', lastEventId: '7' })
    fire('message', { data: '' })
    expect(rec.calls.slice(1)).toEqual([
      { kind: 'body', data: 'event: delta\nid: 7\ndata: a\ndata: b\n\n', binary: 'string' },
      { kind: 'body', data: 'data: \n\n', binary: 'string' }
    ])
  })

  test.each([
    [{ data: 'x' }, { type: 'message', data: 'x', lastEventId: '' }],
    [{ data: ' leading space', event: 'message' }, { type: 'message', data: ' leading space', lastEventId: '' }],
    [{ data: 'a\r\nb\rc\nd', event: 'e' }, { type: 'e', data: 'a\nb\nc\nd', lastEventId: '' }],
    [{ data: 'x', event: 'bad\nevent', lastEventId: 'i\rd' }, { type: 'badevent', data: 'x', lastEventId: 'id' }],
    [{ data: 'data: not a field\n\nid: 9' }, { type: 'message', data: 'data: not a field\n\nid: 9', lastEventId: '' }],
    [{ data: { json: true } }, { type: 'message', data: '{"json":true}', lastEventId: '' }]
  ])('serializeTtMessage(%j) parses back to exactly that event', (message, expected) => {
    const events: EventSourceMessage[] = []
    createParser({ onEvent: (e) => events.push(e) }).feed(serializeTtMessage(message as any))
    expect(events).toEqual([expected])
  })

  test('a message before onOpen opens the stream first (nothing is lost)', () => {
    const { task, fire } = fakeTask()
    const rec = recordingSink()
    ttTransport(() => task)(transportRequest(), rec.sink)
    fire('message', { data: 'x' })
    fire('open')
    expect(rec.kinds()).toEqual(['head', 'body'])
    expect(rec.bodyText()).toBe('data: x\n\n')
  })

  test('onError: the task is closed at once (its own reconnect never starts), then fail(600000, retry)', () => {
    const { task, fire } = fakeTask()
    const rec = recordingSink()
    const order: string[] = []
    task.close = () => void order.push('close')
    const sink = { ...rec.sink, fail: (e: any, r: boolean) => (order.push('fail'), rec.sink.fail(e, r)) }
    ttTransport(() => task)(transportRequest(), sink)
    fire('open')
    fire('error', { errMsg: 'createEventSource:fail timeout' })
    fire('message', { data: 'late' })
    fire('error', { errMsg: 'again' })
    fire('close')
    expect(order).toEqual(['close', 'fail'])
    const fail = rec.calls[1] as any
    expect(rec.kinds()).toEqual(['head', 'fail'])
    expect([fail.error.errCode, fail.error.errMsg, fail.retry]).toEqual([600000, 'createEventSource:fail timeout', true])
  })

  test('onClose after open is the end of the stream; before open a failure', () => {
    for (const opened of [true, false]) {
      const { task, fire } = fakeTask()
      const rec = recordingSink()
      ttTransport(() => task)(transportRequest(), rec.sink)
      if (opened) fire('open')
      fire('close')
      expect(rec.kinds()).toEqual(opened ? ['head', 'end'] : ['fail'])
    }
  })

  test('abort() closes the task; nothing is reported afterwards', () => {
    const { task, fire } = fakeTask()
    const rec = recordingSink()
    const connection = ttTransport(() => task)(transportRequest(), rec.sink)
    fire('open')
    connection.abort()
    fire('message', { data: 'x' })
    fire('error', { errMsg: 'x' })
    fire('close')
    expect(task.closed).toBe(1)
    expect(rec.kinds()).toEqual(['head'])
  })

  test('without tt.createEventSource it throws (the event source reports 1002)', () => {
    expect(() => ttTransport()(transportRequest(), recordingSink().sink)).toThrow(/tt\.createEventSource/)
  })
})

describe('fetch transport (Node fetch, local server)', () => {
  let server: http.Server
  let origin: string
  const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = []
  const pending = new Set<http.ServerResponse>()
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body })
        if (req.url!.startsWith('/stream')) {
          res.writeHead(200, { 'Content-Type': 'text/event-stream', 'X-Test': 'yes' })
          res.write('data: 你')
          setTimeout(() => res.end('好\n\n'), 20)
        } else if (req.url!.startsWith('/stall')) {
          res.writeHead(200, { 'Content-Type': 'text/event-stream' })
          res.write(': hi\n\n')
          pending.add(res)
          res.on('close', () => pending.delete(res))
        } else {
          res.writeHead(401, { 'Content-Type': 'application/json' })
          res.end('{"error":"no"}')
        }
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    for (const res of pending) res.destroy()
    await new Promise((resolve) => server.close(resolve))
  })

  test('GET: head with status and lower-case headers, body as Uint8Array pieces, end', async () => {
    const rec = recordingSink()
    fetchTransport()(transportRequest({ url: origin + '/stream', data: { a: '1 2', b: 'é' } }), rec.sink)
    expect(rec.calls).toEqual([])
    await waitFor(rec.finished, 'end')
    expect(rec.kinds()[0]).toBe('head')
    expect(rec.kinds()[rec.calls.length - 1]).toBe('end')
    expect(rec.calls.filter((c) => c.kind === 'body').every((c) => (c as any).binary === 'Uint8Array')).toBe(true)
    expect(rec.bodyText()).toBe('data: 你好\n\n')
    const head = rec.calls[0] as any
    expect([head.statusCode, head.header['content-type'], head.header['x-test']]).toEqual([200, 'text/event-stream', 'yes'])
    // GET data becomes the query string, as wx.request sends it
    expect(seen[seen.length - 1].url).toBe('/stream?a=1%202&b=%C3%A9')
  })

  test('POST: method, headers and an object body sent as JSON', async () => {
    const rec = recordingSink()
    fetchTransport()(
      transportRequest({ url: origin + '/stream', method: 'POST', header: { Accept: 'text/event-stream', Authorization: 'Bearer k', 'Last-Event-ID': '3' }, data: { prompt: '你好' } }),
      rec.sink
    )
    await waitFor(rec.finished, 'end')
    const req = seen[seen.length - 1]
    expect([req.method, req.body, req.headers['content-type'], req.headers.authorization, req.headers['last-event-id'], req.headers.accept]).toEqual([
      'POST',
      '{"prompt":"你好"}',
      'application/json',
      'Bearer k',
      '3',
      'text/event-stream'
    ])
  })

  test('a string body is sent as it is, with the given content type', async () => {
    const rec = recordingSink()
    fetchTransport()(transportRequest({ url: origin + '/stream', method: 'POST', header: { 'content-type': 'text/plain' }, data: 'raw' }), rec.sink)
    await waitFor(rec.finished, 'end')
    const req = seen[seen.length - 1]
    expect([req.body, req.headers['content-type']]).toEqual(['raw', 'text/plain'])
  })

  test('an HTTP error: head with its status, then its body', async () => {
    const rec = recordingSink()
    fetchTransport()(transportRequest({ url: origin + '/denied' }), rec.sink)
    await waitFor(rec.finished, 'end')
    expect((rec.calls[0] as any).statusCode).toBe(401)
    expect(rec.bodyText()).toBe('{"error":"no"}')
  })

  test('abort() stops the request: the server sees the connection close, the sink hears nothing more', async () => {
    const rec = recordingSink()
    const connection = fetchTransport()(transportRequest({ url: origin + '/stall' }), rec.sink)
    await waitFor(() => rec.bodyText() === ': hi\n\n', 'first piece')
    const before = rec.calls.length
    expect(pending.size).toBe(1)
    connection.abort()
    await waitFor(() => pending.size === 0, 'server to see the close')
    expect(rec.calls.length).toBe(before)
  })

  test('timeout: fail(600000 request:fail timeout, retry) and the request is aborted', async () => {
    const rec = recordingSink()
    fetchTransport()(transportRequest({ url: origin + '/stall', timeout: 50 }), rec.sink)
    await waitFor(rec.finished, 'timeout')
    const fail = rec.calls[rec.calls.length - 1] as any
    expect([fail.kind, fail.error.errCode, fail.error.errMsg, fail.retry]).toEqual(['fail', 600000, 'request:fail timeout', true])
    await waitFor(() => pending.size === 0, 'server to see the close')
  })

  test('a refused connection: fail(600000, retry)', async () => {
    const rec = recordingSink()
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    fetchTransport()(transportRequest({ url: `http://127.0.0.1:${port}/` }), rec.sink)
    await waitFor(rec.finished, 'failure')
    expect(rec.kinds()).toEqual(['fail'])
    expect([(rec.calls[0] as any).error.errCode, (rec.calls[0] as any).retry]).toEqual([600000, true])
  })

  test('without AbortController, abort() still stops reading (the reader is cancelled)', async () => {
    const g = globalThis as any
    const saved = g.AbortController
    delete g.AbortController
    try {
      const rec = recordingSink()
      const connection = fetchTransport()(transportRequest({ url: origin + '/stall' }), rec.sink)
      await waitFor(() => rec.bodyText() === ': hi\n\n', 'first piece')
      connection.abort()
      await waitFor(() => pending.size === 0, 'server to see the close')
      expect(rec.kinds()).toEqual(['head', 'body'])
    } finally {
      g.AbortController = saved
    }
  })

  test('a fetch without response streams: the whole body in end()', async () => {
    const rec = recordingSink()
    const noStreams = (url: string, init: any) =>
      (globalThis as any).fetch(url, init).then((res: any) => ({ status: res.status, headers: res.headers, body: null, arrayBuffer: () => res.arrayBuffer() }))
    fetchTransport(noStreams)(transportRequest({ url: origin + '/stream' }), rec.sink)
    await waitFor(rec.finished, 'end')
    expect(rec.kinds()).toEqual(['head', 'end'])
    expect((rec.calls[1] as any).data).toBe('data: 你好\n\n')
  })
})

describe('my.request adapter (Alipay / DingTalk)', () => {
  function call(response: (opts: any) => void, request?: any) {
    const seen: any[] = []
    const myFn = jest.fn((opts: any) => {
      seen.push(opts)
      response(opts)
      return { abort: jest.fn() }
    })
    const result: any = {}
    const task = myRequest(request || myFn)({
      url: 'https://x.invalid/sse',
      method: 'POST',
      header: { Accept: 'text/event-stream' },
      data: { q: 1 },
      timeout: 600000,
      responseType: 'arraybuffer',
      enableChunked: true,
      success: (res) => (result.success = res),
      fail: (res) => (result.fail = res)
    })
    return { seen, result, task, myFn }
  }

  test('passes `headers` and dataType arraybuffer; maps status/headers to statusCode/header', () => {
    const { seen, result, task } = call((o) => o.success({ status: 200, headers: { 'Content-Type': 'text/event-stream' }, data: 'data: x\n\n' }))
    expect(seen[0]).toMatchObject({ url: 'https://x.invalid/sse', method: 'POST', headers: { Accept: 'text/event-stream' }, data: { q: 1 }, timeout: 600000, dataType: 'arraybuffer' })
    expect('header' in seen[0]).toBe(false)
    expect(result.success).toEqual({ statusCode: 200, header: { 'Content-Type': 'text/event-stream' }, data: 'data: x\n\n' })
    // no chunk API: the request transport will take the whole body from success
    expect(Object.keys(task as object)).toEqual(['abort'])
  })

  test('error 19 (a non-2xx status) is delivered as a response with that status, headers and body', () => {
    const { result } = call((o) => o.fail({ error: 19, errorMessage: 'http status error', status: 401, headers: { 'content-type': 'application/json' }, data: '{"e":1}' }))
    expect(result.fail).toBeUndefined()
    expect(result.success).toEqual({ statusCode: 401, header: { 'content-type': 'application/json' }, data: '{"e":1}' })
  })

  test('other failures: a wx-style {errMsg} without errno (errCode 600000), Alipay error kept', () => {
    const { result } = call((o) => o.fail({ error: 13, errorMessage: '超时' }))
    expect(result.fail).toEqual({ errMsg: 'request:fail 超时 (my.request error 13)', error: 13, errorMessage: '超时' })
    expect(result.fail.errno).toBeUndefined()
  })

  test('abort() aborts the my.request task', () => {
    const aborts: jest.Mock[] = []
    const task = myRequest((() => {
      const t = { abort: jest.fn() }
      aborts.push(t.abort)
      return t
    }) as any)({ url: 'u', method: 'GET', header: {}, timeout: 1, responseType: 'arraybuffer', enableChunked: true, success() {}, fail() {} })
    ;(task as { abort(): void }).abort()
    expect(aborts[0]).toHaveBeenCalledTimes(1)
  })

  test('global lookup: my.request (called on my), else my.httpRequest with dataType text (DingTalk)', () => {
    const g = globalThis as any
    try {
      const hosts: any[] = []
      g.my = { request(this: any, o: any) { hosts.push([this, o.dataType]) } }
      const alipay = g.my
      myRequest()({ url: 'u', method: 'GET', header: {}, timeout: 1, responseType: 'arraybuffer', enableChunked: true, success() {}, fail() {} })
      g.my = { httpRequest(this: any, o: any) { hosts.push([this, o.dataType]) } }
      const dingtalk = g.my
      myRequest()({ url: 'u', method: 'GET', header: {}, timeout: 1, responseType: 'arraybuffer', enableChunked: true, success() {}, fail() {} })
      expect(hosts).toEqual([[alipay, 'arraybuffer'], [dingtalk, 'text']])
    } finally {
      delete g.my
    }
  })
})
