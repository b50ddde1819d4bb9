/**
 * What the two real-browser tests share: how Debian's Chromium is launched in this closed
 * network, and where each chunking plan cuts a corpus stream into writes.
 */
import * as fs from 'node:fs'
import type * as http from 'node:http'
import { mulberry32 } from '../../node/wx-request'
import { streamBytes, type ConformanceCase } from './conformance-corpus'

export const CHROMIUM = '/usr/bin/chromium'
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM)
export const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // Without these Chromium's own background connections fail in a closed network and its
  // connections to the local server are refused.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]
/** A stream must end (and its error event fire) within this many ms. */
export const STREAM_TIMEOUT = 15000

export type Plan = 'whole' | 'pieces' | 'bytes' | 'random'
export const PLANS: Plan[] = ['whole', 'pieces', 'bytes', 'random']
/** Pause between the CUT pieces of the 'pieces' plan, so the browser reads them separately. */
export const PIECE_GAP_MS = 15
/** Separate server writes per response, at most (each costs an event-loop turn; see serverCuts). */
const MAX_WRITES = 1536
const HEAD_WRITES = 1024

/** FNV-1a of a case's name: its random plan is the same every run. */
function seedOf(name: string): number {
  let h = 2166136261
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619)
  return h >>> 0
}

/** Sorted cut offsets (strictly inside the stream) of a plan; null when it does not apply. */
export function planCuts(testCase: ConformanceCase, plan: Plan): number[] | null {
  const { bytes, cuts } = streamBytes(testCase.parts)
  const n = bytes.length
  switch (plan) {
    case 'whole':
      return []
    case 'pieces':
      return cuts.length ? cuts.filter((c) => c > 0 && c < n) : null
    case 'bytes':
      return Array.from({ length: Math.max(0, n - 1) }, (_, i) => i + 1)
    case 'random': {
      // Pieces of 1..max bytes: many small ones for short streams, ~100 for the longest.
      const random = mulberry32(seedOf(testCase.name))
      const max = Math.max(8, Math.ceil(n / 50))
      const out: number[] = []
      for (let at = 1 + Math.floor(random() * max); at < n; at += 1 + Math.floor(random() * max)) out.push(at)
      return out
    }
  }
}

/**
 * The cuts a server writes at: the plan's, except that a long stream cut finely (1-byte writes
 * of 100 KB) keeps its first HEAD_WRITES cuts and then only evenly spaced ones, to stay within
 * MAX_WRITES.
 */
export function serverCuts(cuts: number[]): number[] {
  if (cuts.length <= MAX_WRITES) return cuts
  const rest = cuts.slice(HEAD_WRITES)
  const step = Math.ceil(rest.length / (MAX_WRITES - HEAD_WRITES))
  return cuts.slice(0, HEAD_WRITES).concat(rest.filter((_, i) => i % step === 0))
}

/**
 * Writes the bytes cut at `cuts`, one write each, then ends the response. Between writes it lets
 * the event loop turn (Node corks the writes of one tick into one send), or pauses `gapMs`.
 */
export async function writePieces(res: http.ServerResponse, bytes: Uint8Array, cuts: number[], gapMs: number): Promise<void> {
  let start = 0
  for (const end of [...cuts, bytes.length]) {
    if (res.destroyed) return
    if (end > start) res.write(bytes.subarray(start, end))
    start = end
    if (end < bytes.length) await new Promise((resolve) => (gapMs ? setTimeout(resolve, gapMs) : setImmediate(resolve)))
  }
  res.end()
}

/**
 * `describe` for a suite that needs Chromium: without it, a failing test when REQUIRE_BROWSER is
 * set (CI), otherwise one skipped test and a warning.
 */
export function describeWithChromium(name: string, title: string, suite: () => void): void {
  if (!HAVE_CHROMIUM) {
    if (process.env.REQUIRE_BROWSER) {
      test(`${name}: Chromium is required (REQUIRE_BROWSER is set)`, () => {
        throw new Error(`${CHROMIUM} not found: install it (apt-get install -y chromium); REQUIRE_BROWSER forbids skipping`)
      })
    } else {
      // eslint-disable-next-line no-console
      console.warn(`${name}: SKIPPED, ${CHROMIUM} not found (apt-get install -y chromium to run it; CI sets REQUIRE_BROWSER=1)`)
      test.skip(`${name} (needs ${CHROMIUM})`, () => {})
    }
  }
  ;(HAVE_CHROMIUM ? describe : describe.skip)(title, suite)
}
