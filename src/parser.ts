import type { EventSourceMessage, EventSourceParser, ParserCallbacks, ParserOptions } from './types'

/*
 * WHATWG HTML §9.2.6 "Interpreting an event stream", on decoded text. Decoding (and with it the
 * leading BOM) is the decoder's job: this parser sees text only.
 *
 * Speed: each feed finds line ends with indexOf, remembering the next CR and LF so no part of a
 * chunk is scanned twice. The common line shapes, `data:` lines and `data: x` followed by a
 * blank line, are handled in the loop itself, whether the line lies in one chunk or is completed
 * from held pieces (with 1 KB chunks, one line in five or so); other lines go through `line()`.
 * Linear time: a line split across feeds is kept as pieces that are never searched, only joined
 * once when its end arrives, so one long line fed in many pieces costs what it costs whole (an
 * older eventsource-parser searched the joined prefix at each feed and went quadratic).
 * Memory: the pieces of an unfinished line and the lines of a pending event are kept in lists
 * whose short pieces are joined 64 at a time (add()): a rope of one concatenation per piece
 * costs ~32 bytes of heap per piece, i.e. per character for an event of one-character `data:`
 * lines or a line fed one character at a time.
 */

const LF = 10
const COLON = 58
const SPACE = 32
/** Pieces kept apart before short ones are joined into one flat string, and what "short" is (units). */
const PIECES = 64
const SHORT = 32
/** A line may exceed maxBufferSize by its field name, colon and space: a value of exactly maxBufferSize is kept. */
const FIELD = 7 // "event: ", "retry: "

