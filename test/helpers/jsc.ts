/*
 * Running the built mini-program bundle in JavaScriptCore, the engine of iPhones: the `jsc`
 * shell (Debian's libjavascriptcoregtk-4.0-bin), with the JIT off (`--useJIT=false`, as iOS
 * runs mini-programs) or on. Node sends a job file (byte streams and where to cut them); the
 * shell plays each through the bundle and prints what came out as JSON.
 */
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

const ROOT = path.join(__dirname, '..', '..')
export const BUNDLE = path.join(ROOT, 'miniprogram_dist', 'index.js')

/** The jsc shell: $JSC, or `jsc` on the PATH; null when there is none. */
export function findJsc(): string | null {
  const candidates = process.env.JSC ? [process.env.JSC] : (process.env.PATH || '').split(path.delimiter).map((dir) => path.join(dir, 'jsc'))
  for (const file of candidates) {
    try {
      fs.accessSync(file, fs.constants.X_OK)
      if (fs.statSync(file).isFile()) return file
    } catch {
      // not this one
    }
  }
  return null
}

/** JIT off as on iPhones; JIT on with low tier-up thresholds, so that the optimizing tiers compile the library's loops within the test's few runs. */
export const JSC_MODES: Array<[string, string[]]> = [
  ['JIT off', ['--useJIT=false']],
  ['JIT on', ['--thresholdForJITAfterWarmUp=10', '--thresholdForOptimizeAfterWarmUp=20', '--thresholdForFTLOptimizeAfterWarmUp=40']]
]

/**
 * One stream to play: `bytes` cut at `cuts` (sorted offsets). kind 'source': through
 * connectEventSource with a fake wx.request (messages and error codes); 'parser': through
 * createUtf8Decoder + createParser (every callback, the last event ID); 'decode': the decoder alone.
 */
export interface JscCase {
  id: string
  kind: 'source' | 'parser' | 'decode'
  bytes: number[]
  cuts: number[]
}

export interface JscRun {
  /** Per case id: what came out (the first of the runs). */
  results: Record<string, any>
  /** Ids whose output differed between the runs of the same job (it must not). */
  unstable: string[]
  /** The runs made of the whole job. */
  runs: number
}

/** Plays the cases in jsc `runs` times (later runs see the code the JIT has compiled). */
export function runInJsc(jsc: string, flags: string[], cases: JscCase[], runs: number): JscRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsc-test-'))
  try {
    const job = path.join(dir, 'job.json')
    const script = path.join(dir, 'play.js')
    fs.writeFileSync(job, JSON.stringify({ host: path.join(ROOT, 'bench', 'jsc', 'host.js'), bundle: BUNDLE, runs, cases }))
    fs.writeFileSync(script, '(' + jscPlay.toString() + ')(arguments)\n')
    const child = spawnSync(jsc, flags.concat([script, '--', job]), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120000 })
    const line = child.stdout.split('\n').find((l) => l.startsWith('[result] '))
    if (child.status !== 0 || !line) throw new Error('jsc ' + flags.join(' ') + ' failed (status ' + child.status + '): ' + child.stderr + child.stdout.slice(-2000))
    return JSON.parse(line.slice(9))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/* eslint-disable no-var */
/** Runs inside jsc (its source is written to the script file): no Node, no imports. */
function jscPlay(args: any): void {
  const g: any = globalThis
  const job = JSON.parse(g.read(args[0]))
  g.load(job.host)
  const host = g.jscHost
  const timers = host.installTimers()
  const lib = host.loadCommonJS(job.bundle)

  function pieces(bytes: number[], cuts: number[]): ArrayBuffer[] {
    const all = new Uint8Array(bytes)
    const out: ArrayBuffer[] = []
    let at = 0
    for (const cut of cuts.concat([bytes.length])) {
      out.push(all.slice(at, cut).buffer)
      at = cut
    }
    return out
  }

  function playSource(chunks: ArrayBuffer[]) {
    const fake: any = {}
    const events: any[] = []
    const errors: number[] = []
    const header = { 'Content-Type': 'text/event-stream; charset=utf-8' }
    const source = lib.connectEventSource({
      url: 'https://stream.invalid/sse',
      request(options: any) {
        fake.options = options
        return {
          abort() {},
          onHeadersReceived(callback: any) {
            fake.headers = callback
          },
          onChunkReceived(callback: any) {
            fake.chunk = callback
          }
        }
      }
    })
    source.onMessage((e: any) => events.push({ type: e.type, data: e.data, lastEventId: e.lastEventId }))
    source.onError((e: any) => errors.push(e.errCode))
    fake.headers({ statusCode: 200, header })
    for (const chunk of chunks) fake.chunk({ data: chunk })
    fake.options.success({ statusCode: 200, header, data: new ArrayBuffer(0) })
    timers.advance(0)
    source.close()
    return { events, errors }
  }

  function playParser(chunks: ArrayBuffer[]) {
    const calls: any[] = []
    const parser = lib.createParser({
      onEvent: (event: any) => calls.push({ kind: 'event', event: { type: event.type, data: event.data, lastEventId: event.lastEventId } }),
      onRetry: (ms: number) => calls.push({ kind: 'retry', ms }),
      onComment: (text: string) => calls.push({ kind: 'comment', text })
    })
    const decoder = lib.createUtf8Decoder()
    for (const chunk of chunks) parser.feed(decoder.decode(chunk))
    parser.feed(decoder.end())
    return { calls, lastEventId: parser.lastEventId }
  }

  function playDecode(chunks: ArrayBuffer[]) {
    const decoder = lib.createUtf8Decoder()
    let text = ''
    for (const chunk of chunks) text += decoder.decode(chunk)
    return text + decoder.end()
  }

  const play: any = { source: playSource, parser: playParser, decode: playDecode }
  const results: any = {}
  const unstable: string[] = []
  for (let run = 0; run < job.runs; run++) {
    for (const c of job.cases) {
      const result = play[c.kind](pieces(c.bytes, c.cuts))
      if (run === 0) results[c.id] = result
      else if (JSON.stringify(result) !== JSON.stringify(results[c.id]) && unstable.indexOf(c.id) < 0) unstable.push(c.id)
    }
  }
  g.print('[result] ' + JSON.stringify({ results, unstable, runs: job.runs }))
}
