import type { RequestOptions, RequestTask } from '../../src/types'

/** One request made through the fake: drive its callbacks by hand, as wx would. */
export interface FakeCall {
  options: RequestOptions
  aborted: boolean
  /** onHeadersReceived: `{statusCode, header}`; pass `statusCode: undefined` for devtools. */
  headers(statusCode?: number | string, header?: Record<string, string>): void
  /** onChunkReceived with the UTF-8 bytes of `text` (or the given bytes) as an ArrayBuffer. */
  chunk(data: string | Uint8Array): void
  /** success, as wx fires it for every HTTP status. */
  success(statusCode?: number | string, data?: ArrayBuffer | string, header?: Record<string, string>): void
  fail(errMsg: string, errno?: number): void
}

export const SSE_HEADER = { 'Content-Type': 'text/event-stream' }

export function toArrayBuffer(data: string | Uint8Array): ArrayBuffer {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

/** A `wx.request` double recording every call; `task` lets a test drop task methods (Taro). */
export function fakeRequest(task: Partial<Record<keyof RequestTask, boolean>> = {}) {
  const calls: FakeCall[] = []
  const request = jest.fn((options: RequestOptions): RequestTask => {
    let onHeaders: ((res: any) => void) | undefined
    let onChunk: ((res: any) => void) | undefined
    const call: FakeCall = {
      options,
      aborted: false,
      // An explicit `undefined` status is kept (devtools gives none); no argument means 200.
      headers: (...args: [(number | string)?, Record<string, string>?]) =>
        onHeaders!({ statusCode: args.length ? args[0] : 200, header: args[1] || SSE_HEADER, cookies: [] }),
      chunk: (data) => onChunk!({ data: toArrayBuffer(data) }),
      success: (statusCode = 200, data = new ArrayBuffer(0), header = SSE_HEADER) =>
        options.success({ statusCode, header, data }),
      fail: (errMsg, errno) => options.fail(errno === undefined ? { errMsg } : { errMsg, errno })
    }
    calls.push(call)
    const result: RequestTask = { abort: () => void (call.aborted = true) }
    if (task.onHeadersReceived !== false) result.onHeadersReceived = (cb) => void (onHeaders = cb)
    if (task.onChunkReceived !== false) result.onChunkReceived = (cb) => void (onChunk = cb)
    return result
  })
  return { request, calls }
}
