/*
 * The shipped miniprogram_dist/index.js in JavaScriptCore, the engine iPhones run mini-programs
 * on, with the JIT off (as on iOS) and on: the conformance corpus through connectEventSource
 * under every chunking plan, and property samples (random SSE streams, arbitrary bytes, cut
 * anywhere) through the decoder and parser, each against the spec's result computed in Node.
 * The same bundle as everywhere else: nothing in it depends on the engine.
 *
 * Needs the `jsc` shell (Debian: libjavascriptcoregtk-4.0-bin). Without it these tests are
 * skipped — unless REQUIRE_JSC=1 (as .ci/run sets), when its absence fails the run.
 */
import fc from 'fast-check'
import { CORPUS, streamBytes } from './helpers/conformance-corpus'
import { PLANS, planCuts } from './helpers/browser'
import { JSC_MODES, findJsc, runInJsc, type JscCase } from './helpers/jsc'
import { referenceParse } from './helpers/jsc-reference'
import { cutsArb, messyBytesArb, sseBytesArb } from './helpers/streams'

const JSC = findJsc()
const REQUIRED = process.env.REQUIRE_JSC === '1'

const sorted = (cuts: number[], length: number) => [...new Set(cuts.map((c) => c % (length + 1)))].sort((a, b) => a - b)

/** The corpus under each plan (whole, as written, one byte per chunk, random), with the spec's events. */
function corpusCases(): Array<{ job: JscCase; expected: unknown }> {
  const out: Array<{ job: JscCase; expected: unknown }> = []
  for (const testCase of CORPUS) {
    const { bytes } = streamBytes(testCase.parts)
    for (const plan of PLANS) {
      const cuts = planCuts(testCase, plan)
      if (cuts === null) continue
      out.push({ job: { id: testCase.name + ' / ' + plan, kind: 'source', bytes: Array.from(bytes), cuts }, expected: { events: testCase.spec, errors: [200] } })
    }
  }
  return out
}

/** Seeded property samples: SSE byte streams cut anywhere (and byte by byte) vs the reference parser; messy bytes vs Node's TextDecoder. */
function propertyCases(): Array<{ job: JscCase; expected: unknown }> {
  const out: Array<{ job: JscCase; expected: unknown }> = []
  fc.sample(fc.tuple(sseBytesArb, cutsArb), { seed: 11, numRuns: 300 }).forEach(([{ text, bytes }, cuts], i) => {
    const expected = referenceParse(text)
    out.push({ job: { id: 'sse #' + i + ' cut', kind: 'parser', bytes: Array.from(bytes), cuts: sorted(cuts, bytes.length) }, expected })
    if (i < 100) out.push({ job: { id: 'sse #' + i + ' bytes', kind: 'parser', bytes: Array.from(bytes), cuts: Array.from({ length: Math.max(0, bytes.length - 1) }, (_, k) => k + 1) }, expected })
  })
  fc.sample(fc.tuple(messyBytesArb, cutsArb), { seed: 12, numRuns: 600 }).forEach(([bytes, cuts], i) => {
    out.push({ job: { id: 'bytes #' + i, kind: 'decode', bytes: Array.from(bytes), cuts: sorted(cuts, bytes.length) }, expected: new TextDecoder().decode(bytes) })
  })
  return out
}

if (!JSC) {
  if (REQUIRED) {
    test('the jsc shell is installed (REQUIRE_JSC=1)', () => {
      throw new Error('REQUIRE_JSC=1 but there is no `jsc` on the PATH (install libjavascriptcoregtk-4.0-bin, or set JSC=/path/to/jsc)')
    })
  } else test.skip('JavaScriptCore: no `jsc` shell on the PATH (set REQUIRE_JSC=1 to make this a failure)', () => {})
} else {
  const cases = [...corpusCases(), ...propertyCases()]
  describe.each(JSC_MODES)('miniprogram_dist/index.js in JavaScriptCore, %s', (_mode, flags) => {
    let run: ReturnType<typeof runInJsc>
    beforeAll(() => {
      // Three passes over the whole job: with the JIT on, the later ones run compiled code.
      run = runInJsc(JSC, flags, cases.map((c) => c.job), 3)
    }, 120000)

    test('every pass gave the same output for every case', () => {
      expect(run.runs).toBe(3)
      expect(run.unstable).toEqual([])
    })

    test.each(CORPUS.map((c) => [c.name]))('corpus %s: the spec events under every chunking plan, then errCode 200', (name) => {
      const mine = cases.filter((c) => c.job.kind === 'source' && c.job.id.startsWith(name + ' / '))
      expect(mine.length).toBeGreaterThanOrEqual(2)
      for (const c of mine) expect([c.job.id, run.results[c.job.id]]).toEqual([c.job.id, c.expected])
    })

    test('300 random SSE byte streams (BOM, CJK, emoji, CR/LF/CRLF) cut anywhere, 100 byte by byte: the reference parser on the whole text', () => {
      const mine = cases.filter((c) => c.job.kind === 'parser')
      expect(mine).toHaveLength(400)
      for (const c of mine) expect([c.job.id, run.results[c.job.id]]).toEqual([c.job.id, c.expected])
    })

    test('600 arbitrary byte arrays (invalid UTF-8, truncations, BOMs) cut anywhere: Node TextDecoder on the whole', () => {
      const mine = cases.filter((c) => c.job.kind === 'decode')
      expect(mine).toHaveLength(600)
      for (const c of mine) expect([c.job.id, run.results[c.job.id]]).toEqual([c.job.id, c.expected])
    })
  })
}
