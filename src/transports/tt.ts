import type { Transport } from '../transport'
import { ERR_NETWORK, TAG, createError } from '../errors'

/*
 * Douyin's native event source, `tt.createEventSource(params, timeout)` (base library >= 3.35.0,
 * Douyin >= 30.8.0, IDE >= 4.3.5; the `timeout` argument since 4.7.0), behind our contract.
 * Source: open-douyin docs, mini-app/develop/api/network/event-source/tt-create-event-source and
 * .../event-source-task/event-source-task (onOpen, onMessage({data, event, lastEventId}),
 * onError({errMsg}), onClose, close()); coze-dev/coze-js packages/coze-taro/src/event-source/
 * index.tt.ts uses the same task methods.
 *
 * tt.request cannot stream, so this is the only way to stream on Douyin. Its task parses the
 * stream itself and hands us messages, not bytes. To keep ONE parser, one Last-Event-ID rule and
 * one reconnect policy, each message is written back as SSE text and fed to our parser:
 *
 *   {event: 'delta', lastEventId: '7', data: 'a\nb'}  →  "event: delta\nid: 7\ndata: a\ndata: b\n\n"
 *
 * (`event:` and `id:` only when present). So `onMessage` gets exactly type, data and lastEventId
 * as the web's EventSource would, and a reconnection of ours sends the last id as Last-Event-ID.
 *
 * Its own reconnect is defeated: the task reconnects by itself after an error (its docs: 1000 ms
 * by default, or the stream's `retry:`), which would replay a POSTed prompt behind the user's
 * back. We close it at its first error, before it can, and report the error; whether to reconnect
 * is decided by our `reconnect` option only.
 *
 * What the task does not tell us, and how it shows ([extension] errCodes documented in README):
 *  - onError carries only `errMsg` (no status, no body): a network failure, an HTTP error status
 *    and a wrong Content-Type all arrive as errCode 600000 (ERR_NETWORK) with tt's errMsg;
 *  - the stream's `retry:` is consumed by the task: our reconnection delay stays 3000 ms;
 *  - an empty `id:` (which resets the id) cannot be told from no id (a forum post reports
 *    lastEventId missing altogether): an id is written back only when non-empty.
 */

/** A message as `EventSourceTask.onMessage` delivers it. */
export interface TtMessage {
  data?: any
  event?: string
  lastEventId?: string
}

/** The part of Douyin's `EventSourceTask` this transport uses. */
export interface TtEventSourceTask {
  onOpen(callback: (res?: any) => void): void
  onMessage(callback: (res: TtMessage) => void): void
  onError(callback: (res: { errMsg?: string }) => void): void
  onClose(callback: (res?: any) => void): void
  close(): void
}

/** `tt.createEventSource`: params, and the timeout in ms (base library 4.7.0). */
export type TtCreateEventSource = (
  params: { url: string; method: string; header: Record<string, string>; data?: any },
  timeout?: number
) => TtEventSourceTask

declare const tt: { createEventSource?: TtCreateEventSource } | undefined

/** What our `open` means here: the task opened, so it saw 200 and text/event-stream. */
const OPEN_HEADER = { 'content-type': 'text/event-stream' }

/** Line breaks inside a field value: the task split lines already; never let one start a new field. */
const LINE_BREAK = /\r\n|\r|\n/

/** One message of the task, written back as the SSE text it was parsed from (one event). */
export function serializeTtMessage(message: TtMessage): string {
  let text = ''
  const event = message.event ? ('' + message.event).replace(/[\r\n]/g, '') : ''
  const id = message.lastEventId ? ('' + message.lastEventId).replace(/[\r\n]/g, '') : ''
  if (event) text += 'event: ' + event + '\n'
  if (id) text += 'id: ' + id + '\n'
  const data = message.data == null ? '' : typeof message.data === 'string' ? message.data : JSON.stringify(message.data)
  const lines = data.split(LINE_BREAK)
  for (let i = 0; i < lines.length; i++) text += 'data: ' + lines[i] + '\n'
  return text + '\n'
}

/**
 * [extension] The Douyin transport. `createEventSource` defaults to the global
 * `tt.createEventSource`, looked up when connecting.
 */
export function ttTransport(createEventSource?: TtCreateEventSource): Transport {
  return (req, sink) => {
    const create = createEventSource || (typeof tt !== 'undefined' && tt && tt.createEventSource)
    if (typeof create !== 'function') throw new Error(TAG + 'no tt.createEventSource')
    const params: { url: string; method: string; header: Record<string, string>; data?: any } = {
      url: req.url,
      method: req.method,
      header: req.header
    }
    if (req.data !== undefined) params.data = req.data
    const task = create(params, req.timeout)
    let opened = false
    let done = false

    function close(): void {
      done = true
      try {
        task.close()
      } catch (e) {
        // already closed, or a task that refuses: nothing of it is heard any more
      }
    }

    function open(): void {
      opened = true
      sink.head(200, OPEN_HEADER)
    }
    task.onOpen(() => {
      // Once per connection: a second open could only come from the task's own reconnect.
      if (!done && !opened) open()
    })
    task.onMessage((res) => {
      if (done) return
      // A message proves the stream open, should the task not have said so first.
      if (!opened) open()
      sink.body(serializeTtMessage(res || {}))
    })
    task.onError((res) => {
      if (done) return
      // Close first, so the task's own reconnection never starts.
      close()
      const errMsg = (res && res.errMsg) || 'createEventSource:fail'
      sink.fail(createError(ERR_NETWORK, errMsg, res || null), true)
    })
    task.onClose(() => {
      if (done) return
      // Closed by the other side; close our end too, so nothing of this task reconnects.
      close()
      // Closed by the other side after it opened: the normal end of the stream (errCode 200).
      if (opened) sink.end(200, OPEN_HEADER)
      else sink.fail(createError(ERR_NETWORK, 'createEventSource:fail closed before open'), true)
    })
    return { abort: close }
  }
}
