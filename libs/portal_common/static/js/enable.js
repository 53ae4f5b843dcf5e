// Marks the page as able to run NHS.UK frontend's JavaScript. Loaded as a file, never
// inline, because the Content-Security-Policy allows no inline script.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' nhsuk-frontend-supported' : '');
