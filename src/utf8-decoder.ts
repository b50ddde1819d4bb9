import type { Utf8Decoder } from './types'

/*
 * Streaming UTF-8 decoding, as the WHATWG Encoding Standard's "UTF-8 decoder" with error mode
 * "replacement" and one leading BOM dropped (what `new TextDecoder()` does with `{stream: true}`).
 *
 * Mini-program logic layers on phones have no TextDecoder, and the shims apps install as the
 * global one do not stream (text-encoding-shim throws on a split character, fast-text-encoding
 * on `{stream: true}`). This decoder is used everywhere, whatever global exists: devtools (which
 * has a native TextDecoder) then decodes exactly as the phone does, and the bundle carries no probe.
 *
 * Speed (BENCHMARKS.md): iPhones run this in JavaScriptCore without a JIT, where every bytecode
 * counts and built-ins keep their speed. So each step decodes a whole 2-, 3- or 4-byte sequence
 * with its bytes in locals (the spec's byte-at-a-time state machine is only the description of
 * the result); a run of ASCII at the start of a block goes to `String.fromCharCode` straight from
 * the bytes; code units are collected in a plain array (`apply` over a typed array costs about
 * twice as much in JavaScriptCore). The continuation bytes of a sequence are read before checking
 * that they exist: a read past the end gives `undefined`, which fails the continuation test, and
 * only then is the end checked — so the common path has no bounds checks.
 * Memory: input is decoded in blocks of BLOCK bytes, so the scratch array never holds more than
 * about BLOCK code units, whatever the size of a chunk.
 */

const REPLACEMENT = 0xfffd
/** Bytes decoded per block: each block ends in one `String.fromCharCode.apply`, well under every engine's argument limit. */
const BLOCK = 0x2000

// Scratch code units of the block being decoded, shared by all decoders: decode() never re-enters.
const units: number[] = []
let count = 0

/** A streaming UTF-8 decoder: one pass over the bytes, no exception for any input. */
export function createUtf8Decoder(): Utf8Decoder {
  // The start of a sequence that the last chunk did not finish (a valid prefix: 1–3 bytes).
  const held: number[] = []
  let bomSeen = false

  function decode(input: ArrayBuffer | Uint8Array): string {
    let bytes = input instanceof Uint8Array ? input : new Uint8Array(input)
    // A sequence split by the chunk boundary: its start goes in front of this chunk.
    if (held.length) {
      const joined = new Uint8Array(held.length + bytes.length)
      joined.set(held)
      joined.set(bytes, held.length)
      held.length = 0
      bytes = joined
    }
    const length = bytes.length
    let s = ''
    let i = 0
    do {
      const stop = Math.min(length, i + BLOCK)
      i = run(bytes, i, stop)
      s += text()
    } while (i < length)
    if (!bomSeen && s) {
      // Encoding §6 "UTF-8 decode": one leading BOM is dropped; any later U+FEFF is text.
      bomSeen = true
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1)
    }
    return s
  }

  /**
   * Decodes bytes[i…] into `units` until at least `stop` (a sequence may end past it); returns
   * where it stopped. Encoding §9.1.1 "UTF-8 decoder", one whole sequence per step: C2–DF take
   * one more byte, E0–EF two, F0–F4 three; the first one's boundaries exclude overlong forms (E0,
   * F0), surrogates (ED) and code points above U+10FFFF (F4). A byte outside its boundaries ends
   * the sequence with an error and is decoded again ("prepend byte to stream").
   */
  function run(bytes: Uint8Array, i: number, stop: number): number {
    const out = units
    let n = count
    while (i < stop) {
      let lead = bytes[i]
      if (lead < 0x80) {
        do {
          out[n++] = lead
          if (++i === stop) break
        } while ((lead = bytes[i]) < 0x80)
        continue
      }
      // The bytes of the sequence that are valid so far.
      let valid = 1
      if (lead > 0xc1 && lead < 0xf5) {
        // A byte past the end reads as undefined and fails every test below.
        const second = bytes[i + 1]
        if (lead < 0xe0) {
          if ((second & 0xc0) === 0x80) {
            out[n++] = ((lead & 0x1f) << 6) | (second & 0x3f)
            i += 2
            continue
          }
        } else if (second >= (lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80) && second <= (lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf)) {
          valid = 2
          const third = bytes[i + 2]
          if ((third & 0xc0) === 0x80) {
            if (lead < 0xf0) {
              out[n++] = ((lead & 0xf) << 12) | ((second & 0x3f) << 6) | (third & 0x3f)
              i += 3
              continue
            }
            valid = 3
            const fourth = bytes[i + 3]
            if ((fourth & 0xc0) === 0x80) {
              // A supplementary code point: a surrogate pair.
              const cp = (((lead & 7) << 18) | ((second & 0x3f) << 12) | ((third & 0x3f) << 6) | (fourth & 0x3f)) - 0x10000
              out[n++] = 0xd800 | (cp >> 10)
              out[n++] = 0xdc00 | (cp & 0x3ff)
              i += 4
              continue
            }
          }
        }
        // The next byte is missing: the input ends inside the sequence, whose valid start is held.
        if (i + valid >= bytes.length) break
      }
      // The next byte is no continuation (or the lead no lead): an error; that byte is decoded again.
      out[n++] = REPLACEMENT
      i += valid
    }
    count = n
    // Left the loop before `stop`: hold the rest, the start of a sequence the input does not finish.
    if (i < stop) while (i < bytes.length) held.push(bytes[i++])
    return i
  }

  /** The block's code units as a string; empties the scratch. */
  function text(): string {
    units.length = count
    count = 0
    return String.fromCharCode.apply(null, units)
  }

  function end(): string {
    // End of queue with bytes still needed: one error.
    const rest = held.length ? '\ufffd' : ''
    held.length = 0
    bomSeen = false
    return rest
  }

  return { decode, end }
}
