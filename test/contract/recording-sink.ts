import type { ConnectionSink, TransportRequest } from '../../src/transport'
import type { UniError } from '../../src/types'

/** One call a transport made on its sink; body bytes are decoded for reading. */
export type SinkCall =
  | { kind: 'head'; statusCode: number | undefined; header: Record<string, any> | undefined }
  | { kind: 'body'; data: string; binary: 'string' | 'ArrayBuffer' | 'Uint8Array' }
  | { kind: 'end'; statusCode: number | undefined; header: Record<string, any> | undefined; data: string | null | undefined }
  | { kind: 'fail'; error: UniError; retry: boolean }

function text(data: ArrayBuffer | Uint8Array | string): string {
  if (typeof data === 'string') return data
  return Buffer.from(data instanceof Uint8Array ? data : new Uint8Array(data)).toString('utf8')
}

function kindOf(data: ArrayBuffer | Uint8Array | string): 'string' | 'ArrayBuffer' | 'Uint8Array' {
  if (typeof data === 'string') return 'string'
  return Object.prototype.toString.call(data) === '[object ArrayBuffer]' ? 'ArrayBuffer' : 'Uint8Array'
}

/** A sink recording every call in order (a transport must call none synchronously from start). */
export function recordingSink() {
  const calls: SinkCall[] = []
  const sink: ConnectionSink = {
    head: (statusCode, header) => void calls.push({ kind: 'head', statusCode, header }),
    body: (data) => void calls.push({ kind: 'body', data: text(data), binary: kindOf(data) }),
    end: (statusCode, header, data) =>
      void calls.push({ kind: 'end', statusCode, header, data: data == null ? data : text(data) }),
    fail: (error, retry) => void calls.push({ kind: 'fail', error, retry })
  }
  return {
    sink,
    calls,
    kinds: () => calls.map((c) => c.kind),
    bodyText: () => calls.map((c) => (c.kind === 'body' ? c.data : '')).join(''),
    finished: () => calls.some((c) => c.kind === 'end' || c.kind === 'fail')
  }
}

export function transportRequest(partial: Partial<TransportRequest> = {}): TransportRequest {
  return { url: 'https://example.invalid/sse', method: 'GET', header: { Accept: 'text/event-stream' }, timeout: 600000, ...partial }
}