export function createParser(callbacks: ParserCallbacks, options?: ParserOptions): EventSourceParser {
  const { onEvent, onRetry, onComment, onError } = callbacks
  const maxSize = (options && options.maxBufferSize) || Infinity
  const maxLine = maxSize + FIELD

  // The stream's buffers (§9.2.6): data, event type, last event ID. The data buffer is its lines
  // (see add()) joined with LF; dataLength is its length, -1 while no data line has been seen.
  let lines: string[] = []
  let dataLength = -1
  let eventType = ''
  let idBuffer = ''
  // The source's last event ID string, set from the buffer at each dispatch.
  let lastEventId = ''
  // The start of a line whose end has not arrived yet, in pieces (see add()), `pending` units long.
  let pieces: string[] = []
  let pending = 0
  // The previous feed ended with CR: a LF starting the next one belongs to the same line end.
  let afterCR = false
  // Over maxBufferSize: input is ignored until reset(), so no cut-short event can follow the error.
  let stopped = false

  function feed(chunk: string): void {
    const length = chunk.length
    let pos = 0
    if (afterCR && length > 0) {
      afterCR = false
      if (chunk.charCodeAt(0) === LF) pos = 1
    }
    // Next CR and LF positions; -2: not searched yet, -1: none in the rest of this chunk.
    let cr = -2
    let lf = -2
    while (pos < length && !stopped) {
      if (lf < pos && lf !== -1) lf = chunk.indexOf('\n', pos)
      if (cr < pos && cr !== -1) cr = chunk.indexOf('\r', pos)
      // §9.2.5: lines end with CRLF, LF or CR.
      const end = cr === -1 ? lf : lf === -1 || cr < lf ? cr : lf
      // [extension] maxBufferSize bounds every line, whatever its field (or none).
      const size = (end === -1 ? length : end) - pos + pending
      if (size > maxLine) return overflow(size)
      if (end === -1) {
        add(pieces, pos ? chunk.slice(pos) : chunk, '', (pending = size))
        return
      }
      // The line is text[start, stop): in this chunk, or the held pieces and its end, joined.
      let text = chunk
      let start = pos
      let stop = end
      if (pending) {
        pieces.push(chunk.slice(pos, end))
        text = pieces.join('')
        pieces = []
        start = pending = 0
        stop = text.length
      }
      // "If the line is empty (a blank line): Dispatch the event."
      if (start === stop) dispatch()
      // The common line shape, `data:` (by char codes: no string is made), handled here rather
      // than in line(): the same steps.
      else if (text.charCodeAt(start) === 100 && text.charCodeAt(start + 4) === COLON && text.charCodeAt(start + 1) === 97 && text.charCodeAt(start + 2) === 116 && text.charCodeAt(start + 3) === 97) {
        // The value: after the colon and one U+0020 SPACE, if any (slice past the end gives '').
        const value = text.slice(text.charCodeAt(start + 5) === SPACE ? start + 6 : start + 5, stop)
        if (dataLength < 0 && end === lf && chunk.charCodeAt(end + 1) === LF && value.length <= maxSize) {
          // One data line and a blank line: dispatch at once, as dispatch() would.
          pos = end + 2
          lastEventId = idBuffer
          const type = eventType || 'message'
          eventType = ''
          onEvent({ type, data: value, lastEventId })
          continue
        }
        appendData(value)
      } else line(text, start, stop)
      pos = end + 1
      if (end === cr) {
        if (pos === length) afterCR = true
        else if (chunk.charCodeAt(pos) === LF) pos++
      }
    }
  }

  /** Processes the line s[start, end), which is not empty and holds no CR or LF. */
  function line(s: string, start: number, end: number): void {
    // "If the line contains a colon": the field name is before it, the value after it with one
    // leading space removed; "otherwise": the whole line is the name and the value is empty.
    let colon = start
    while (colon < end && s.charCodeAt(colon) !== COLON) colon++
    const value = s.slice(s.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1, end)
    // Field names we know are at most five characters: skip the slice for any longer one.
    switch (colon - start <= 5 ? s.slice(start, colon) : '') {
      case '':
        // "If the line starts with a U+003A COLON character (:): Ignore the line." [extension:
        // comments are reported, without the colon and one space, e.g. for keep-alive tracking]
        if (colon === start && onComment) onComment(value)
        break
      case 'data':
        appendData(value)
        break
      case 'event':
        eventType = value
        break
      case 'id':
        // "If the field value does not contain U+0000 NULL" set the last event ID buffer.
        if (value.indexOf('\0') < 0) idBuffer = value
        break
      case 'retry':
        // "If the field value consists of only ASCII digits" (and at least one).
        if (onRetry && /^\d+$/.test(value)) onRetry(parseInt(value, 10))
      // "Otherwise: The field is ignored."
    }
  }

  /** "Append the field value to the data buffer, then append a single U+000A LINE FEED". */
  function appendData(value: string): void {
    // The LF is put between values instead: the last one is removed at dispatch anyway.
    add(lines, value, '\n', (dataLength += value.length + 1))
    if (dataLength > maxSize) overflow(dataLength)
  }

  /**
   * Appends s to a list of pieces read as `list.join(separator)`, `length` units long in all.
   * Past PIECES pieces, while the pieces after the first average under SHORT units, they are
   * joined, one flat string, onto the first: the first is then a rope of few flat strings, and
   * the heap held stays within a small constant of the text's length. Longer pieces are left
   * alone (one pointer each is little next to them), so a long line costs one copy, at its end.
   */
  function add(list: string[], s: string, separator: string, length: number): void {
    if (list.push(s) > PIECES && length - list[0].length < list.length * SHORT) list[0] += separator + list.splice(1).join(separator)
  }

  /** §9.2.6 "dispatch the event". */
  function dispatch(): void {
    // 1. Set the last event ID string to the buffer's value (even when no event follows).
    lastEventId = idBuffer
    // 2. An empty data buffer: reset the buffers, no event.
    if (dataLength < 0) {
      eventType = ''
      return
    }
    // 3–6. (the trailing LF was never appended) type "message" unless an event type was given.
    const event: EventSourceMessage = { type: eventType || 'message', data: lines.length > 1 ? lines.join('\n') : lines[0], lastEventId }
    // 7. Reset the data and event type buffers.
    resetData()
    eventType = ''
    onEvent(event)
  }

  function overflow(size: number): void {
    reset()
    stopped = true
    if (onError) onError({ type: 'max-buffer-size', size })
  }

  function resetData(): void {
    lines = []
    dataLength = -1
  }

  function reset(): void {
    resetData()
    eventType = ''
    // An id seen in an event that was never dispatched is not part of the source's state.
    idBuffer = lastEventId
    pieces = []
    pending = 0
    afterCR = stopped = false
  }

  return {
    feed,
    reset,
    get lastEventId() {
      return lastEventId
    }
  }
}
