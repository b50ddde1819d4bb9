/*
 * The model of the property tests: WHATWG HTML §9.2.6 written straight on whole text, in the
 * fewest lines (test/chunking.property.test.ts runs the library against it in Node,
 * test/jsc.test.ts runs the built bundle against it in JavaScriptCore).
 */
import type { EventSourceMessage } from '../../src/types'
import type { ParserCall } from './streams'

/** What a stream produced: callbacks in order, and the last event ID string at the end. */
export interface Outcome {
  calls: ParserCall[]
  lastEventId: string
}

/**
 * Reference: §9.2.6 on the whole text. Splits at CRLF | LF | CR (CRLF first); the text after
 * the last line end is an incomplete line and is not processed.
 */
export function referenceParse(text: string): Outcome {
  const calls: ParserCall[] = []
  let data = ''
  let type = ''
  let idBuffer = ''
  let lastEventId = ''
  const lineEnd = /\r\n|\n|\r/g
  let start = 0
  let match: RegExpExecArray | null
  while ((match = lineEnd.exec(text)) !== null) {
    processLine(text.slice(start, match.index))
    start = lineEnd.lastIndex
  }
  return { calls, lastEventId }

  function processLine(line: string): void {
    if (line === '') return dispatch()
    if (line.startsWith(':')) {
      const comment = line.slice(1)
      calls.push({ kind: 'comment', text: comment.startsWith(' ') ? comment.slice(1) : comment })
      return
    }
    const colon = line.indexOf(':')
    let field = line
    let value = ''
    if (colon >= 0) {
      field = line.slice(0, colon)
      value = line.slice(colon + 1)
      if (value.startsWith(' ')) value = value.slice(1)
    }
    if (field === 'event') type = value
    else if (field === 'data') data += value + '\n'
    else if (field === 'id') {
      if (!value.includes('\u0000')) idBuffer = value
    } else if (field === 'retry') {
      if (/^[0-9]+$/.test(value)) calls.push({ kind: 'retry', ms: parseInt(value, 10) })
    }
  }

  function dispatch(): void {
    lastEventId = idBuffer
    if (data === '') {
      type = ''
      return
    }
    if (data.endsWith('\n')) data = data.slice(0, -1)
    const event: EventSourceMessage = { type: type === '' ? 'message' : type, data, lastEventId }
    data = ''
    type = ''
    calls.push({ kind: 'event', event })
  }
}

