/* Location picker of the offer form: map click / marker drag and lat/lon
   inputs, all kept in sync with the GeoJSON input `spatial`, which is what
   the form submits (so the server-side validation stays the same). */
(function () {
  'use strict';
  var input = document.getElementById('field-spatial');
  var box = document.querySelector('.kh-location-picker');
  if (!input || !box || typeof L === 'undefined') { return; }
  var latIn = document.getElementById('kh-picker-lat');
  var lonIn = document.getElementById('kh-picker-lon');
  var status = document.getElementById('kh-picker-status');
  var DEFAULT_VIEW = [[50.80, 6.48], 10];

  function parse(text) {
    try {
      var g = JSON.parse(text);
      if (g && g.type === 'Point' && g.coordinates && g.coordinates.length >= 2) {
        return { lon: Number(g.coordinates[0]), lat: Number(g.coordinates[1]) };
      }
    } catch (e) { /* fall through */ }
    return null;
  }
  function number(text) {
    var t = String(text).trim().replace(',', '.');
    return /^[-+]?\d+(\.\d+)?$/.test(t) ? parseFloat(t) : NaN;
  }
  function round(x) { return Math.round(x * 1e7) / 1e7; }

  // Progressive enhancement: the GeoJSON text field becomes a hidden field.
  var label = document.querySelector('label[for="field-spatial"]');
  var help = document.querySelector('.kh-geojson-help');
  input.type = 'hidden';
  if (label) { label.hidden = true; }
  if (help) { help.hidden = true; }
  box.hidden = false;

  var map = window.keckHomelessMap.create(document.getElementById('kh-picker-map'));
  var marker = null;

  function say(text) { status.textContent = text; }

  function place(lat, lon, from) {
    lat = round(lat); lon = round(lon);
    input.value = JSON.stringify({ type: 'Point', coordinates: [lon, lat] });
    if (from !== 'inputs') { latIn.value = lat; lonIn.value = lon; }
    latIn.removeAttribute('aria-invalid'); lonIn.removeAttribute('aria-invalid');
    if (!marker) {
      marker = L.marker([lat, lon], { draggable: true, keyboard: false,
                                      icon: window.keckHomelessMap.icon('●') }).addTo(map);
      marker.on('dragend', function () {
        var p = marker.getLatLng();
        place(p.lat, p.lng, 'marker');
      });
    } else {
      marker.setLatLng([lat, lon]);
    }
    if (from !== 'marker' && from !== 'map') { map.setView([lat, lon], Math.max(map.getZoom(), 15)); }
    say(status.getAttribute('data-set') + ' ' + lat + ', ' + lon);
  }

  function fromInputs() {
    var lat = number(latIn.value), lon = number(lonIn.value);
    if (latIn.value.trim() === '' && lonIn.value.trim() === '') {
      input.value = '';
      if (marker) { map.removeLayer(marker); marker = null; }
      say(status.getAttribute('data-cleared'));
      return;
    }
    if (isNaN(lat) || isNaN(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      latIn.setAttribute('aria-invalid', isNaN(lat) || Math.abs(lat) > 90 ? 'true' : 'false');
      lonIn.setAttribute('aria-invalid', isNaN(lon) || Math.abs(lon) > 180 ? 'true' : 'false');
      say(status.getAttribute('data-invalid'));
      return;
    }
    place(lat, lon, 'inputs');
  }

  latIn.addEventListener('change', fromInputs);
  lonIn.addEventListener('change', fromInputs);
  map.on('click', function (e) { place(e.latlng.lat, e.latlng.lng, 'map'); });

  var start = parse(input.value);
  if (start) {
    latIn.value = start.lat; lonIn.value = start.lon;
    map.setView([start.lat, start.lon], 15);
    place(start.lat, start.lon, 'start');
    say('');
  } else {
    map.setView(DEFAULT_VIEW[0], DEFAULT_VIEW[1]);
  }
}());
