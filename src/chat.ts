/**
 * `miniprogram-eventsource/chat` — [extension] streaming an answer into a chat page with few,
 * small setData calls. Separate entry: nothing here is in the WeChat core bundle.
 *
 * Why: every setData serialises its data and sends it from the logic layer to the render layer.
 * Re-sending the whole answer on every flush costs O(n²) bytes over an answer; the official
 * setData guidance asks for few calls, carrying only the changed paths. So the answer is cut into
 * a stable prefix of finished markdown blocks, each rendered and sent once, and the block still
 * growing, the only part re-rendered — in place, so a block whose last re-render already showed
 * all of it is not sent again when it is finished. Code blocks are sent line by line.
 *
 * Data written under `path` (start the message with {@link emptyAnswer}):
 *
 * | key | what | sent |
 * |---|---|---|
 * | `blocks[k]` | `render(markdown)` of the block still growing (the last item), re-sent as it grows | while it grows |
 * | `blocks[k]` | then of the finished block(s) (those finished in one flush together), unless already shown whole | once |
 * | `blocks[k]` | `{ lang, lines: [], tail: '' }`: a fenced code block | once |
 * | `blocks[k].lines[j]` | finished lines of that code block (one item per flush, joined by `\n`) | once |
 * | `blocks[k].tail` | its unfinished last line | while it grows |
 * | `think[j]` / `thinkTail` | finished reasoning lines (one item per flush) / the unfinished last line | once / while it grows |
 */

declare function setTimeout(callback: () => void, ms: number): unknown
declare function clearTimeout(timer: unknown): void

/** A setData update: path → value. */
export type SetDataUpdate = Record<string, unknown>

export interface ChatStreamOptions {
  /** setData path of the message the answer goes to, e.g. `'messages[3]'`. */
  path: string
  /** Applies one update, e.g. `(u) => page.setData(u)`. Called at most once per `interval` ms while streaming. */
  setData(update: SetDataUpdate): void
  /**
   * Turns markdown into what the WXML binds for it: an HTML string or a node array for
   * `<rich-text nodes>`. Called for each finished block once, and for the growing block at each
   * flush (so it sees unfinished constructs: half a table, an unclosed `**`). Default: the text.
   */
  render?(markdown: string): unknown
  /** The least time between two setData calls while streaming, in ms. Default 50 (20 per second). */
  interval?: number
  /**
   * Bytes the answer's setData calls may send in all, as a multiple of the answer's UTF-8 size
   * (plus 2 KiB, plus the final update). Finished blocks always go; a re-render of the growing
   * block waits when it would go over. Default 2.5; `0` means no limit.
   */
  budget?: number
  /**
   * Typewriter smoothing: spread a burst of text over about this many ms instead of showing it at
   * once, by whole code points (CJK and emoji are never split). Default 0: off.
   */
  typewriter?: number
}

export interface ChatStreamStats {
  /** setData calls made. */
  calls: number
  /** UTF-8 bytes of `JSON.stringify(update)` of those calls. */
  bytes: number
}

export interface ChatStream {
  /** Adds answer text (markdown) as it arrives. */
  append(text: string): void
  /** Adds reasoning text as it arrives. */
  appendReasoning(text: string): void
  /** Adds other keys (a status, a scroll position) to the next setData. */
  set(update: SetDataUpdate): void
  /**
   * Ends the answer: everything received is shown (typewriter or not), the growing block becomes
   * a finished one, and `update` goes in the same, last, setData. Nothing is sent after it.
   */
  finish(update?: SetDataUpdate): void
  /** Stops without another setData (the page is going away). */
  cancel(): void
  /** The answer text received so far. */
  readonly text: string
  /** The reasoning text received so far. */
  readonly reasoning: string
  readonly stats: ChatStreamStats
}

/** The fields {@link createChatStream} writes, empty: spread them into a new message. */
export function emptyAnswer(): { blocks: unknown[]; think: string[]; thinkTail: string } {
  return { blocks: [], think: [], thinkTail: '' }
}

const ALLOWANCE = 2048

function trimEnd(text: string): string {
  return text.replace(/\s+$/, '')
}

