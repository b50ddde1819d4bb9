/**
 * A fake of Douyin's `tt.createEventSource(params, timeout)` from open-douyin's docs
 * (mini-app/develop/api/network/event-source/tt-create-event-source and event-source-task):
 * a native event source that parses the stream itself (here with a small line parser of
 * its own, written from WHATWG HTML §9.2.6, independent of the library's), fires onOpen() on a 200 text/event-stream response, onMessage({data,
 * event, lastEventId}) per event (lastEventId only when the event set an id, as the docs say),
 * onError({errMsg}) on a failure, and — unless close() was called — RECONNECTS BY ITSELF after
 * 1000 ms or the stream's `retry:` ("支持错误重连,默认重连间隔为 1000 ms"), sending its own
 * Last-Event-ID. onClose() fires after close(), and also ends the stream when `endAs: 'close'`
 * (whether the real task reports a server's normal end as onError or onClose is not documented;
 * both are tested).
 */
import type { Host, ServerRequest } from './types'
import { bodyText, lowerCase, requestQueue } from './types'
import { connectEventSource } from '../../../src/universal'

/** A plain §9.2.6 event-stream interpreter (string input; the fake is fed text). */
function nativeParser(on: { onEvent(e: { id?: string; event?: string; data: string }): void; onRetry(ms: number): void }) {
  let rest = ''
  let data: string[] | null = null
  let event = ''
  let id: string | undefined
  function line(l: string): void {
    if (l === '') {
      if (data) on.onEvent({ id, event: event || undefined, data: data.join('\n') })
      data = null
      event = ''
      id = undefined
      return
    }
    if (l[0] === ':') return
    const colon = l.indexOf(':')
    const field = colon < 0 ? l : l.slice(0, colon)
    let value = colon < 0 ? '' : l.slice(colon + 1)
    if (value[0] === ' ') value = value.slice(1)
    if (field === 'data') (data = data || []).push(value)
    else if (field === 'event') event = value
    else if (field === 'id' && value.indexOf('\0') < 0) id = value
    else if (field === 'retry' && /^\d+$/.test(value)) on.onRetry(+value)
  }
  return {
    feed(text: string) {
      rest += text
      const parts = rest.split(/\r\n|\r(?!$)|\n/)
      rest = parts.pop()!
      for (const p of parts) line(p)
    }
  }
}

export interface FakeTtTask {
  closed: boolean
  /** How many connections this task made, its own reconnections included. */
  connections: number
}

export function ttHost(options: { endAs?: 'error' | 'close' } = {}): Host & { tasks: FakeTtTask[]; pendingReconnects: number; createEventSource: (params: any) => any } {
  const queue = requestQueue()
  const endAs = options.endAs || 'error'
  const tasks: FakeTtTask[] = []
  let ownReconnects = 0
  const timers = new Set<ReturnType<typeof setTimeout>>()

  function createEventSource(params: { url: string; method?: string; header?: Record<string, string>; data?: any }, timeout?: number) {
    const listeners = { open: [] as Array<() => void>, message: [] as Array<(res: any) => void>, error: [] as Array<(res: any) => void>, close: [] as Array<() => void> }
    const emit = (type: keyof typeof listeners, res?: any) => {
      for (const l of listeners[type].slice()) (l as any)(res)
    }
    const state: FakeTtTask = { closed: false, connections: 0 }
    tasks.push(state)
    let retry = 1000
    let lastEventId = ''
    void timeout

    function open(): void {
      state.connections++
      let current = true
      let opened = false
      const parser = nativeParser({
        onEvent(event: { id?: string; event?: string; data: string }) {
          if (!current || state.closed) return
          if (event.id !== undefined) lastEventId = event.id
          const message: any = { data: event.data, event: event.event || 'message' }
          if (event.id !== undefined) message.lastEventId = event.id
          emit('message', message)
        },
        onRetry(ms: number) {
          retry = ms
        }
      })
      const header = lowerCase(params.header)
      if (lastEventId && state.connections > 1) header['last-event-id'] = lastEventId
      function failed(errMsg: string): void {
        if (!current || state.closed) return
        current = false
        emit('error', { errMsg })
        // The task's own reconnection, unless someone closed it meanwhile (or in onError).
        if (state.closed) return
        const timer = setTimeout(() => {
          timers.delete(timer)
          if (state.closed) return
          ownReconnects++
          open()
        }, retry)
        timers.add(timer)
      }
      const server: ServerRequest = {
        method: (params.method || 'GET').toUpperCase(),
        url: params.url,
        header,
        body: bodyText(params.data),
        get aborted() {
          return state.closed || !current
        },
        respond(statusCode, h) {
          const type = lowerCase(h)['content-type'] || ''
          if (statusCode === 200 && /^text\/event-stream/i.test(type)) {
            opened = true
            if (!state.closed) emit('open')
          } else failed(`createEventSource:fail http status ${statusCode}, content-type ${type}`)
        },
        write(text) {
          if (opened && current && !state.closed) parser.feed(text)
        },
        end() {
          if (endAs === 'close' && opened && current && !state.closed) {
            current = false
            emit('close')
          } else failed('createEventSource:fail stream ended')
        },
        fail() {
          failed('createEventSource:fail net::ERR_CONNECTION_RESET')
        },
        late() {
          emit('open')
          emit('message', { data: 'late', event: 'message' })
          emit('error', { errMsg: 'createEventSource:fail late' })
          emit('close')
        }
      }
      queue.push(server)
    }

    open()
    return {
      onOpen: (cb: () => void) => void listeners.open.push(cb),
      onMessage: (cb: (res: any) => void) => void listeners.message.push(cb),
      onError: (cb: (res: any) => void) => void listeners.error.push(cb),
      onClose: (cb: () => void) => void listeners.close.push(cb),
      close() {
        if (state.closed) return
        state.closed = true
        emit('close')
      }
    }
  }

  const g = globalThis as any
  const previous = g.tt
  // tt.request exists too, but cannot stream: the transport must prefer createEventSource.
  g.tt = { createEventSource, request: () => { throw new Error('tt.request must not be used when createEventSource exists') } }
  return {
    name: 'tt.createEventSource (server end as ' + endAs + ')',
    origin: 'https://api.example.invalid',
    normalEnd: endAs === 'error' ? 600000 : 200,
    streams: true,
    native: true,
    tasks,
    connect: (o) => connectEventSource(o as any),
    nextRequest: () => queue.next(),
    requests: queue.all,
    get ownReconnects() {
      return ownReconnects
    },
    get pendingReconnects() {
      return timers.size
    },
    createEventSource,
    async dispose() {
      for (const t of timers) clearTimeout(t)
      if (previous === undefined) delete g.tt
      else g.tt = previous
    }
  }
}
