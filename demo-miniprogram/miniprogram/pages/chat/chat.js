/**
 * The chat page: streams an AI answer into the conversation with miniprogram-eventsource.
 *
 * One answer: ask() adds the user's bubble and an empty assistant bubble; startStream() POSTs the
 * whole conversation (OpenAI chat format) with `stream: true` to the developer's own backend
 * (config.baseUrl — never a provider with an API key: the key stays on the server).
 * readAIEvent() reads each event; createChatStream() turns the growing markdown into setData:
 * finished blocks are rendered once (markdown-it → rich-text) and never sent again, only the
 * block still growing is re-rendered, at most every config.renderInterval ms.
 *
 * Cuts: the source reconnects by itself (`reconnect`), sending Last-Event-ID; the backend resumes
 * the same answer after that event, so the text simply continues. In the background the stream
 * is closed and, back in the foreground, reopened with Last-Event-ID (pauseInBackground).
 * finish() is the one way out: [DONE], the server closing the stream, Stop, or an error.
 */
const es = require('miniprogram-eventsource')
const { readAIEvent } = require('miniprogram-eventsource/ai')
const { createChatStream, emptyAnswer, pauseInBackground } = require('miniprogram-eventsource/chat')
const config = require('../../config.js')
const utils = require('./chat-utils.js')
const markdown = require('./markdown.js')

// Far below any real content height: scroll-view clamps it to the bottom. Two values alternate
// because setting the same scroll-top twice does not scroll again.
const SCROLL_BOTTOM = 10000000

let nextId = 1

function newAssistantMessage() {
  const message = emptyAnswer()
  message.id = 'm' + nextId++
  message.role = 'assistant'
  message.status = 'streaming' // streaming | reconnecting | paused | done | stopped | error
  message.error = ''
  message.meta = ''
  message.reasoningOpen = false
  return message
}

