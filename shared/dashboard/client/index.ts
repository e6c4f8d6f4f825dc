/**
 * The dashboard's own browser script: the parts below joined into one strict IIFE, so nothing leaks into the page's
 * globals except `window.cosmosSyncDashboard` (the data the page shows, for tests). It expects `uPlot` to be loaded.
 */
import { CARDS_JS } from './cards.js';
import { CHARTS_JS } from './charts.js';
import { FORMAT_JS } from './format.js';
import { MAIN_JS } from './main.js';

export const CLIENT_JS = ['(function () {', "'use strict';", FORMAT_JS, CARDS_JS, CHARTS_JS, MAIN_JS, '})();'].join(
  '\n',
);
