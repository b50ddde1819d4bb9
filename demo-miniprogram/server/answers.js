'use strict'
/**
 * Resumable answers. Every streamed answer gets an id; every SSE event of it carries
 * `id: <answerId>.<seq>` (seq counts the answer's events from 1). The answer, running or
 * finished, stays in memory for `ttlMs` after its last event, with the events generated so far,
 * so a reconnect carrying `Last-Event-ID: <answerId>.<seq>` continues the SAME answer after
 * `seq`: no duplicate text, no second generation, no second upstream call.
 *
 * At most one client is attached to an answer at a time; a newer one takes over (the old
 * connection is usually a dead one the server has not noticed yet). The producer (the simulated
 * model or the upstream reader) asks `wantsMore()` before each event:
 *   - a client is attached: only when everything is written and the socket needs no `drain`
 *     (backpressure reaches the model / the upstream);
 *   - nobody is attached: until the answer holds `maxAnswerBytes`, then it waits for a client.
 */
const crypto = require('crypto')
const { errorBody } = require('./openai-format')

const ANSWER_LIMITS = {
  /** How long an answer is kept after its last event, in ms (5 minutes). */
  ttlMs: 5 * 60 * 1000,
  /** At most this many answers are kept; the least recently active is evicted first. */
  maxAnswers: 200,
  /** Bytes of events kept for all answers together (64 MiB). */
  maxBytes: 64 * 1024 * 1024,
  /** Bytes of events kept for one answer (4 MiB): a detached answer stops growing there. */
  maxAnswerBytes: 4 * 1024 * 1024
}

/** 12 random bytes = 16 base64url characters. */
function newAnswerId() {
  return crypto.randomBytes(12).toString('base64url')
}

/** Events a producer may make ahead of the socket inside one produce() call. */
const PRODUCE_BATCH = 64

const LAST_EVENT_ID = /^([A-Za-z0-9_-]{16})\.(\d{1,9})$/

/** `"<answerId>.<seq>"` → `{ answerId, seq }`, or null when it is not one of ours. */
function parseLastEventId(value) {
  const m = typeof value === 'string' ? LAST_EVENT_ID.exec(value.trim()) : null
  return m ? { answerId: m[1], seq: Number(m[2]) } : null
}

function createAnswerStore(userLimits) {
  const limits = Object.assign({}, ANSWER_LIMITS, userLimits || {})
  /** Map order = least recently active first (an answer is re-inserted on each event). */
  const answers = new Map()
  const stats = { created: 0, resumed: 0, evicted: 0, expired: 0 }
  let totalBytes = 0

  function create() {
    const answer = new Answer(newAnswerId(), store)
    answers.set(answer.id, answer)
    stats.created++
    while (answers.size > limits.maxAnswers) evictOldest()
    return answer
  }

  function evictOldest() {
    const oldest = answers.values().next().value
    stats.evicted++
    oldest.discard()
  }

  const store = {
    limits: limits,
    stats: stats,
    create: create,
    get: (id) => answers.get(id),
    get size() {
      return answers.size
    },
    get totalBytes() {
      return totalBytes
    },
    /** Called by an answer: it had an event (`delta` bytes, negative when it dropped some). */
    _touched(answer, delta) {
      answers.delete(answer.id)
      answers.set(answer.id, answer)
      totalBytes += delta
      while (totalBytes > limits.maxBytes && answers.size > 1) evictOldest()
    },
    _removed(answer) {
      if (answers.get(answer.id) === answer) answers.delete(answer.id)
      totalBytes -= answer.bytes
    },
    _expired() {
      stats.expired++
    },
    /** Ends every answer (server shutdown). */
    close() {
      Array.from(answers.values()).forEach((answer) => answer.discard())
    }
  }
  return store
}

class Answer {
  constructor(id, store) {
    this.id = id
    this.store = store
    /** Complete SSE events (`id:` line included); events[base] has seq `firstSeq`. */
    this.events = []
    this.base = 0
    this.firstSeq = 1
    this.seq = 0
    this.bytes = 0
    this.finished = false
    this.discarded = false
    /** Inside produce(): events are written together when it returns. */
    this.holding = false
    /** Attached client: `{ res, next, blocked, cutAfter }` (next = seq of the next event to write). */
    this.client = null
    /** Set by the producer: called when `wantsMore()` may have become true. */
    this.onDemand = null
    /** Set by the producer: called once when the answer is thrown away (stop generating). */
    this.onDiscard = null
    this.timer = setTimeout(() => {
      store._expired()
      this.discard()
    }, store.limits.ttlMs)
    this.timer.unref()
  }

  /** Whether the producer should make the next event now. */
  wantsMore() {
    if (this.finished || this.discarded) return false
    if (this.client) return !this.client.blocked && this.seq - this.client.next + 1 < (this.holding ? PRODUCE_BATCH : 1)
    return this.bytes < this.store.limits.maxAnswerBytes
  }

