import type { Utf8Decoder } from './types'

/*
 * Streaming UTF-8 decoding, as the WHATWG Encoding Standard's "UTF-8 decoder" with error mode
 * "replacement" and one leading BOM dropped (what `new TextDecoder()` does with `{stream: true}`).
 *
 * Mini-program logic layers on phones have no TextDecoder, and the shims apps install as the
 * global one do not stream (text-encoding-shim throws on a split character, fast-text-encoding
 * on `{stream: true}`; FACTS.md §3). This decoder is used everywhere, whatever global exists:
 * devtools (which has a native TextDecoder) then decodes exactly as the phone does, and the
 * bundle carries no probe. It decodes 3–7× faster than text-encoding-shim (BENCHMARKS.md).
 */

const REPLACEMENT = 0xfffd
/** Code units passed to one `String.fromCharCode.apply` call: well under every engine's argument limit. */
const APPLY_BLOCK = 0x2000

// Scratch output, grown on demand and shared by all decoders: decode() never re-enters.
let units = new Uint16Array(4096)

/** A streaming UTF-8 decoder: one pass over the bytes, no exception for any input. */
export function createUtf8Decoder(): Utf8Decoder {
  // Encoding §9.1.1: UTF-8 code point, bytes seen, bytes needed, lower and upper boundary.
  let codePoint = 0
  let needed = 0
  let seen = 0
  let lower = 0x80
  let upper = 0xbf
  let bomSeen = false

  function decode(input: ArrayBuffer | Uint8Array): string {
    const bytes = input instanceof Uint8Array ? input : new Uint8Array(input)
    const length = bytes.length
    // Each byte yields at most one code unit, except the byte that ends a pending sequence
    // with an error (U+FFFD, then itself) or completes a 4-byte one (a surrogate pair).
    if (units.length < length + 2) units = new Uint16Array(length + 4096)
    const out = units
    let n = 0
    for (let i = 0; i < length; i++) {
      const byte = bytes[i]
      if (needed === 0) {
        if (byte < 0x80) out[n++] = byte
        else if (byte < 0xc2 || byte > 0xf4) out[n++] = REPLACEMENT
        else {
          // C2–DF: one more byte, E0–EF: two, F0–F4: three; the boundaries exclude overlong
          // forms (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
          needed = byte < 0xe0 ? 1 : byte < 0xf0 ? 2 : 3
          codePoint = byte & (0x7f >> (needed + 1))
          if (byte === 0xe0) lower = 0xa0
          else if (byte === 0xf0) lower = 0x90
          else if (byte === 0xed) upper = 0x9f
          else if (byte === 0xf4) upper = 0x8f
        }
        continue
      }
      const inRange = byte >= lower && byte <= upper
      lower = 0x80
      upper = 0xbf
      if (!inRange) {
        // Reset, restore the byte to the stream (it is decoded again), return error.
        needed = seen = 0
        out[n++] = REPLACEMENT
        i--
        continue
      }
      codePoint = (codePoint << 6) | (byte & 0x3f)
      if (++seen !== needed) continue
      if (codePoint > 0xffff) {
        codePoint -= 0x10000
        out[n++] = 0xd800 | (codePoint >> 10)
        out[n++] = 0xdc00 | (codePoint & 0x3ff)
      } else out[n++] = codePoint
      needed = seen = 0
    }
    return text(out, n)
  }

  function end(): string {
    // End of queue with bytes still needed: one error.
    const rest = needed ? '\ufffd' : ''
    needed = seen = 0
    lower = 0x80
    upper = 0xbf
    bomSeen = false
    return rest
  }

  function text(out: Uint16Array, n: number): string {
    let start = 0
    if (!bomSeen && n > 0) {
      // Encoding §6 "UTF-8 decode": one leading BOM is dropped; any later U+FEFF is text.
      bomSeen = true
      if (out[0] === 0xfeff) start = 1
    }
    let s = ''
    while (start < n) {
      const stop = Math.min(n, start + APPLY_BLOCK)
      s += String.fromCharCode.apply(null, out.subarray(start, stop) as unknown as number[])
      start = stop
    }
    return s
  }

  return { decode, end }
}
