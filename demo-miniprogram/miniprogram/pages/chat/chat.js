/**
 * The chat page: streams an AI answer into the conversation with miniprogram-eventsource.
 *
 * Flow of one answer: ask() adds the user's bubble and an empty assistant bubble, startStream()
 * POSTs the whole conversation (OpenAI chat format) with `stream: true`, every event's delta is
 * appended to the answer, and the batcher hands the grown text to setData at most every
 * `config.renderInterval` ms. finish() is the one way out: [DONE], the server closing the stream,
 * Stop, or an error.
 */
const { connectEventSource } = require('miniprogram-eventsource')
const config = require('../../config.js')
const utils = require('./chat-utils.js')

// Far below any real content height: scroll-view clamps it to the bottom. Two values alternate
// because setting the same scroll-top twice does not scroll again.
const SCROLL_BOTTOM = 10000000

let nextId = 1

function newAssistantMessage() {
  return {
    id: 'm' + nextId++,
    role: 'assistant',
    content: '',
    reasoning: '',
    reasoningOpen: false,
    status: 'streaming', // streaming | done | stopped | error
    error: '',
    meta: ''
  }
}

Page({
  data: {
    messages: [],
    input: '',
    streaming: false,
    scrollTop: 0
  },

  onLoad() {
    /** The answer being streamed: { es, index, answer, batcher, stats }, or null. */
    this.current = null
    /** Timing of the last finished answer (the terminal demo prints it). */
    this.lastStats = null
  },

  onUnload() {
    this.stop()
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
    update['messages[' + index + ']'] = { id: 'm' + nextId++, role: 'user', content: text }
    update['messages[' + (index + 1) + ']'] = newAssistantMessage()
    this.setData(update)
    this.startStream(index + 1)
  },

  /** Streams the answer into the (empty) assistant message at `index`. */
  startStream(index) {
    const self = this
    const path = 'messages[' + index + ']'
    const answer = { content: '', reasoning: '' }
    const stats = { startedAt: Date.now(), firstTokenAt: 0, endedAt: 0, events: 0 }
    const batcher = utils.createBatcher(function (update) {
      update.scrollTop = self.nextScrollTop()
      self.setData(update)
    }, config.renderInterval)

    const es = connectEventSource({
      url: config.baseUrl + '/chat/completions',
      method: 'POST',
      header: { 'Content-Type': 'application/json' },
      data: {
        model: config.model,
        messages: utils.buildHistory(this.data.messages, index, config.systemPrompt),
        stream: true
      },
      idleTimeout: config.idleTimeout
    })
    const current = { es: es, index: index, answer: answer, batcher: batcher, stats: stats }
    this.current = current
    this.setData({ streaming: true, scrollTop: this.nextScrollTop() })

    es.onMessage(function (ev) {
      if (self.current !== current) return
      stats.events++
      const part = utils.parseStreamData(ev.data)
      if (part.error) {
        self.finish('error', part.error)
        return
      }
      if (part.reasoning || part.content) {
        if (!stats.firstTokenAt) stats.firstTokenAt = Date.now()
        // The whole text so far goes to a path update: setData sends only that field.
        const update = {}
        if (part.reasoning) {
          answer.reasoning += part.reasoning
          update[path + '.reasoning'] = answer.reasoning
        }
        if (part.content) {
          answer.content += part.content
          update[path + '.content'] = answer.content
        }
        batcher.set(update)
      }
      if (part.done) self.finish('done')
    })

    es.onError(function (err) {
      if (self.current !== current) return
      // errCode 200: the server ended the stream normally. That is how a stream without [DONE]
      // finishes, not a failure.
      if (err.errCode === 200) self.finish('done')
      else self.finish('error', utils.errorText(err))
    })
  },

  /** Stop: close the connection and keep what has arrived. */
  stop() {
    if (this.current) this.finish('stopped')
  },

  /** Ends the current answer with everything received so far, in one last setData. */
  finish(status, error) {
    const current = this.current
    if (!current) return
    this.current = null
    current.es.close()
    current.batcher.cancel()
    const stats = current.stats
    stats.endedAt = Date.now()
    this.lastStats = stats

    const path = 'messages[' + current.index + ']'
    const update = { streaming: false, scrollTop: this.nextScrollTop() }
    update[path + '.content'] = current.answer.content
    update[path + '.reasoning'] = current.answer.reasoning
    update[path + '.status'] = status
    update[path + '.error'] = error || ''
    if (status === 'done' && stats.firstTokenAt) {
      update[path + '.meta'] = '首字 ' + utils.formatSeconds(stats.firstTokenAt - stats.startedAt) +
        ' · 用时 ' + utils.formatSeconds(stats.endedAt - stats.startedAt)
    }
    this.setData(update)
  },

  nextScrollTop() {
    return this.data.scrollTop === SCROLL_BOTTOM ? SCROLL_BOTTOM + 1 : SCROLL_BOTTOM
  }
})
