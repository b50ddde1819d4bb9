/**
 * The contract suite: the same UniEventSource contract (uni-app x's connectEventSource: onOpen,
 * onMessage, onError, close) on every host, each host a fake of its documented API (see hosts/),
 * fetch a real local server. Every host is reached through the universal entry's feature
 * detection (the host's global is set, nothing is passed), WeChat also through the core entry.
 *
 * Where a host cannot do what the contract asks, the test states the documented outcome instead:
 *  - `streams: false` (Alipay, DingTalk): events arrive when the whole body has, errCode 200 says
 *    `data.streamed === false`;
 *  - `native` (Douyin's own event source): no status, no Content-Type: those failures arrive as
 *    errCode 600000 with the task's errMsg; comments (keep-alives) never reach us.
 */
import type { ConnectEventSourceOptions, UniError, UniEventSource } from '../../src/types'
import type { Host } from './hosts/types'
import { chunkedRequestHost } from './hosts/chunked-request'
import { ttHost } from './hosts/tt'
import { myHost } from './hosts/my'
import { fetchHost } from './hosts/fetch'
import { waitFor, settle } from '../helpers/wait-for'

const SSE = { 'Content-Type': 'text/event-stream; charset=utf-8' }

const HOSTS: Array<[string, () => Host | Promise<Host>]> = [
  ['wx.request (WeChat)', () => chunkedRequestHost('wx')],
  ['wx.request through the core entry', () => chunkedRequestHost('wx', { entry: 'core' })],
  ['qq.request (QQ)', () => chunkedRequestHost('qq')],
  ['swan.request (Baidu, string chunks)', () => chunkedRequestHost('swan', { stringChunks: true })],
  ['has.request (HarmonyOS atomic services)', () => chunkedRequestHost('has')],
  ['tt.createEventSource (Douyin), end reported as onError', () => ttHost({ endAs: 'error' })],
  ['tt.createEventSource (Douyin), end reported as onClose', () => ttHost({ endAs: 'close' })],
  ['my.request (Alipay)', () => myHost()],
  ['my.httpRequest (DingTalk)', () => myHost({ httpRequest: true })],
  ['fetch (Node, local server)', () => fetchHost()]
]

interface Log {
  opens: number
  messages: Array<{ type: string; data: string; lastEventId: string }>
  errors: UniError[]
}

function record(source: UniEventSource): Log {
  const log: Log = { opens: 0, messages: [], errors: [] }
  source.onOpen(() => log.opens++)
  source.onMessage((e) => log.messages.push({ type: e.type, data: e.data, lastEventId: e.lastEventId }))
  source.onError((e) => log.errors.push(e))
  return log
}

const m = (data: string, type = 'message', lastEventId = '') => ({ type, data, lastEventId })

