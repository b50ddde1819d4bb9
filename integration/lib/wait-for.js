// waitFor(condition): resolves when condition() is truthy, polling every 5 ms; rejects after
// `timeout` ms with `what`. (The same contract as test/helpers/wait-for.ts, in plain JS for
// node --test.)
'use strict'
function waitFor(condition, what, timeout = 5000) {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const poll = () => {
      let value
      try {
        value = condition()
      } catch (err) {
        return reject(err)
      }
      if (value) return resolve(value)
      if (Date.now() - started > timeout) return reject(new Error('timed out after ' + timeout + ' ms waiting for ' + what))
      setTimeout(poll, 5)
    }
    poll()
  })
}

/** Lets every pending microtask, timer of 0 ms and unhandled-rejection check run. */
function settle() {
  return new Promise((resolve) => setTimeout(() => setImmediate(() => setTimeout(resolve, 0)), 0))
}

module.exports = { waitFor, settle }