  /** Runs `fn`, which pushes events; they are written in one piece at the end. */
  produce(fn) {
    this.holding = true
    try {
      fn()
    } finally {
      this.holding = false
      this.flush()
    }
  }

  /** Appends one event; `fields` are its SSE lines without `id:` (e.g. `data: {...}`), no trailing newline. */
  push(fields) {
    if (this.finished || this.discarded) return
    this.seq++
    const text = 'id: ' + this.id + '.' + this.seq + '\n' + fields + '\n\n'
    const size = Buffer.byteLength(text)
    this.events.push(text)
    this.bytes += size
    let delta = size
    // Over its own bound with a client reading: forget events that client already has
    // (a moving start index, not shift(): that made long answers quadratic).
    const limit = this.store.limits.maxAnswerBytes
    while (this.bytes > limit && this.client && this.firstSeq < this.client.next && this.firstSeq < this.seq) {
      const dropped = Buffer.byteLength(this.events[this.base])
      this.events[this.base++] = null
      this.firstSeq++
      this.bytes -= dropped
      delta -= dropped
    }
    if (this.base > 1024 && this.base * 2 > this.events.length) {
      this.events = this.events.slice(this.base)
      this.base = 0
    }
    this.timer.refresh()
    this.store._touched(this, delta)
    if (!this.holding) this.flush()
  }

  /** A comment (keep-alive) for the attached client, if it is caught up; never stored. */
  comment(text) {
    const client = this.client
    if (client && !client.blocked && client.next > this.seq) client.res.write(': ' + text + '\n\n')
  }

  /** The answer is complete: an attached client gets the rest and then the end of the response. */
  finish() {
    if (this.finished || this.discarded) return
    this.finished = true
    this.timer.refresh()
    this.flush()
  }

  /**
   * The producer failed mid-answer (the upstream cut it off): one last event says so in the
   * OpenAI error shape, then the answer ends without `[DONE]`. A resume gets the same ending.
   */
  fail(message) {
    if (this.finished || this.discarded) return
    this.push('data: ' + JSON.stringify(errorBody(message, 'upstream_error', 'upstream_cut')))
    this.finish()
  }

  /** Whether the events after `seq` are all still here. */
  canResumeAfter(seq) {
    return !this.discarded && seq >= this.firstSeq - 1 && seq <= this.seq
  }

  /**
   * Attaches `res` (headers already written) to continue after `afterSeq`. False when those
   * events are no longer kept (or never existed): the caller answers 410.
   */
  attach(res, afterSeq) {
    if (!this.canResumeAfter(afterSeq)) return false
    if (this.client) {
      const old = this.client.res
      this.client = null
      old.destroy()
    }
    const client = { res: res, next: afterSeq + 1, blocked: false, cutAfter: 0 }
    this.client = client
    res.on('close', () => {
      if (this.client !== client) return
      this.client = null
      // Nobody reading: the producer may go on up to the answer's bound.
      this.demand()
    })
    this.flush()
    this.demand()
    return true
  }

  /** Destroys the attached client's connection once event `seq` is written (the `/cut` trigger). */
  cutClientAfter(seq) {
    if (this.client) this.client.cutAfter = seq
  }

  /** Writes what the attached client has not got yet, as far as the socket takes it. */
  flush() {
    const client = this.client
    if (!client || client.blocked || client.res.destroyed) return
    if (client.next <= this.seq) {
      let last = this.seq
      if (client.cutAfter >= client.next && client.cutAfter < last) last = client.cutAfter
      const from = this.base + client.next - this.firstSeq
      const text = this.events.slice(from, from + last - client.next + 1).join('')
      client.next = last + 1
      if (client.cutAfter && client.cutAfter < client.next) {
        // Lost mid-answer: no chunked terminator, the socket just goes away (once written).
        const res = client.res
        this.client = null
        res.write(text, () => res.destroy())
        this.demand()
        return
      }
      if (!client.res.write(text)) {
        client.blocked = true
        client.res.once('drain', () => {
          client.blocked = false
          this.flush()
          this.demand()
        })
        return
      }
    }
    if (this.finished && client.next > this.seq && !client.res.writableEnded) client.res.end()
  }

  demand() {
    if (this.onDemand && this.wantsMore()) this.onDemand()
  }

  /** Throws the answer away: the producer stops, an attached client is cut. */
  discard() {
    if (this.discarded) return
    this.discarded = true
    clearTimeout(this.timer)
    this.store._removed(this)
    this.events = []
    const client = this.client
    this.client = null
    if (client && !client.res.writableEnded) client.res.destroy()
    if (this.onDiscard) this.onDiscard()
  }
}

module.exports = { createAnswerStore, parseLastEventId, newAnswerId, ANSWER_LIMITS }
