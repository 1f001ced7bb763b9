/* Touchstone: the little progressive JavaScript of the web app. Every page
 * works without it; with it, the session page gets a phase timer that
 * writes the minutes spent into the form, and the score form shows the
 * total as the items are typed (computed by the server's scoring rule).
 * Loaded with defer from /assets/app.js (no inline script: the CSP). */
(function () {
  'use strict';

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  function clockText(ms) {
    var s = Math.floor(ms / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h ? h + ':' + pad(m) : String(m)) + ':' + pad(s % 60);
  }

  /* The local time as a datetime-local value. */
  function localStamp(d) {
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) +
      'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }

  /* The phase timer: Start/Pause, Next phase; each phase's minutes go into
   * its field when the therapist moves on, the session's length and start
   * into theirs. */
  function phaseTimer(box) {
    var rows = Array.prototype.slice.call(document.querySelectorAll('table.plan tbody tr[data-phase]'));
    if (!rows.length) return;
    var clock = document.getElementById('timer-clock');
    var label = document.getElementById('timer-phase');
    var start = document.getElementById('timer-start');
    var next = document.getElementById('timer-next');
    var index = -1, running = false, since = 0, spent = 0, tick = null;

    function input(i) { return rows[i].querySelector('input'); }
    function name(i) { return rows[i].getAttribute('data-phase'); }
    function planned(i) { return Number(rows[i].getAttribute('data-planned')); }
    function elapsed() { return spent + (running ? Date.now() - since : 0); }

    function show() {
      var ms = index < 0 ? 0 : elapsed();
      clock.textContent = clockText(ms);
      if (index >= 0 && index < rows.length) {
        var over = ms > planned(index) * 60000;
        clock.className = over ? 'clock over' : 'clock';
      }
    }
    function announce() {
      if (index < 0) return;
      if (index >= rows.length) {
        var total = 0;
        rows.forEach(function (r, i) { total += Number(input(i).value || 0); });
        label.textContent = 'Done: ' + total + ' minutes recorded. Review the minutes, then write the note.';
        return;
      }
      label.textContent = 'Now: ' + name(index) + ' (' + planned(index) + ' min planned)' +
        (running ? '' : ' \u2014 paused');
      next.textContent = index + 1 < rows.length ? 'Next: ' + name(index + 1) : 'Finish';
    }
    function mark() {
      rows.forEach(function (r, i) {
        r.classList.toggle('current', i === index);
        r.classList.toggle('done', i < index);
      });
    }
    function record() {
      input(index).value = String(Math.round(elapsed() / 60000));
    }

    start.addEventListener('click', function () {
      if (index >= rows.length) return;
      if (index < 0) {
        index = 0;
        var at = document.getElementById('f-start');
        if (at) at.value = localStamp(new Date(Date.now()));
        next.disabled = false;
        mark();
      }
      if (running) {
        spent += Date.now() - since;
        running = false;
        start.textContent = 'Resume';
      } else {
        since = Date.now();
        running = true;
        start.textContent = 'Pause';
      }
      if (!tick) tick = setInterval(show, 250);
      announce();
      show();
    });

    next.addEventListener('click', function () {
      if (index < 0 || index >= rows.length) return;
      record();
      index++;
      spent = 0;
      since = Date.now();
      mark();
      if (index >= rows.length) {
        running = false;
        clearInterval(tick);
        tick = null;
        start.disabled = true;
        next.disabled = true;
        var total = 0;
        rows.forEach(function (r, i) { total += Number(input(i).value || 0); });
        var minutes = document.getElementById('f-minutes');
        if (minutes && total > 0) minutes.value = String(total);
        clock.textContent = clockText(total * 60000);
      }
      announce();
      show();
    });

    box.hidden = false;
  }

  /* The live total: asks the server's scoring rule as items are typed. */
  function liveTotal(fieldset) {
    var code = fieldset.getAttribute('data-instrument');
    var out = document.getElementById('live-value');
    var note = document.getElementById('live-note');
    var box = document.getElementById('live-total');
    if (!code || !out || !box) return;
    var fields = Array.prototype.slice.call(fieldset.querySelectorAll('input, select'));
    var pending = null, asked = 0;

    function ask() {
      var query = fields.filter(function (f) { return f.value !== ''; })
        .map(function (f) { return encodeURIComponent(f.name) + '=' + encodeURIComponent(f.value); });
      if (!query.length) {
        out.textContent = '\u2013';
        note.textContent = '';
        return;
      }
      var mine = ++asked;
      fetch('/instruments/' + encodeURIComponent(code) + '/total?' + query.join('&'),
        { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) {
          if (mine !== asked || !d) return;
          if (d.error) {
            out.textContent = '\u2013';
            note.textContent = '(' + d.error + ')';
          } else {
            out.textContent = String(Math.round(d.total * 100) / 100);
            note.textContent = (d.band ? d.band + '; ' : '') + d.answered + ' answered' +
              (d.missing ? ', ' + d.missing + ' missing' : '');
          }
        })
        .catch(function () { /* the server preview remains */ });
    }
    fields.forEach(function (f) {
      f.addEventListener('input', function () {
        clearTimeout(pending);
        pending = setTimeout(ask, 200);
      });
    });
    box.hidden = false;
    ask();
  }

  var box = document.getElementById('timer');
  if (box) phaseTimer(box);
  var items = document.getElementById('f-items');
  if (items) liveTotal(items);
})();