Page({
  data: {
    messages: [],
    input: '',
    streaming: false,
    scrollTop: 0
  },

  onLoad() {
    /** The answer being streamed (see startStream), or null. */
    this.current = null
    /** Text of each answer by message id: the conversation history sent with the next question. */
    this.texts = {}
    /** Timing and setData figures of the last finished answer (the terminal demo prints them). */
    this.lastStats = null
    // [extension] Close the stream when the app goes to the background (WeChat would fail it
    // 5 s later, and retries while suspended fail at once); reopen it, resuming, on return.
    this.unbindBackground = pauseInBackground(wx, {
      pause: () => this.pause(),
      resume: () => this.resume()
    })
  },

  onUnload() {
    this.stop()
    if (this.unbindBackground) this.unbindBackground()
  },

  onInput(e) {
    this.setData({ input: e.detail.value })
  },

  onSend() {
    const text = (this.data.input || '').trim()
    if (!text || this.current) return
    this.ask(text)
  },

  onStop() {
    this.stop()
  },

  onRetry(e) {
    const index = Number(e.currentTarget.dataset.index)
    const message = this.data.messages[index]
    if (this.current || !message || message.status !== 'error') return
    const update = {}
    update['messages[' + index + ']'] = newAssistantMessage()
    this.setData(update)
    this.startStream(index)
  },

  onToggleReasoning(e) {
    const index = Number(e.currentTarget.dataset.index)
    const message = this.data.messages[index]
    if (!message) return
    const update = {}
    update['messages[' + index + '].reasoningOpen'] = !message.reasoningOpen
    this.setData(update)
  },

  /** Adds the question and streams its answer. */
  ask(text) {
    const index = this.data.messages.length
    const update = { input: '' }
    const question = { id: 'm' + nextId++, role: 'user', content: text }
    this.texts[question.id] = { content: text, reasoning: '' }
    update['messages[' + index + ']'] = question
    update['messages[' + (index + 1) + ']'] = newAssistantMessage()
    this.setData(update)
    this.startStream(index + 1)
  },

  /** Streams the answer into the (empty) assistant message at `index`. */
  startStream(index) {
    const path = 'messages[' + index + ']'
    const current = {
      index: index,
      path: path,
      id: this.data.messages[index].id,
      source: null,
      lastEventId: '',
      status: 'streaming',
      scrolledAt: 0,
      body: {
        model: config.model,
        messages: utils.buildHistory(this.data.messages, index, config.systemPrompt, this.texts),
        stream: true
      },
      stream: createChatStream({
        path: path,
        setData: (update) => {
          // Scroll with new blocks and at most every 500 ms in between: every setData byte counts.
          const now = Date.now()
          if (now - current.scrolledAt >= 500 || Object.keys(update).some(isNewBlock)) {
            current.scrolledAt = now
            update.scrollTop = this.nextScrollTop()
          }
          this.setData(update)
        },
        render: markdown.render,
        interval: config.renderInterval,
        typewriter: config.typewriter
      }),
      stats: { startedAt: Date.now(), firstTokenAt: 0, endedAt: 0, events: 0, reconnects: 0, resumes: 0 }
    }
    this.current = current
    this.setData({ streaming: true, scrollTop: this.nextScrollTop() })
    this.open(current)
  },

  /** One event source for the current answer; with `lastEventId`, resuming it after that event. */
  open(current) {
    const header = { 'Content-Type': 'application/json' }
    if (current.lastEventId) header['Last-Event-ID'] = current.lastEventId
    const source = es.connectEventSource({
      url: config.baseUrl + '/chat/completions',
      method: 'POST',
      header: header,
      data: current.body,
      timeout: config.timeout,
      idleTimeout: config.idleTimeout,
      maxBufferSize: config.maxBufferSize,
      // [extension] After a cut, a 60 s request cap or 'fail interrupted', the library reconnects
      // with Last-Event-ID and the same body; the backend continues the same answer.
      reconnect: config.reconnect
    })
    current.source = source
    const live = () => this.current === current && current.source === source

    source.onOpen(() => {
      if (live()) setStatus(current, 'streaming')
    })

    source.onMessage((ev) => {
      if (!live()) return
      const stats = current.stats
      stats.events++
      if (ev.lastEventId) current.lastEventId = ev.lastEventId
      const part = readAIEvent(ev)
      if (part.error) return this.finish('error', part.error)
      if ((part.text || part.reasoning) && !stats.firstTokenAt) stats.firstTokenAt = Date.now()
      current.stream.appendReasoning(part.reasoning)
      current.stream.append(part.text)
      if (part.done) this.finish('done')
    })

    source.onError((err) => {
      if (!live()) return
      // errCode 200 (ERR_END): the server ended the stream. After [DONE] the answer is already
      // finished; without one, that is how a plain server ends: done, not failed, and no reconnect.
      if (err.errCode === es.ERR_END) return this.finish('done')
      // The library is reconnecting (readyState CONNECTING): show it and wait.
      if (source.readyState === source.CONNECTING) {
        current.stats.reconnects++
        setStatus(current, 'reconnecting')
        return
      }
      this.finish('error', utils.errorText(err, es))
    })
  },

  /** The app went to the background: close the stream, keep the answer and where it stopped. */
  pause() {
    const current = this.current
    if (!current || !current.source) return
    current.source.close()
    current.source = null
    setStatus(current, 'paused')
  },

  /** Back in the foreground: reopen, resuming after the last event received. */
  resume() {
    const current = this.current
    if (!current || current.source) return
    current.stats.resumes++
    this.open(current)
  },

  /** Stop: close the connection and keep what has arrived; no update follows. */
  stop() {
    if (this.current) this.finish('stopped')
  },

  /** Ends the current answer with everything received so far, in one last setData. */
  finish(status, error) {
    const current = this.current
    if (!current) return
    this.current = null
    if (current.source) current.source.close()
    current.source = null
    const stats = current.stats
    stats.endedAt = Date.now()
    const stream = current.stream
    this.texts[current.id] = { content: stream.text, reasoning: stream.reasoning }

    const update = { streaming: false }
    update[current.path + '.status'] = status
    update[current.path + '.error'] = error || ''
    if (status === 'done' && stats.firstTokenAt) {
      update[current.path + '.meta'] = '首字 ' + utils.formatSeconds(stats.firstTokenAt - stats.startedAt) +
        ' · 用时 ' + utils.formatSeconds(stats.endedAt - stats.startedAt)
    }
    stream.finish(update)
    stats.setData = stream.stats.calls
    stats.setDataBytes = stream.stats.bytes
    this.lastStats = stats
  },

  /** The answer's text so far (the stream keeps it; setData carries rendered blocks). */
  answerText(index) {
    const message = this.data.messages[index]
    if (!message) return null
    if (this.current && this.current.index === index) return { content: this.current.stream.text, reasoning: this.current.stream.reasoning }
    return this.texts[message.id] || null
  },

  nextScrollTop() {
    return this.data.scrollTop === SCROLL_BOTTOM ? SCROLL_BOTTOM + 1 : SCROLL_BOTTOM
  }
})

function isNewBlock(key) {
  return /\.blocks\[\d+\]$/.test(key)
}

/** Shows the answer's connection state (streaming, reconnecting, paused) with the next flush. */
function setStatus(current, status) {
  if (current.status === status) return
  current.status = status
  const update = {}
  update[current.path + '.status'] = status
  current.stream.set(update)
}
