#!/usr/bin/env node
'use strict'
/**
 * setData calls and bytes for a 20,000-character markdown answer streamed at several speeds, on a
 * virtual clock (so a slow stream takes no real time): the page's way (createChatStream with
 * markdown-it → rich-text) against the old way (the whole text re-sent at every flush, 50 ms).
 * Also the markdown-it cost per flush. `npm run build` first.
 *
 *   node demo-miniprogram/scripts/measure-setdata.js
 */
const path = require('path')
const ROOT = path.resolve(__dirname, '..', '..')
const { createChatStream } = require(path.join(ROOT, 'dist', 'chat.cjs'))
const { render } = require('../miniprogram/pages/chat/markdown.js')
const { longAnswer } = require(path.join(ROOT, 'test', 'demo', 'helpers', 'long-answer.js'))

const INTERVAL = 50
const bytesOf = (update) => Buffer.byteLength(JSON.stringify(update))

/**
 * A virtual clock: Date.now, setTimeout and clearTimeout replaced; tick(ms) runs the timers that
 * fall due, in order.
 */
function installClock() {
  const saved = { now: Date.now, setTimeout: global.setTimeout, clearTimeout: global.clearTimeout }
  let now = 0
  let nextId = 1
  const timers = new Map()
  Date.now = () => now
  global.setTimeout = (fn, ms) => {
    const id = nextId++
    timers.set(id, { at: now + Math.max(0, ms || 0), fn })
    return id
  }
  global.clearTimeout = (id) => timers.delete(id)
  return {
    get now() {
      return now
    },
    tick(ms) {
      const end = now + ms
      for (;;) {
        let due = null
        for (const [id, t] of timers) if (t.at <= end && (!due || t.at < due[1].at)) due = [id, t]
        if (!due) break
        timers.delete(due[0])
        now = Math.max(now, due[1].at)
        due[1].fn()
      }
      now = end
    },
    uninstall() {
      Date.now = saved.now
      global.setTimeout = saved.setTimeout
      global.clearTimeout = saved.clearTimeout
    }
  }
}

/** Streams `text` at `perSecond` code points a second in 20 ms network chunks. */
function run(text, perSecond, makeSink) {
  const clock = installClock()
  try {
    const sink = makeSink()
    const points = Array.from(text)
    const perChunk = Math.max(1, Math.round((perSecond * 20) / 1000))
    for (let i = 0; i < points.length; i += perChunk) {
      sink.append(points.slice(i, i + perChunk).join(''))
      clock.tick(20)
    }
    sink.finish()
    return { calls: sink.calls, bytes: sink.bytes, seconds: clock.now / 1000, renderMs: sink.renderMs, renders: sink.renders, liveCalls: sink.liveCalls }
  } finally {
    clock.uninstall()
  }
}

/** The page: stable prefix with markdown-it, as pages/chat/chat.js sets it up. */
function pageSink() {
  const sink = { calls: 0, bytes: 0, renderMs: 0, renders: 0, liveCalls: 0 }
  let scrolledAt = -Infinity
  const timed = (markdown) => {
    const t = process.hrtime.bigint()
    const html = render(markdown)
    sink.renderMs += Number(process.hrtime.bigint() - t) / 1e6
    sink.renders++
    return html
  }
  const stream = createChatStream({
    path: 'messages[1]',
    render: timed,
    interval: INTERVAL,
    budget: process.env.BUDGET ? Number(process.env.BUDGET) : undefined,
    setData(update) {
      // As the page does: scroll with new blocks, and at most every 500 ms in between.
      if (Date.now() - scrolledAt >= 500 || Object.keys(update).some((k) => /\.blocks\[\d+\]$/.test(k))) {
        scrolledAt = Date.now()
        update.scrollTop = 10000000
      }
      sink.calls++
      // Calls that change the answer's text on screen (a block, a code line or tail).
      if (Object.keys(update).some((k) => /\.blocks\[\d+\]/.test(k))) sink.liveCalls++
      sink.bytes += bytesOf(update)
    }
  })
  sink.append = (t) => stream.append(t)
  sink.finish = () => stream.finish({ 'messages[1].status': 'done', streaming: false })
  return sink
}

/** The old page: every flush sends the whole text so far (`messages[1].content`). */
function oldSink() {
  const sink = { calls: 0, bytes: 0 }
  let text = ''
  let last = -Infinity
  let timer = null
  const flush = () => {
    timer = null
    last = Date.now()
    sink.calls++
    sink.bytes += bytesOf({ 'messages[1].content': text, scrollTop: 10000000 })
  }
  sink.append = (t) => {
    text += t
    if (timer) return
    const wait = last + INTERVAL - Date.now()
    if (wait <= 0) flush()
    else timer = setTimeout(flush, wait)
  }
  sink.finish = () => {
    if (timer) clearTimeout(timer)
    sink.calls++
    sink.bytes += bytesOf({ 'messages[1].content': text, 'messages[1].reasoning': '', 'messages[1].status': 'done', streaming: false, scrollTop: 10000000 })
  }
  return sink
}

function main() {
  const text = longAnswer(20000)
  const size = Buffer.byteLength(text)
  console.log('answer: ' + text.length + ' UTF-16 units, ' + size + ' B UTF-8')
  console.log('speed (chars/s) | seconds | old: setData, bytes (× size) | page: setData, bytes (× size) | markdown-it per flush')
  for (const speed of [40, 100, 200, 500, 2000]) {
    const old = run(text, speed, oldSink)
    const page = run(text, speed, pageSink)
    console.log([
      speed,
      page.seconds.toFixed(0),
      old.calls + ', ' + old.bytes + ' (' + (old.bytes / size).toFixed(1) + '×)',
      page.calls + ', ' + page.bytes + ' (' + (page.bytes / size).toFixed(2) + '×), text updates ' + (page.liveCalls / page.seconds).toFixed(1) + '/s',
      (page.renderMs / page.renders).toFixed(3) + ' ms avg over ' + page.renders + ' renders'
    ].join(' | '))
  }
}

main()
