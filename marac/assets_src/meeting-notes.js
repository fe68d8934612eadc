// Meeting mode's notes are never lost to a closed tab or a dropped connection: while they are
// typed, a draft goes to the server every few seconds and once more as the page is left
// (fetch with keepalive, which outlives the page), carrying the form's CSRF token. The server
// gives the draft back when the coordinator returns. Leaving with anything typed and not saved
// asks first. Without JavaScript the one form per case is enough: every button saves the notes.
var EVERY_MS = 3000

function initMeetingNotes (form) {
  var notes = form.querySelector('textarea[name="discussion"]')
  var status = form.querySelector('[data-draft-status]')
  if (!notes || !form.dataset.draftUrl) return
  var sent = notes.value
  var unsaved = form.dataset.restored === 'true'
  var submitting = false

  function sendDraft () {
    if (notes.value === sent) return
    var text = notes.value
    var body = new URLSearchParams()
    body.set('csrf_token', form.querySelector('input[name="csrf_token"]').value)
    body.set('version', form.querySelector('input[name="version"]').value)
    body.set('discussion', text)
    sent = text
    fetch(form.dataset.draftUrl, { method: 'POST', body: body, keepalive: true, credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status)
        if (status) {
          var now = new Date()
          var hour = now.getHours() % 12 || 12
          var minutes = String(now.getMinutes()).padStart(2, '0')
          status.textContent = 'Draft saved at ' + hour + ':' + minutes + (now.getHours() < 12 ? 'am' : 'pm') +
            '. Press Save notes to keep it as the notes.'
        }
      })
      .catch(function () {
        sent = null // try again at the next tick
        if (status) status.textContent = 'The draft could not be saved just now. Your notes are still here.'
      })
  }

  form.addEventListener('input', function () { unsaved = true })
  form.addEventListener('change', function () { unsaved = true })
  form.addEventListener('submit', function () {
    submitting = true
    sent = notes.value // the form carries them now: no draft after it
  })
  window.setInterval(sendDraft, EVERY_MS)
  // 'pagehide' and a hidden tab are the last moments a page can be sure to send anything.
  window.addEventListener('pagehide', sendDraft)
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') sendDraft()
  })
  window.addEventListener('beforeunload', function (event) {
    if (unsaved && !submitting) {
      sendDraft()
      event.preventDefault()
      event.returnValue = '' // older browsers ask only when this is set
    }
  })
}

document.querySelectorAll('form[data-module="marac-meeting-notes"]').forEach(initMeetingNotes)
