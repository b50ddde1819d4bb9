/*
 * The streaming UTF-8 decoder against the WHATWG Encoding Standard's UTF-8 decoder (error mode
 * "replacement", BOM sniffed once), with Node's own `new TextDecoder()` + `{stream: true}` as
 * the oracle. Each test is named after the byte stream it feeds.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import * as vm from 'node:vm'
import { createUtf8Decoder } from '../src/utf8-decoder'
import type { Utf8Decoder } from '../src/types'
import { allCuts, cutEvery, decodePieces, nativeDecodePieces, twoPieceCuts, utf8 } from './helpers/streams'

const FFFD = '\uFFFD'
const bytes = (...list: number[]) => Uint8Array.from(list)

describe.each([['createUtf8Decoder()', createUtf8Decoder]])('%s', (_name, create: () => Utf8Decoder) => {
  describe('a multi-byte character split at every byte boundary decodes whole', () => {
    test.each([
      ['U+0080 (C2 80)', '\u0080'],
      ['é (C3 A9)', 'é'],
      ['U+07FF (DF BF)', '\u07ff'],
      ['U+0800 (E0 A0 80)', '\u0800'],
      ['中 (E4 B8 AD)', '中'],
      ['€ (E2 82 AC)', '€'],
      ['U+D7FF (ED 9F BF, last before the surrogates)', '\ud7ff'],
      ['U+E000 (EE 80 80, first after the surrogates)', '\ue000'],
      ['U+FFFF (EF BF BF)', '\uffff'],
      ['U+10000 (F0 90 80 80)', '\u{10000}'],
      ['😀 (F0 9F 98 80, a surrogate pair)', '😀'],
      ['U+10FFFF (F4 8F BF BF)', '\u{10ffff}']
    ])('a%sb, cut at every subset of offsets', (_label, char) => {
      const text = 'a' + char + 'b'
      const whole = utf8(text)
      for (const pieces of allCuts(whole)) expect([pieces, decodePieces(create(), pieces)]).toEqual([pieces, text])
    })

    test('中文😀é fed one byte at a time', () => {
      const text = '中文😀é'.repeat(3)
      expect(decodePieces(create(), cutEvery(utf8(text), 1))).toBe(text)
    })
  })

  describe('invalid bytes become U+FFFD as the Encoding Standard says', () => {
    test.each([
      ['a lone continuation byte 80', [0x80], FFFD],
      ['A 80 B: continuation between ASCII', [0x41, 0x80, 0x42], 'A' + FFFD + 'B'],
      ['BF BF: two lone continuation bytes', [0xbf, 0xbf], FFFD + FFFD],
      ['overlong C0 80', [0xc0, 0x80], FFFD + FFFD],
      ['overlong C1 BF', [0xc1, 0xbf], FFFD + FFFD],
      ['overlong E0 80 80', [0xe0, 0x80, 0x80], FFFD.repeat(3)],
      ['overlong E0 9F BF', [0xe0, 0x9f, 0xbf], FFFD.repeat(3)],
      ['overlong F0 8F BF BF', [0xf0, 0x8f, 0xbf, 0xbf], FFFD.repeat(4)],
      ['surrogate ED A0 80 (U+D800)', [0xed, 0xa0, 0x80], FFFD.repeat(3)],
      ['surrogate ED BF BF (U+DFFF)', [0xed, 0xbf, 0xbf], FFFD.repeat(3)],
      ['above U+10FFFF: F4 90 80 80', [0xf4, 0x90, 0x80, 0x80], FFFD.repeat(4)],
      ['F5 80', [0xf5, 0x80], FFFD + FFFD],
      ['F8 to FF', [0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff], FFFD.repeat(8)],
      ['truncated E4 B8 then A: one U+FFFD, then A', [0xe4, 0xb8, 0x41], FFFD + 'A'],
      ['truncated F0 9F 98 then A', [0xf0, 0x9f, 0x98, 0x41], FFFD + 'A'],
      ['truncated C3 then a new lead E4 B8 AD', [0xc3, 0xe4, 0xb8, 0xad], FFFD + '中'],
      ['truncated E4 80 then A: one U+FFFD, then A', [0xe4, 0x80, 0x41], FFFD + 'A'],
      ['truncated E4 B8 at the end, then end(): one U+FFFD', [0xe4, 0xb8], FFFD],
      ['truncated F0 at the end, then end(): one U+FFFD', [0xf0], FFFD],
      ['NUL passes through', [0x00, 0x41], '\u0000A']
    ])('%s', (_shape, list, expected) => {
      const whole = Uint8Array.from(list)
      // The oracle agrees with the expected string (so the table itself is right).
      expect(nativeDecodePieces([whole])).toBe(expected)
      expect(decodePieces(create(), [whole])).toBe(expected)
      for (const pieces of allCuts(whole)) expect([pieces, decodePieces(create(), pieces)]).toEqual([pieces, expected])
    })

    test('truncated E4 B8 in one chunk: decode() holds it (""), end() gives exactly one U+FFFD', () => {
      const decoder = create()
      expect(decoder.decode(bytes(0xe4, 0xb8))).toBe('')
      expect(decoder.end()).toBe(FFFD)
    })

    test('end() with nothing held: ""', () => {
      const decoder = create()
      expect(decoder.decode(bytes(0x41))).toBe('A')
      expect(decoder.end()).toBe('')
    })
  })

  describe('BOM: exactly one leading EF BB BF is stripped', () => {
    test.each([
      ['EF BB BF A', [0xef, 0xbb, 0xbf, 0x41], 'A'],
      ['EF BB BF EF BB BF A: the second BOM is kept', [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x41], '\ufeffA'],
      ['A EF BB BF: a BOM after text is kept', [0x41, 0xef, 0xbb, 0xbf], 'A\ufeff'],
      ['FF EF BB BF: a BOM after an error is kept', [0xff, 0xef, 0xbb, 0xbf], FFFD + '\ufeff'],
      ['EF BB A: a partial BOM is an error, not a BOM', [0xef, 0xbb, 0x41], FFFD + 'A'],
      ['EF BB BF alone: ""', [0xef, 0xbb, 0xbf], '']
    ])('%s, cut at every subset of offsets', (_shape, list, expected) => {
      const whole = Uint8Array.from(list)
      expect(nativeDecodePieces([whole])).toBe(expected)
      for (const pieces of allCuts(whole)) expect([pieces, decodePieces(create(), pieces)]).toEqual([pieces, expected])
    })

    test('empty chunks first, then the BOM split EF | BB | BF data: stripped', () => {
      const decoder = create()
      let text = decoder.decode(new Uint8Array(0)) + decoder.decode(new ArrayBuffer(0))
      for (const b of [0xef, 0xbb, 0xbf]) text += decoder.decode(bytes(b))
      text += decoder.decode(utf8('data: x\n\n')) + decoder.end()
      expect(text).toBe('data: x\n\n')
    })

    test('BOM stripped, then a second BOM in a later chunk: kept', () => {
      const decoder = create()
      expect(decoder.decode(bytes(0xef, 0xbb, 0xbf, 0x41))).toBe('A')
      expect(decoder.decode(bytes(0xef, 0xbb, 0xbf))).toBe('\ufeff')
    })
  })

  describe('end() makes the decoder fresh for a new stream', () => {
    test('stream 1 ends with a truncated E4; stream 2 starts with a BOM: stripped again, nothing carried over', () => {
      const decoder = create()
      expect(decoder.decode(bytes(0xef, 0xbb, 0xbf, 0x41, 0xe4))).toBe('A')
      expect(decoder.end()).toBe(FFFD)
      expect(decoder.decode(bytes(0xef, 0xbb, 0xbf, 0xb8, 0x42))).toBe(FFFD + 'B')
      expect(decoder.end()).toBe('')
      expect(decoder.decode(bytes(0xef, 0xbb, 0xbf, 0x43))).toBe('C')
    })
  })

  describe('large chunks', () => {
    test('100 KB of CJK in one chunk (> 8192 code units)', () => {
      const text = '中文字符流式解码'.repeat(4300)
      const data = utf8(text)
      expect(data.length).toBeGreaterThan(100_000)
      expect(decodePieces(create(), [data])).toBe(text)
    })

    test('a + 5000 emoji in one chunk: a surrogate pair straddles the 8192-unit block edge', () => {
      const text = 'a' + '😀'.repeat(5000)
      expect(decodePieces(create(), [utf8(text)])).toBe(text)
    })

    // The decoder works in blocks of 8192 bytes (its scratch capacity), whatever the chunk size.
    test.each([['中', 3], ['é', 2], ['😀', 4]])(
      'a chunk of exactly 8192 bytes ending inside %s (held), and chunks of 8191–8193 with it across the block edge',
      (char, width) => {
        for (let k = 1; k < width; k++) {
          // 8192 - k ASCII bytes, then the character: the first chunk of 8192 bytes ends k bytes into it.
          const text = 'a'.repeat(8192 - k) + char + 'b'.repeat(100)
          const data = utf8(text)
          const decoder = create()
          const first = decoder.decode(data.subarray(0, 8192))
          expect(first).toBe('a'.repeat(8192 - k))
          expect(first + decoder.decode(data.subarray(8192)) + decoder.end()).toBe(text)
          // One chunk holding the block edge inside the character, and one ending just after it.
          for (const size of [8191, 8192, 8193, 8192 + width, 16384]) expect(decodePieces(create(), cutEvery(data, size))).toBe(text)
        }
      }
    )

    test('16384 bytes of 3-byte characters + 1 in one chunk: every block edge falls inside a character', () => {
      const text = 'x' + '中'.repeat(16384 / 3 + 10)
      expect(decodePieces(create(), [utf8(text)])).toBe(text)
      expect(decodePieces(create(), cutEvery(utf8(text), 8192))).toBe(text)
    })

    test('1 MB of mixed text in 64 KB chunks, cuts falling inside characters', () => {
      const text = 'data: 你好, world 😀 é\n'.repeat(40000)
      const data = utf8(text)
      expect(decodePieces(create(), cutEvery(data, 65536 + 1))).toBe(text)
    })
  })

  describe('inputs', () => {
    test('an ArrayBuffer', () => {
      expect(decodePieces(create(), [utf8('中文').buffer as ArrayBuffer])).toBe('中文')
    })

    test('a Uint8Array view with an offset into a larger buffer: only the view is read', () => {
      const buffer = new ArrayBuffer(16)
      const all = new Uint8Array(buffer)
      all.fill(0x58) // X
      all.set(utf8('中文'), 5)
      const view = new Uint8Array(buffer, 5, 6)
      expect(decodePieces(create(), [view])).toBe('中文')
    })

    test('a subarray() view splitting 中 across two views of one buffer', () => {
      const all = utf8('X中Y')
      const decoder = create()
      expect(decoder.decode(all.subarray(1, 3)) + decoder.decode(all.subarray(3, 5)) + decoder.end()).toBe('中Y')
    })

    test('a Node Buffer (a Uint8Array subclass)', () => {
      expect(decodePieces(create(), [Buffer.from('é中😀', 'utf8')])).toBe('é中😀')
    })
  })
})

describe('own decoder only', () => {
  test('never throws on any byte, fed one byte at a time', () => {
    const decoder = createUtf8Decoder()
    expect(() => {
      for (let round = 0; round < 4; round++) for (let b = 0; b < 256; b++) decoder.decode(bytes(b, (b * 7) & 0xff))
      decoder.end()
    }).not.toThrow()
  })

  test('all 65536 two-byte arrays equal Node native', () => {
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        const whole = bytes(a, b)
        const got = decodePieces(createUtf8Decoder(), [bytes(a), bytes(b)])
        const want = nativeDecodePieces([whole])
        if (got !== want) expect([a, b, got]).toEqual([a, b, want])
      }
    }
  })

  test('two decoders interleaved, each holding half a character: no crosstalk', () => {
    const one = createUtf8Decoder()
    const two = createUtf8Decoder()
    let a = ''
    let b = ''
    a += one.decode(bytes(0xe4, 0xb8))
    b += two.decode(bytes(0xf0, 0x9f))
    a += one.decode(bytes(0xad))
    b += two.decode(bytes(0x98, 0x80))
    expect([a + one.end(), b + two.end()]).toEqual(['中', '😀'])
  })
})

describe('scratch memory (issue: one 10 MB chunk pinned 19 MB for the life of the app)', () => {
  test('after decoding one 10 MB chunk, the decoder holds < 1 MB of heap + external memory', () => {
    // A child `node --expose-gc` on the built dist/index.cjs: full GCs before and after.
    const script = `
      const { createUtf8Decoder } = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'index.cjs'))})
      const heap = () => { global.gc(); global.gc(); const m = process.memoryUsage(); return m.heapUsed + m.external }
      const decoder = createUtf8Decoder()
      decoder.decode(new Uint8Array([0x61]))
      let big = Buffer.from('中文abc😀'.repeat(10 * 1024 * 1024 / 13))
      const size = big.length
      const before = heap() - size
      const length = decoder.decode(big).length
      big = null
      const after = heap()
      process.stdout.write(JSON.stringify({ size, length, held: after - before }))`
    const child = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 60000 })
    if (child.status !== 0) throw new Error(child.stderr)
    const { size, length, held } = JSON.parse(child.stdout)
    expect(size).toBeGreaterThan(10_000_000)
    expect(length).toBe(('中文abc😀'.length * Math.floor((10 * 1024 * 1024) / 13)))
    expect(held).toBeLessThan(1024 * 1024)
  })
})

describe('createUtf8Decoder() never uses a global TextDecoder (devtools decodes as phones do)', () => {
  const original = globalThis.TextDecoder

  afterEach(() => {
    globalThis.TextDecoder = original
  })

  /** Loads a UMD script into its own vm context (no TextDecoder, no Buffer), as on a phone. */
  function loadShim(file: string): typeof TextDecoder {
    const context = vm.createContext({})
    vm.runInContext('var self = this;', context)
    vm.runInContext(readFileSync(require.resolve(file), 'utf8'), context)
    const Shim = (context as { TextDecoder?: typeof TextDecoder }).TextDecoder
    if (typeof Shim !== 'function' || Shim === original) throw new Error(`${file} did not install its own TextDecoder`)
    return Shim
  }

  /** A TextDecoder class that counts its constructions. */
  function counted(Inner: typeof TextDecoder) {
    const log = { constructed: 0 }
    class Counted extends (Inner as any) {
      constructor(...args: any[]) {
        super(...args)
        log.constructed++
      }
    }
    return { Counted: Counted as unknown as typeof TextDecoder, log }
  }

  /** createUtf8Decoder from a fresh copy of the module, loaded while the global is in place. */
  function freshCreateUtf8Decoder(): () => Utf8Decoder {
    let create!: () => Utf8Decoder
    jest.isolateModules(() => {
      create = require('../src/utf8-decoder').createUtf8Decoder
    })
    return create
  }

  test.each([
    ['text-encoding-shim (ignores stream, throws URIError on a split character)', 'text-encoding-shim'],
    ['fast-text-encoding (throws on {stream: true})', 'fast-text-encoding'],
    ["Node's own", '']
  ])('global TextDecoder = %s: not used; 中 split E4 | B8 AD still decodes exactly', (_name, file) => {
    const Global = file ? loadShim(file) : original
    if (file) {
      // The shim itself breaks on a split character (why it must not be trusted).
      expect(() => {
        const shim = new Global()
        const out = shim.decode(bytes(0xe4), { stream: true }) + shim.decode(bytes(0xb8, 0xad), { stream: true })
        if (out !== '中') throw new Error('garbled: ' + JSON.stringify(out))
      }).toThrow()
    }
    const { Counted, log } = counted(Global)
    globalThis.TextDecoder = Counted
    const decoder = freshCreateUtf8Decoder()()
    const text = decodePieces(decoder, [bytes(0x41, 0xe4), bytes(0xb8, 0xad), bytes(0xf0, 0x9f), bytes(0x98, 0x80, 0xff)])
    expect(text).toBe('A中😀' + FFFD)
    expect(log.constructed).toBe(0)
  })

  test('no global TextDecoder at all (phones): split 中 decodes exactly', () => {
    delete (globalThis as { TextDecoder?: unknown }).TextDecoder
    const create = freshCreateUtf8Decoder()
    expect(decodePieces(create(), [bytes(0xe4), bytes(0xb8), bytes(0xad)])).toBe('中')
  })
})

describe('two-piece cuts of a BOM-led SSE frame give the text without the BOM', () => {
  test('EF BB BF "data: 中\\r\\n\\r\\n", cut at every offset, own vs native', () => {
    const whole = Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('data: 中\r\n\r\n')])
    for (const pieces of twoPieceCuts(whole)) {
      expect(decodePieces(createUtf8Decoder(), pieces)).toBe('data: 中\r\n\r\n')
      expect(nativeDecodePieces(pieces)).toBe('data: 中\r\n\r\n')
    }
  })
})
