'use strict'
/**
 * The smallest honest streaming wrapper around a TextDecoder that does not stream
 * (text-encoding-shim ignores `{stream: true}`, fast-text-encoding throws on it): hold back an
 * incomplete UTF-8 sequence at the end of a chunk and put it in front of the next one.
 *
 * Self-contained on purpose: bench/realm.js defines it inside the decoder's own realm.
 */
function makeCarryDecoder(TextDecoder) {
  const decoder = new TextDecoder()
  let carry = null
  function decode(input) {
    let bytes = input instanceof Uint8Array ? input : new Uint8Array(input)
    if (carry !== null) {
      const joined = new Uint8Array(carry.length + bytes.length)
      joined.set(carry)
      joined.set(bytes, carry.length)
      bytes = joined
      carry = null
    }
    // Where does the last sequence start? Step back over at most three continuation bytes.
    const n = bytes.length
    let i = n - 1
    while (i > n - 4 && i >= 0 && (bytes[i] & 0xc0) === 0x80) i--
    if (i >= 0) {
      const lead = bytes[i]
      const length = lead >= 0xf8 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
      if (n - i < length) {
        carry = bytes.slice(i)
        bytes = bytes.subarray(0, i)
      }
    }
    return bytes.length === 0 ? '' : decoder.decode(bytes)
  }
  function end() {
    const rest = carry
    carry = null
    return rest === null ? '' : decoder.decode(rest)
  }
  return { decode, end }
}

module.exports = { makeCarryDecoder }