describe.each(HOSTS)('%s', (_name, make) => {
  let host: Host
  const sources: UniEventSource[] = []

  beforeEach(async () => {
    host = await make()
  })
  afterEach(async () => {
    for (const s of sources.splice(0)) s.close()
    await host.dispose()
  })

  function open(options: Partial<ConnectEventSourceOptions> = {}): { source: UniEventSource; log: Log } {
    const source = host.connect({ url: host.origin + '/sse', idleTimeout: 0, ...options } as ConnectEventSourceOptions)
    sources.push(source)
    return { source, log: record(source) }
  }

  /** The normal end of a good stream, as this host reports it. */
  const endCode = () => host.normalEnd

  test('open: one request with Accept: text/event-stream, onOpen once, readyState OPEN', async () => {
    const { source, log } = open()
    expect(source.readyState).toBe(0)
    const req = await host.nextRequest()
    expect([req.method, req.header.accept, req.header['last-event-id']]).toEqual(['GET', 'text/event-stream', undefined])
    req.respond(200, SSE)
    req.write('data: x\n\n')
    if (host.streams) {
      await waitFor(() => log.opens === 1, 'onOpen')
      expect(source.readyState).toBe(1)
    }
    req.end()
    await waitFor(() => log.errors.length === 1, 'the end')
    expect(log.opens).toBe(1)
    expect(log.messages).toEqual([m('x')])
    expect(source.readyState).toBe(2)
  })

  test('POST with headers and a JSON body', async () => {
    open({ method: 'post', header: { Authorization: 'Bearer k', 'X-Trace': '1' }, data: { prompt: '你好', stream: true } })
    const req = await host.nextRequest()
    expect([req.method, req.header.authorization, req.header['x-trace'], req.header.accept]).toEqual(['POST', 'Bearer k', '1', 'text/event-stream'])
    expect(JSON.parse(req.body!)).toEqual({ prompt: '你好', stream: true })
  })

  test('messages split anywhere across writes arrive whole, in order (while streaming where the host streams)', async () => {
    const { log } = open()
    const req = await host.nextRequest()
    req.respond(200, SSE)
    req.write('data: hel')
    req.write('lo 世界\n\ndata: a\n')
    if (host.streams) await waitFor(() => log.messages.length === 1, 'the first event before the end')
    req.write('data: b\n\n: a comment\n\n')
    req.end()
    await waitFor(() => log.errors.length === 1, 'the end')
    expect(log.messages).toEqual([m('hello 世界'), m('a\nb')])
  })

  test('named events and ids: type and lastEventId as the web EventSource gives them', async () => {
    const { log } = open()
    const req = await host.nextRequest()
    req.respond(200, SSE)
    req.write('event: delta\nid: 1\ndata: x\n\n')
    req.write('data: y\n\n')
    req.write('event: done\nid: 2\ndata: z\n\n')
    req.end()
    await waitFor(() => log.errors.length === 1, 'the end')
    expect(log.messages).toEqual([m('x', 'delta', '1'), m('y', 'message', '1'), m('z', 'done', '2')])
  })

  test('the normal end: onError once, readyState CLOSED, no reconnection without `reconnect`', async () => {
    const { source, log } = open()
    const req = await host.nextRequest()
    req.respond(200, SSE)
    req.write('data: x\n\n')
    req.end()
    await waitFor(() => log.errors.length === 1, 'the end')
    expect(log.errors[0].errCode).toBe(endCode())
    expect(log.errors[0].errSubject).toBe('uni-connectEventSource')
    expect(source.readyState).toBe(2)
    if (endCode() === 200) expect(log.errors[0].data && log.errors[0].data.streamed).toBe(host.streams)
    expect(host.requests.length).toBe(1)
    expect(host.ownReconnects).toBe(0)
  })

  test('Last-Event-ID on OUR reconnection, and the host never reconnects by itself', async () => {
    const { log } = open({ reconnect: { maxRetries: 1, maxDelay: 0 } })
    const first = await host.nextRequest()
    first.respond(200, SSE)
    first.write('id: 42\ndata: x\n\n')
    first.end()
    await waitFor(() => log.errors.length === 1, 'the end')
    const tt = host as any
    if (tt.pendingReconnects !== undefined) {
      // Douyin's task was closed in its onError: its own reconnection was never scheduled.
      expect(tt.pendingReconnects).toBe(0)
      expect(tt.tasks[0].closed).toBe(true)
    }
    const second = await host.nextRequest()
    expect(second.header['last-event-id']).toBe('42')
    expect([second.method, first.header['last-event-id']]).toEqual(['GET', undefined])
    second.respond(200, SSE)
    second.write('data: y\n\n')
    if (!host.streams) second.end()
    await waitFor(() => log.messages.length === 2 || log.errors.length > 1, 'the second event')
    expect(log.messages).toEqual([m('x', 'message', '42'), m('y', 'message', '42')])
    expect(log.opens).toBe(2)
    expect(host.ownReconnects).toBe(0)
    expect(host.requests.length).toBe(2)
  })

  test('errCode = the HTTP status, with the body (Douyin: 600000, its task gives no status)', async () => {
    const { log } = open({ reconnect: true })
    const req = await host.nextRequest()
    const body = JSON.stringify({ error: { message: 'Invalid API key', code: 'invalid_api_key' } })
    req.respond(401, { 'Content-Type': 'application/json' })
    req.write(body)
    req.end()
    await waitFor(() => log.errors.length === 1, 'the error')
    if (!host.native) {
      expect(log.errors[0].errCode).toBe(401)
      expect([log.errors[0].data.statusCode, log.errors[0].data.body]).toEqual([401, body])
    } else expect(log.errors[0].errCode).toBe(600000)
    expect(log.opens).toBe(0)
    if (!host.native) {
      // WHATWG "fail the connection": an HTTP error is never retried, even with `reconnect`.
      await settle(50)
      expect(host.requests.length).toBe(1)
    }
  })

  test('errCode 1001: 200 with another Content-Type (Douyin: 600000)', async () => {
    const { log } = open()
    const req = await host.nextRequest()
    req.respond(200, { 'Content-Type': 'text/html' })
    req.write('<p>login</p>')
    req.end()
    await waitFor(() => log.errors.length === 1, 'the error')
    expect(log.errors[0].errCode).toBe(host.native ? 600000 : 1001)
    if (!host.native) expect(log.errors[0].data.body).toBe('<p>login</p>')
    expect(log.opens).toBe(0)
  })

  test('errCode 1002: invalid options, no request made, reported asynchronously', async () => {
    const { log } = open({ url: '' })
    expect(log.errors).toEqual([])
    await waitFor(() => log.errors.length === 1, 'the error')
    expect(log.errors[0].errCode).toBe(1002)
    expect(host.requests.length).toBe(0)
  })

  test('errCode 1003: a line longer than maxBufferSize; the request is stopped', async () => {
    const { log } = open({ maxBufferSize: 64 })
    const req = await host.nextRequest()
    req.respond(200, SSE)
    // A native event source (Douyin) hands over whole events only: make it a whole one there.
    req.write('data: ' + 'x'.repeat(100) + (host.native ? '\n\n' : ''))
    if (!host.streams) req.end()
    await waitFor(() => log.errors.length === 1, 'the error')
    expect(log.errors[0].errCode).toBe(1003)
    if (host.streams) await waitFor(() => req.aborted, 'the request to be stopped')
  })

  test('errCode 1004: silence for idleTimeout ms after the stream began; the request is stopped', async () => {
    // Before the first piece the watchdog allows the longer of idleTimeout and timeout; where
    // nothing streams there is no first piece: there `timeout` is made short too.
    const { log } = open(host.streams ? { idleTimeout: 80 } : { idleTimeout: 80, timeout: 100 })
    const req = await host.nextRequest()
    req.respond(200, SSE)
    // (a native event source keeps comments to itself: there only an event is seen)
    if (host.streams) req.write(host.native ? 'data: x\n\n' : ': keep-alive\n\n')
    await waitFor(() => log.errors.length === 1, 'the idle timeout')
    expect(log.errors[0].errCode).toBe(1004)
    await waitFor(() => req.aborted, 'the request to be stopped')
  })

  test('errCode 600000: a network failure', async () => {
    const { source, log } = open()
    const req = await host.nextRequest()
    req.respond(200, SSE)
    req.write('data: x\n\n')
    if (host.streams) await waitFor(() => log.messages.length === 1, 'the event')
    req.fail()
    await waitFor(() => log.errors.length === 1, 'the failure')
    expect(log.errors[0].errCode).toBe(600000)
    // Alipay's own code is kept for the curious (its fake fails with error 12, 网络出错).
    if (host.name.startsWith('my.')) expect(log.errors[0].data.error).toBe(12)
    expect(source.readyState).toBe(2)
    // Where nothing streams, what the failure cut off was never delivered.
    expect(log.messages).toEqual(host.streams ? [m('x')] : [])
  })

  test('an empty body: the end, or errCode 1005 where no chunk API could have streamed it', async () => {
    const { log } = open()
    const req = await host.nextRequest()
    req.respond(200, SSE)
    req.end()
    await waitFor(() => log.errors.length === 1, 'the end')
    expect(log.errors[0].errCode).toBe(host.streams ? endCode() : 1005)
  })

  test('close() in onOpen: no event, no error, the request stopped', async () => {
    const { source, log } = open()
    source.onOpen(() => source.close())
    const req = await host.nextRequest()
    req.respond(200, SSE)
    req.write('data: x\n\ndata: y\n\n')
    if (!host.streams) req.end()
    await waitFor(() => log.opens === 1, 'onOpen')
    if (host.streams) await waitFor(() => req.aborted, 'the request to be stopped')
    req.late()
    await settle(30)
    expect([log.messages, log.errors, source.readyState]).toEqual([[], [], 2])
  })

  test('close() in onMessage: the rest of the same chunk is not delivered', async () => {
    const { source, log } = open()
    source.onMessage(() => source.close())
    const req = await host.nextRequest()
    req.respond(200, SSE)
    req.write('data: 1\n\ndata: 2\n\ndata: 3\n\n')
    req.end()
    await waitFor(() => log.messages.length > 0, 'the first event')
    req.late()
    await settle(30)
    expect([log.messages, log.errors, source.readyState]).toEqual([[m('1')], [], 2])
  })

  test('close() in onError: no reconnection', async () => {
    const { source, log } = open({ reconnect: { maxDelay: 0 } })
    source.onError(() => source.close())
    const req = await host.nextRequest()
    req.respond(200, SSE)
    req.write('data: x\n\n')
    req.fail()
    await waitFor(() => log.errors.length === 1, 'the failure')
    expect(source.readyState).toBe(2)
    await settle(700) // longer than the shortest reconnection delay
    expect(host.requests.length).toBe(1)
    expect(host.ownReconnects).toBe(0)
  })

  test('late host callbacks after close(): nothing fires', async () => {
    const { source, log } = open()
    const req = await host.nextRequest()
    req.respond(200, SSE)
    req.write('data: x\n\n')
    if (host.streams) await waitFor(() => log.messages.length === 1, 'the event')
    source.close()
    source.close()
    req.late()
    req.end()
    req.fail()
    await settle(30)
    expect(log.errors).toEqual([])
    expect(log.messages.length).toBe(host.streams ? 1 : 0)
    expect(source.readyState).toBe(2)
  })
})

describe('the Douyin fake itself', () => {
  test('reconnects by itself after an error unless closed (what our transport prevents)', async () => {
    const host = ttHost()
    try {
      const task = host.createEventSource({ url: 'https://api.example.invalid/sse', method: 'POST', data: { prompt: 'p' } })
      const errors: any[] = []
      task.onError((e: any) => errors.push(e))
      const first = await host.nextRequest()
      first.respond(200, SSE)
      first.write('retry: 10\nid: 5\ndata: x\n\n')
      first.fail()
      const second = await host.nextRequest()
      expect([errors.length, host.ownReconnects, second.method, second.body, second.header['last-event-id']]).toEqual([1, 1, 'POST', '{"prompt":"p"}', '5'])
      task.close()
    } finally {
      await host.dispose()
    }
  })
})
