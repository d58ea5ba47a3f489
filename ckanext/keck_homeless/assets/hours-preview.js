/* Live preview of the opening hours in the offer form: the parsed week or
   the validation error, in an aria-live region, as the partner types. */
(function () {
  'use strict';
  var input = document.getElementById('field-opening_hours');
  if (!input || !window.fetch) { return; }
  var root = (document.body.getAttribute('data-locale-root') || '/').replace(/\/$/, '');
  var url = root + '/hilfe/oeffnungszeiten.json';
  var out = document.createElement('div');
  out.id = 'kh-hours-preview';
  out.className = 'kh-hours-preview';
  out.setAttribute('aria-live', 'polite');
  var group = input.closest('.form-group') || input.parentNode;
  group.appendChild(out);
  var described = input.getAttribute('aria-describedby');
  input.setAttribute('aria-describedby', (described ? described + ' ' : '') + out.id);

  function render(data) {
    out.textContent = '';
    out.classList.toggle('kh-invalid', !data.valid);
    var p = document.createElement('p');
    p.textContent = data.message || '';
    out.appendChild(p);
    if (data.week && data.week.length) {
      var table = document.createElement('table');
      data.week.forEach(function (d) {
        var tr = table.insertRow();
        var th = document.createElement('th');
        th.scope = 'row';
        th.textContent = d.day;
        tr.appendChild(th);
        tr.insertCell().textContent = d.spans.length ? d.spans.join(', ') : '–';
      });
      out.appendChild(table);
    }
    (data.warnings || []).forEach(function (w) {
      var note = document.createElement('p');
      note.textContent = '⚠ ' + w;
      out.appendChild(note);
    });
  }

  var timer = null, seq = 0;
  function update() {
    var mine = ++seq;
    fetch(url + '?oh=' + encodeURIComponent(input.value), { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (mine === seq) { render(data); } })
      .catch(function () { /* keep the last preview */ });
  }
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(update, 350);
  });
  if (input.value) { update(); }
}());
