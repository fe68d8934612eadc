// Starts GOV.UK Frontend and MoJ Frontend components. An external file, so the CSP needs no
// 'unsafe-inline'. Pages work without it: this only enhances.
import { initAll as initGovuk } from './govuk-frontend.min.js'
import { initAll as initMoj } from './moj-frontend.min.js'

initGovuk()
initMoj()
