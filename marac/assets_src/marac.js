// Starts GOV.UK Frontend and MoJ Frontend components. An external file, so the CSP needs no
// 'unsafe-inline'. Pages work without it: this only enhances.
import { initAll as initGovuk } from './govuk-frontend.min.js'
import { initAll as initMoj } from './moj-frontend.min.js'
import './meeting-notes.js'

initGovuk()
initMoj()

// A question needed only for some answers of a radio group: <div data-marac-shown-for="level"
// data-marac-values="medium standard"> is hidden unless one of those values of the radios named
// "level" is chosen. Without JavaScript it always shows, and its hint says when it is needed.
document.querySelectorAll('[data-marac-shown-for]').forEach(function (block) {
  var radios = document.querySelectorAll('input[type="radio"][name="' + block.dataset.maracShownFor + '"]')
  var values = block.dataset.maracValues.split(' ')
  function update () {
    var chosen = Array.prototype.find.call(radios, function (radio) { return radio.checked })
    block.hidden = !(chosen && values.indexOf(chosen.value) !== -1)
  }
  radios.forEach(function (radio) { radio.addEventListener('change', update) })
  update()
})
