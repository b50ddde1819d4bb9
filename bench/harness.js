'use strict'
// Timing: warm-up, then rounds in which every contender runs once, in an order that rotates
// from round to round; per contender the median time, and per round the ratio of each
// contender's time to the reference's (the project's own), whose median is the reported ratio.
// Same-round ratios cancel most of the noise of a shared machine: both sides of a ratio ran
// within the same few hundred milliseconds.
// Engine-neutral: the same file runs in Node and, loaded by bench/jsc/host.js, in the `jsc` shell.
/* global preciseTime */
const wallMs = typeof preciseTime === 'function' ? () => preciseTime() * 1000 : () => performance.now()

// The clock: this process's CPU time (user + system). On a shared machine a run that waits for
// a core is not billed for the wait, which wall time would do: under a load average of 4 on two
// cores, wall-clock medians moved by 2× from run to run, CPU-time ones far less. It does count
// V8's helper threads (concurrent GC marking, background compilation), work a phone does too.
// The jsc shell has no CPU clock: there, wall time.
const cpuMs =
  typeof process === 'object' && process.cpuUsage
    ? () => {
        const { user, system } = process.cpuUsage()
        return (user + system) / 1000
      }
    : wallMs
const clock = typeof process === 'object' && process.cpuUsage ? 'cpu' : 'wall'

// No forced collection between runs, on purpose: a full GC (global.gc()) deoptimizes optimized
// code that inlined the previous run's parser closures ("weak objects"), and the next run then
// starts in the interpreter — measured runs became 2–10× slower and bimodal. Garbage left by one
// contender is billed to the next at random instead, which the rotating order evens out.

const median = (values) => {
  const sorted = values.slice().sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * workload: { name, bytes, contenders: [{ name, run() → value }], check(contender, value) }
 * options: { rounds, warmup, warmupMs, minSampleMs, reference }
 * A contender faster than minSampleMs is repeated within its sample (same count every round),
 * and its time divided by the repetitions.
 */
function measure(workload, { rounds, warmup, warmupMs = 0, minSampleMs, reference = 'own' }) {
  const { contenders } = workload
  const reps = new Map()
  for (const contender of contenders) {
    // At least `warmup` runs and `warmupMs` of running, so the optimizing compiler has had its
    // go before the first timed round; the repetitions follow from the last warm-up runs.
    const times = []
    const until = wallMs() + warmupMs
    for (let i = 0; i < warmup || wallMs() < until; i++) {
      const start = wallMs()
      const value = contender.run()
      times.push(wallMs() - start)
      workload.check(contender, value)
    }
    const typical = median(times.slice(-3))
    reps.set(contender, Math.max(1, Math.round(minSampleMs / Math.max(typical, 0.01))))
  }
  const times = new Map(contenders.map((c) => [c, []]))
  const wall = new Map(contenders.map((c) => [c, []]))
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const contender = contenders[(k + round) % contenders.length]
      const n = reps.get(contender)
      let value
      const wallStart = wallMs()
      const start = cpuMs()
      for (let i = 0; i < n; i++) value = contender.run()
      const elapsed = (cpuMs() - start) / n
      wall.get(contender).push((wallMs() - wallStart) / n)
      workload.check(contender, value)
      times.get(contender).push(elapsed)
    }
  }
  const ref = contenders.find((c) => c.name === reference)
  const result = { name: workload.name, bytes: workload.bytes, contenders: {} }
  for (const contender of contenders) {
    const t = times.get(contender)
    const ms = median(t)
    result.contenders[contender.name] = {
      label: contender.label,
      short: contender.short || contender.name,
      medianMs: round3(ms),
      mbps: round3(workload.bytes / 1048576 / (ms / 1000)),
      // The reference's throughput ÷ this contender's, round by round: > 1 means the reference is faster.
      ratio: ref ? round3(median(t.map((x, i) => x / times.get(ref)[i]))) : null,
      reps: reps.get(contender),
      timesMs: t.map(round3),
      wallMs: wall.get(contender).map(round3)
    }
  }
  return result
}

const round3 = (x) => Math.round(x * 1000) / 1000

module.exports = { measure, median, clock }
