/**
 * The quirk switches of `createWxRequest`: their validation (a wrong value is a programming error
 * at setup time, so it throws), and the chunk splitter and merger they switch on.
 */
import type { CreateWxRequestOptions } from './wx-request'

const PREFIX = '[miniprogram-eventsource/node] createWxRequest: '
/** 2^31-1: the largest delay Node's timers honour (a larger one fires after 1 ms); also the bound of counts and sizes. */
const MAX_INT = 2147483647

const BOOLEAN_SWITCHES = ['noStatusInHeaders', 'stringStatusCode', 'noChunkCallbacks', 'noChunkApi', 'noHeadersCallback', 'rejectUnauthorized'] as const
const KNOWN = new Set<string>([...BOOLEAN_SWITCHES, 'mergeChunks', 'splitChunks', 'lateChunkAfterAbort', 'ca'])

/** Throws a TypeError naming the first invalid option; returns the options otherwise. */
export function validateCreateOptions(options: CreateWxRequestOptions | undefined | null): CreateWxRequestOptions {
  if (options == null) return {}
  if (typeof options !== 'object') fail('options', 'an object', options)
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw new TypeError(PREFIX + `unknown option "${key}"`)
  for (const key of BOOLEAN_SWITCHES) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') fail(key, 'a boolean', options[key])
  }
  const late = options.lateChunkAfterAbort
  if (late !== undefined && typeof late !== 'boolean' && typeof late !== 'string') fail('lateChunkAfterAbort', 'a boolean or a string', late)

  const merge = switchObject('mergeChunks', options.mergeChunks, ['everyPieces', 'everyMs'])
  if (merge) {
    integerIn('mergeChunks.everyPieces', merge.everyPieces, 1, MAX_INT)
    integerIn('mergeChunks.everyMs', merge.everyMs, 0, MAX_INT)
  }
  const split = switchObject('splitChunks', options.splitChunks, ['minSize', 'maxSize', 'seed'])
  if (split) {
    integerIn('splitChunks.minSize', split.minSize, 1, MAX_INT)
    integerIn('splitChunks.maxSize', split.maxSize, split.minSize ?? 1, MAX_INT)
    if (split.minSize !== undefined && split.maxSize === undefined && split.minSize > DEFAULT_MAX_SIZE) {
      fail('splitChunks.minSize', `at most maxSize (default ${DEFAULT_MAX_SIZE})`, split.minSize)
    }
    integerIn('splitChunks.seed', split.seed, -MAX_UINT32, MAX_UINT32)
  }

  const ca = options.ca
  const isCert = (v: unknown): boolean => typeof v === 'string' || v instanceof Uint8Array
  if (ca !== undefined && !isCert(ca) && !(Array.isArray(ca) && ca.every(isCert))) fail('ca', 'a PEM string, a Buffer, or an array of them', ca)
  return options
}

function switchObject<K extends string>(name: string, value: unknown, keys: K[]): Partial<Record<K, number>> | null {
  if (value === undefined || typeof value === 'boolean') return null
  if (value === null || typeof value !== 'object') fail(name, 'a boolean or an object', value)
  for (const key of Object.keys(value as object)) {
    if (!(keys as string[]).includes(key)) throw new TypeError(PREFIX + `unknown option "${name}.${key}"`)
  }
  return value as Partial<Record<K, number>>
}

function integerIn(name: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(name, `an integer from ${min} to ${max}`, value)
}

function fail(name: string, expected: string, got: unknown): never {
  throw new TypeError(PREFIX + `${name} must be ${expected}, got ${typeof got === 'string' ? JSON.stringify(got) : String(got)}`)
}

const DEFAULT_MAX_SIZE = 7
const MAX_UINT32 = 4294967295

/** `splitChunks`: cuts every chunk into pieces of `minSize`..`maxSize` bytes drawn from a seeded RNG. */
export function createSplitter(option: CreateWxRequestOptions['splitChunks']): (bytes: Buffer) => Buffer[] {
  if (!option) return (bytes) => [bytes]
  const { minSize = 1, maxSize = DEFAULT_MAX_SIZE, seed = 1 } = option === true ? {} : option
  const random = mulberry32(seed)
  return (bytes) => {
    const pieces: Buffer[] = []
    for (let at = 0; at < bytes.length;) {
      const size = minSize + Math.floor(random() * (maxSize - minSize + 1))
      pieces.push(bytes.subarray(at, at + size))
      at += size
    }
    return pieces
  }
}

export interface Merger { push(bytes: Buffer): void; flush(): void; clear(): void }

/** `mergeChunks`: holds pieces and delivers them as one chunk, by count or after a delay. */
export function createMerger(option: CreateWxRequestOptions['mergeChunks'], emit: (bytes: Buffer) => void): Merger {
  if (!option) return { push: emit, flush() {}, clear() {} }
  const { everyPieces = 3, everyMs = 50 } = option === true ? {} : option
  let held: Buffer[] = []
  let timer: NodeJS.Timeout | undefined
  const merger: Merger = {
    push(bytes) {
      held.push(bytes)
      if (held.length >= everyPieces) merger.flush()
      else if (!timer) timer = setTimeout(merger.flush, everyMs)
    },
    flush() {
      const pieces = held
      merger.clear()
      if (pieces.length) emit(Buffer.concat(pieces))
    },
    clear() {
      if (timer) clearTimeout(timer)
      timer = undefined
      held = []
    }
  }
  return merger
}

/** A small seeded PRNG, so a failing split can be replayed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
