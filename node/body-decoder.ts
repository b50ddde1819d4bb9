/**
 * `Content-Encoding` decoding, chunk by chunk, as a phone's HTTP stack does it transparently
 * (a device hands `onChunkReceived` decoded bytes). Each received piece is written into zlib
 * streams at once, so decoded bytes come out as the compressed ones come in, not at the end.
 */
import * as zlib from 'node:zlib'

export interface BodyDecoder {
  /** Decodes the next received bytes; decoded ones arrive through `onData`. */
  write(bytes: Buffer): void
  /** No more input: the rest comes out through `onData`, then `onEnd` (or `onError`). */
  end(): void
  /** Stops at once; no callback follows. */
  destroy(): void
}

export interface BodyDecoderCallbacks {
  onData(bytes: Buffer): void
  onEnd(): void
  onError(error: Error): void
}

type Coding = 'gzip' | 'deflate' | 'br'

/**
 * A decoder for the codings a `Content-Encoding` value lists, or `null` when there is nothing to
 * decode: no header, only `identity`, or a coding this implementation does not know (then the
 * bytes are passed on as they came, as the Fetch standard's "handle content codings" does).
 */
export function createBodyDecoder(contentEncoding: string | string[] | undefined, callbacks: BodyDecoderCallbacks): BodyDecoder | null {
  const codings: Coding[] = []
  for (const value of ([] as string[]).concat(contentEncoding || []).join(',').split(',')) {
    const coding = value.trim().toLowerCase()
    if (coding === '' || coding === 'identity') continue
    if (coding === 'gzip' || coding === 'x-gzip') codings.push('gzip')
    else if (coding === 'deflate' || coding === 'br') codings.push(coding)
    else return null
  }
  if (codings.length === 0) return null

  // The codings were applied in the order listed, so they are undone from the last one.
  let stopped = false
  let next: BodyDecoder = {
    write: (bytes) => { if (!stopped) callbacks.onData(bytes) },
    end: () => { if (!stopped) callbacks.onEnd() },
    destroy() {}
  }
  const stages: BodyDecoder[] = []
  for (const coding of codings) {
    const stage = createStage(coding, next, (error) => {
      if (stopped) return
      stopped = true
      for (const s of stages) s.destroy()
      callbacks.onError(error)
    })
    stages.push(stage)
    next = stage
  }
  const first = next
  return {
    write: (bytes) => { if (!stopped) first.write(bytes) },
    end: () => { if (!stopped) first.end() },
    destroy() {
      stopped = true
      for (const s of stages) s.destroy()
    }
  }
}

function createStage(coding: Coding, next: BodyDecoder, onError: (error: Error) => void): BodyDecoder {
  if (coding !== 'deflate') return zlibStage(coding === 'gzip' ? zlib.createGunzip(LENIENT_ZLIB) : zlib.createBrotliDecompress(LENIENT_BROTLI), next, onError)
  // HTTP's "deflate" is zlib-wrapped (RFC 9110 §8.4.1.2), but some servers send a raw deflate
  // stream; browsers accept both, telling them apart by the two-byte zlib header (RFC 1950 §2.2).
  let held = Buffer.alloc(0)
  let inner: BodyDecoder | undefined
  let destroyed = false
  const start = (): BodyDecoder => {
    const zlibWrapped = held.length >= 2 && (held[0] & 0x0f) === 8 && ((held[0] << 8) | held[1]) % 31 === 0
    inner = zlibStage(zlibWrapped ? zlib.createInflate(LENIENT_ZLIB) : zlib.createInflateRaw(LENIENT_ZLIB), next, onError)
    if (held.length) inner.write(held)
    return inner
  }
  return {
    write(bytes) {
      if (destroyed) return
      if (inner) return inner.write(bytes)
      held = Buffer.concat([held, bytes])
      if (held.length >= 2) start()
    },
    end() {
      if (destroyed) return
      if (!inner && held.length === 0) return next.end()
      ;(inner || start()).end()
    },
    destroy() {
      destroyed = true
      inner?.destroy()
    }
  }
}

function zlibStage(stream: zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress, next: BodyDecoder, onError: (error: Error) => void): BodyDecoder {
  let wrote = false
  stream.on('data', (bytes: Buffer) => next.write(bytes))
  stream.on('end', () => next.end())
  stream.on('error', (error) => onError(new Error('content decoding failed: ' + error.message)))
  return {
    write(bytes) {
      wrote = true
      stream.write(bytes)
    },
    end() {
      // An empty body (204, HEAD) carries no compressed stream at all.
      if (!wrote) next.end()
      else stream.end()
    },
    destroy() {
      stream.removeAllListeners('data')
      stream.removeAllListeners('end')
      stream.on('error', () => {})
      stream.destroy()
    }
  }
}

// Lenient, as node-fetch is (its comment: servers send slightly invalid responses that common
// browsers accept, and cURL always uses Z_SYNC_FLUSH): a stream cut short yields what it holds.
const LENIENT_ZLIB: zlib.ZlibOptions = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }
const LENIENT_BROTLI: zlib.BrotliOptions = { flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }
