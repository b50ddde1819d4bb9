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
 * counts and built-ins keep their speed. So each step decodes a whole sequence with its bytes in
 * locals (the spec's byte-at-a-time state machine is only the description of the result): a run
 * of ASCII in a tight inner loop, and a 3-byte sequence with a lead of E1–EC, EE or EF (most of
 * CJK text, its punctuation included) in one test; code units are collected in a plain array
 * (`apply` over a typed array costs about twice as much in JavaScriptCore). The continuation
 * bytes of a sequence are read before checking that they exist: a read past the end gives
 * `undefined`, which fails the continuation test, and only then is the end checked — so the
 * common path has no bounds checks.
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
  let held: number[] = []
  let bomSeen = false

  function decode(input: ArrayBuffer | Uint8Array): string {
    // A view of an ArrayBuffer (what wx.request gives); a Uint8Array is copied.
    const bytes = new Uint8Array(input)
    const length = bytes.length
    let s = ''
    let i = 0
    if (held.length) {
      // A sequence split by the chunk boundary: decoded from its held start and the chunk's
      // first bytes (a missing one reads as undefined); then the chunk goes on where it ended.
      const start = held
      const k = start.length
      held = []
      start.push(bytes[0], bytes[1], bytes[2])
      i = run(start, 0, k) - k
    }
    do {
      i = run(bytes, i, Math.min(length, i + BLOCK))
      // The block's code units as a string; the scratch is emptied. (Its length is set only when
      // it changes: a chunk as long as the last, as tiny chunks often are, skips a costly store.)
      if (units.length !== count) units.length = count
      count = 0
      s += String.fromCharCode.apply(null, units)
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
  function run(input: ArrayLike<number>, from: number, stop: number): number {
    // Locals, not the parameters, in the loop: JavaScriptCore's interpreter checks the TDZ at every
    // use of a parameter that has the name of a let or const of an enclosing scope (as a
    // minifier's short names often do); and all are declared here, none in a block.
    const bytes = input
    let i = from
    const out = units
    let n = count
    let lead: number
    let next: number
    let third: number
    let cp: number
    let size: number
    // The bytes of the sequence that are valid so far.
    let valid: number
    while (i < stop) {
      lead = bytes[i]
      if (lead < 0x80) {
        // (Here and in the 3-byte step: a store, then n++ on its own; the value of a postfix n++
        // costs JavaScriptCore's interpreter three more instructions.)
        do {
          out[n] = lead
          n++
        } while (++i < stop && (lead = bytes[i]) < 0x80)
        continue
      }
      if (lead !== 0xed && lead > 0xe0 && lead < 0xf0 && ((next = bytes[i + 1] ^ 0x80) | (third = bytes[i + 2] ^ 0x80)) < 0x40) {
        // The common case of CJK text: a 3-byte sequence whose lead (E1–EC, EE, EF) allows any two
        // continuation bytes; x ^ 0x80 < 0x40 only for a continuation (80–BF; undefined gives 0x80).
        out[n] = ((lead << 12) & 0xffff) | (next << 6) | third
        n++
        i += 3
        continue
      }
      valid = 1
      if (lead > 0xc1 && lead < 0xf5) {
        size = lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4
        // Each continuation byte is taken ^ 0x80 (80–BF become 00–3F; a byte past the end,
        // undefined, becomes 0x80 and fails every test below): the second one's boundaries too.
        next = bytes[i + 1] ^ 0x80
        if (next >= (lead === 0xe0 ? 0x20 : lead === 0xf0 ? 0x10 : 0) && next <= (lead === 0xed ? 0x1f : lead === 0xf4 ? 0xf : 0x3f)) {
          cp = lead & (0x7f >> size)
          do cp = (cp << 6) | next
          while (++valid < size && (next = bytes[i + valid] ^ 0x80) < 0x40)
          if (valid === size) {
            if (size > 3) {
              // A supplementary code point: a surrogate pair, D800 + ((cp − 0x10000) >> 10) (that is
              // D7C0 + (cp >> 10)), then DC00 + the low 10 bits.
              out[n++] = 0xd7c0 + (cp >> 10)
              cp = 0xdc00 | (cp & 0x3ff)
            }
            out[n++] = cp
            i += size
            continue
          }
        }
        if (bytes[i + valid] === undefined) {
          // The next byte is missing: the input ends inside the sequence; its valid start is held.
          while (valid--) held.push(bytes[i++])
          break
        }
      }
      // The next byte is no continuation (or the lead no lead): an error; that byte is decoded again.
      out[n++] = REPLACEMENT
      i += valid
    }
    count = n
    return i
  }

  function end(): string {
    bomSeen = false
    if (!held.length) return ''
    // End of queue with bytes still needed: one error.
    held = []
    return '\ufffd'
  }

  return { decode, end }
}
