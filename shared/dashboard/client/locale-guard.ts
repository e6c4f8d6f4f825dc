/**
 * Browser code of the dashboard that runs before uPlot. uPlot builds `new Intl.NumberFormat(navigator.language)` as it
 * loads; a browser whose language is a POSIX locale (`en-US@posix`, `de_DE.UTF-8`, as a browser started from a shell
 * with such a `LANG` reports it) makes that constructor throw, uPlot never defines itself and no chart is drawn. This
 * replaces such a language with the nearest tag Intl accepts, or `en-US`, before uPlot reads it.
 */
export const LOCALE_GUARD_JS = String.raw`(function () {
'use strict';
function accepted(tag) {
  try {
    new Intl.NumberFormat(tag);
    return true;
  } catch (error) {
    return false;
  }
}
var language = navigator.language;
if (typeof language === 'string' && accepted(language)) return;
var nearest = String(language || '').split('@')[0].split('.')[0].replace(/_/g, '-');
Object.defineProperty(navigator, 'language', { value: nearest && accepted(nearest) ? nearest : 'en-US', configurable: true });
})();`;