/** UTF-8 length of a JS string (a surrogate pair is 4 bytes, a lone surrogate 3 as U+FFFD). */
export function utf8Length(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

// Line kinds, by CommonMark's block rules (only what a cut depends on).
const BLANK = /^[ \t]*$/
const INDENTED = /^[ \t]/
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/
const HEADING = /^ {0,3}#{1,6}([ \t]|$)/

/**
 * [extension] Streams an answer into `path` with the setData calls described above.
 *
 * ```js
 * const stream = createChatStream({ path: 'messages[3]', setData: (u) => this.setData(u), render: (md) => markdown.render(md) })
 * es.onMessage((ev) => { const d = readAIEvent(ev); stream.append(d.text); stream.appendReasoning(d.reasoning) })
 * // on [DONE]: stream.finish({ 'messages[3].status': 'done' })
 * ```
 */
export function createChatStream(options: ChatStreamOptions): ChatStream {
  const path = options.path
  const render = options.render || ((markdown: string) => markdown)
  const interval = options.interval === undefined ? 50 : options.interval
  const budget = options.budget === undefined ? 2.5 : options.budget
  const typewriter = options.typewriter || 0
  const stats: ChatStreamStats = { calls: 0, bytes: 0 }

  let received = '' // all answer text
  let text = '' // the part shown (= received without typewriter)
  let reasoning = ''
  let typeStep = 1
  let inputBytes = 0

  // The splitter's state: text before `pos` is cut into lines; the growing block starts at `blockStart`.
  let pos = 0
  let blockStart = 0
  let blockCount = 0
  let blockHasText = false
  let prevBlank = false
  let prevHeading = false
  /** The open fenced code block: its fence, block index, next line index; null outside one. */
  let fence: { mark: string; index: number; lines: number } | null = null
  /** The growing block's item in `blocks` (-1: not on screen yet) and the markdown it shows. */
  let liveIndex = -1
  let sentLiveSource = ''
  /** Code lines finished in this flush, not sent yet. */
  let codeLines: string[] = []
  /** Did this flush cut something (a block, code lines, reasoning lines)? */
  let cut = false
  let sentTail = ''
  let thinkPos = 0
  let thinkLines = 0
  let sentThinkTail = ''

  /** Append-only keys (and the caller's): they always go. */
  let stable: SetDataUpdate = {}
  let timer: unknown = null
  let lastFlush = -Infinity
  let closed = false

  /**
   * Markdown blocks finished in this flush, rendered when it is sent; `mergeInto` takes more.
   * `shown`: what the item already shows (the growing block's last re-render), '' for nothing.
   */
  let merged: { index: number; source: string; shown: string }[] = []
  let mergeInto: { index: number; source: string; shown: string } | null = null

  function commitMerged(): void {
    for (const block of merged) {
      if (trimEnd(block.source) !== block.shown) stable[path + '.blocks[' + block.index + ']'] = render(block.source)
    }
    merged = []
    mergeInto = null
  }

  /** The code lines finished in this flush go as one item of `lines`: one key, not one per line. */
  function endCodeLines(): void {
    if (fence && codeLines.length) {
      stable[path + '.blocks[' + fence.index + '].lines[' + fence.lines++ + ']'] = codeLines.join('\n')
      cut = true
    }
    codeLines = []
  }

  function emitBlock(markdown: string): void {
    if (BLANK.test(markdown.replace(/\n/g, ''))) return
    // Blocks finished in the same flush go as one item: one key, one rich-text. The first takes
    // the growing block's item when it is on screen.
    if (mergeInto) mergeInto.source += markdown
    else {
      mergeInto = { index: liveIndex >= 0 ? liveIndex : blockCount++, source: markdown, shown: liveIndex >= 0 ? sentLiveSource : '' }
      merged.push(mergeInto)
    }
    liveIndex = -1
    sentLiveSource = ''
  }

  /** One finished line at [start, next) of `text`. */
  function line(raw: string, start: number, next: number): void {
    const value = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw
    if (fence) {
      const close = FENCE.exec(value)
      if (close && close[1][0] === fence.mark[0] && close[1].length >= fence.mark.length && BLANK.test(close[2])) {
        endCodeLines()
        if (sentTail) stable[path + '.blocks[' + fence.index + '].tail'] = sentTail = ''
        fence = null
        blockStart = next
        blockHasText = prevBlank = prevHeading = false
      } else codeLines.push(value)
      return
    }
    const blank = BLANK.test(value)
    const open = FENCE.exec(value)
    const opens = open !== null && (open[1][0] === '~' || open[2].indexOf('`') < 0)
    const heading = HEADING.test(value)
    // Cut before this line when nothing after it can change the block before it: a blank line
    // ended that block (and this line is not indented into it), or this line starts a heading or
    // a code fence, or the line before was a heading. (Items of one list stay one block: cut
    // apart, each item costs a key and list markup of its own, more than re-sending short items.)
    if (
      blockHasText &&
      start > blockStart &&
      ((prevBlank && !blank && !INDENTED.test(value)) || heading || opens || prevHeading)
    ) {
      emitBlock(text.slice(blockStart, start))
      blockStart = start
      blockHasText = false
    }
    if (opens) {
      commitMerged()
      // The growing block on screen was this fence line alone, unfinished: its item becomes the code block.
      const index = liveIndex >= 0 ? liveIndex : blockCount++
      liveIndex = -1
      sentLiveSource = ''
      stable[path + '.blocks[' + index + ']'] = { lang: open![2].trim().split(/\s/)[0], lines: [], tail: '' }
      cut = true
      fence = { mark: open![1], index: index, lines: 0 }
      blockStart = next
      sentTail = ''
      prevBlank = prevHeading = false
      return
    }
    if (!blank) blockHasText = true
    prevBlank = blank
    prevHeading = heading
  }

  /**
   * Cuts what arrived into `stable` updates, and returns the growing block's markdown ('' for
   * none): the one update a budget may hold back.
   */
  function collect(final: boolean): { source: string; replace: SetDataUpdate } {
    const replace: SetDataUpdate = {}
    let nl: number
    while ((nl = text.indexOf('\n', pos)) >= 0) {
      line(text.slice(pos, nl), pos, nl + 1)
      pos = nl + 1
    }
    const rest = text.slice(pos)
    // The unfinished line already shows the block before it is finished: after a blank line or a
    // heading it does not start indented.
    if (
      !fence && blockHasText && rest && pos > blockStart &&
      (prevBlank || prevHeading) && !INDENTED.test(rest)
    ) {
      emitBlock(text.slice(blockStart, pos))
      blockStart = pos
      blockHasText = false
    }
    let source = ''
    if (fence) {
      if (final && rest) codeLines.push(rest)
      endCodeLines()
      const tail = final ? '' : rest
      if (tail !== sentTail) replace[path + '.blocks[' + fence.index + '].tail'] = tail
    } else {
      source = text.slice(blockStart)
      if (BLANK.test(source.replace(/\n/g, ''))) source = ''
      else source = trimEnd(source)
      if (final) {
        emitBlock(source)
        source = ''
      }
    }
    const end = final ? reasoning.length : reasoning.lastIndexOf('\n') + 1
    if (end > thinkPos) {
      stable[path + '.think[' + thinkLines++ + ']'] = reasoning.slice(thinkPos, end).replace(/\n$/, '')
      thinkPos = end
      cut = true
    }
    const thinkRest = reasoning.slice(thinkPos)
    if (thinkRest !== sentThinkTail) replace[path + '.thinkTail'] = thinkRest
    commitMerged()
    return { source, replace }
  }

  function flush(final: boolean, extra?: SetDataUpdate): void {
    if (timer !== null) clearTimeout(timer)
    timer = null
    if (typewriter && !final) reveal()
    cut = false
    const { source, replace } = collect(final)
    if (extra) for (const key in extra) stable[key] = extra[key]
    const update = stable
    stable = {}
    const replaced = Object.keys(replace)
    const pending = source !== '' && source !== sentLiveSource
    if (replaced.length || pending) {
      // What replaces an earlier value (the growing block, an unfinished line) may wait for more
      // text, or the end, when sending it now would take the answer over the budget — unless
      // code or reasoning lines were cut this flush: the cut line would be on screen twice (line
      // and tail) until its tail goes. (The growing block is costed by its markdown before it is
      // rendered: its HTML is no shorter.)
      const liveKey = path + '.blocks[' + (liveIndex >= 0 ? liveIndex : blockCount) + ']'
      for (const key in replace) update[key] = replace[key]
      const estimate = stats.bytes + utf8Length(JSON.stringify(update)) + (pending ? utf8Length(source) + liveKey.length + 6 : 0)
      const held = !final && !cut && budget > 0 && estimate > budget * inputBytes + ALLOWANCE
      if (held) replaced.forEach((key) => delete update[key])
      else {
        if (pending) {
          if (liveIndex < 0) liveIndex = blockCount++
          update[liveKey] = render(source)
          sentLiveSource = source
        }
        if (fence) sentTail = final ? '' : text.slice(pos)
        sentThinkTail = reasoning.slice(thinkPos)
      }
    }
    if (Object.keys(update).length) {
      lastFlush = Date.now()
      stats.calls++
      stats.bytes += utf8Length(JSON.stringify(update))
      options.setData(update)
    }
    // A typewriter still has text to show.
    if (!final && text.length < received.length) schedule()
    else typeStep = 1
  }

  /** Typewriter: shows the next part of what was received, whole code points only. */
  function reveal(): void {
    if (received.length <= text.length) return
    let step = typeStep
    let end = text.length
    while (step-- > 0 && end < received.length) {
      const c = received.charCodeAt(end++)
      if (c >= 0xd800 && c < 0xdc00 && end < received.length) end++
    }
    text = received.slice(0, end)
  }

  function schedule(): void {
    if (closed || timer !== null) return
    const wait = Math.max(0, lastFlush + interval - Date.now())
    timer = setTimeout(() => {
      timer = null
      if (!closed) flush(false)
    }, wait)
  }

  function changed(): void {
    if (closed || timer !== null) return
    if (Date.now() - lastFlush >= interval && !typewriter) flush(false)
    else schedule()
  }

  return {
    append(chunk: string): void {
      if (closed || !chunk) return
      received += chunk
      if (!typewriter) text = received
      // The typewriter's pace: what is waiting, shown in about `typewriter` ms (UTF-16 units as an
      // estimate of code points; reveal() keeps pairs whole).
      else typeStep = Math.max(typeStep, Math.ceil(((received.length - text.length) * interval) / typewriter))
      inputBytes += utf8Length(chunk)
      changed()
    },
    appendReasoning(chunk: string): void {
      if (closed || !chunk) return
      reasoning += chunk
      inputBytes += utf8Length(chunk)
      changed()
    },
    set(update: SetDataUpdate): void {
      if (closed) return
      for (const key in update) stable[key] = update[key]
      changed()
    },
    finish(update?: SetDataUpdate): void {
      if (closed) return
      text = received
      flush(true, update)
      closed = true
    },
    cancel(): void {
      closed = true
      if (timer !== null) clearTimeout(timer)
      timer = null
      stable = {}
    },
    get text() {
      return received
    },
    get reasoning() {
      return reasoning
    },
    stats: stats
  }
}

/** The part of `wx` {@link pauseInBackground} uses. */
export interface AppLifecycle {
  onAppHide(callback: (...args: any[]) => void): void
  onAppShow(callback: (...args: any[]) => void): void
  offAppHide?(callback: (...args: any[]) => void): void
  offAppShow?(callback: (...args: any[]) => void): void
}

/**
 * [extension] Calls `pause` when the app goes to the background and `resume` when it comes back
 * (after a pause only). WeChat fails requests still running 5 s after the app is hidden ("fail
 * interrupted") and fails at once those started while it is suspended, so a stream should be
 * closed on hide and reopened on show — with `Last-Event-ID`, for a server that can resume.
 * Returns a function that removes both listeners (call it when the page unloads).
 *
 * ```js
 * this.unbind = pauseInBackground(wx, { pause: () => es.close(), resume: () => reopen(lastEventId) })
 * ```
 */
export function pauseInBackground(app: AppLifecycle, handlers: { pause(): void; resume(): void }): () => void {
  let paused = false
  const hide = (): void => {
    if (paused) return
    paused = true
    handlers.pause()
  }
  const show = (): void => {
    if (!paused) return
    paused = false
    handlers.resume()
  }
  app.onAppHide(hide)
  app.onAppShow(show)
  return () => {
    if (app.offAppHide) app.offAppHide(hide)
    if (app.offAppShow) app.offAppShow(show)
  }
}
