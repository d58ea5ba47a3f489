/* Help finder: map of the listed offers and "in meiner Nähe".
   The list is rendered by the server and is the source of truth: the map
   shows exactly its items. The position from the browser's geolocation is
   used on this device only (distance and sorting) and is never sent. */
(function () {
  'use strict';
  var km = window.keckHomelessMap;
  var mapEl = document.getElementById('kh-map');

  function offers() {
    return Array.prototype.slice.call(document.querySelectorAll('#kh-list li.kh-offer'));
  }

  /* The list's offers on the map. Markers that overlap are clustered
     (supercluster): a circle with the count, a tap zooms in. Markers are not
     tab stops — the list is the keyboard path to every offer. */
  function listMap() {
    var items = offers();
    mapEl.parentNode.hidden = false;
    var map = km.create(mapEl);
    mapEl.setAttribute('aria-label', mapEl.parentNode.querySelector('h2').textContent);
    var markers = [], points = [], bounds = [];
    items.forEach(function (li, i) {
      var lat = parseFloat(li.getAttribute('data-lat'));
      var lon = parseFloat(li.getAttribute('data-lon'));
      var link = li.querySelector('.kh-offer-title a');
      var title = link.textContent.trim();
      var label = li.querySelector('.kh-cat-label').textContent.trim();
      var hours = li.querySelector('.kh-hours');
      markers.push(L.marker([lat, lon], {
        icon: km.icon(li.getAttribute('data-icon'), li.getAttribute('data-category')),
        title: title + ' – ' + label, alt: title, keyboard: false
      }).bindPopup(km.popup(title, label, link.getAttribute('href'),
                            hours ? hours.textContent.trim() : '')));
      points.push({ type: 'Feature', properties: { i: i },
                    geometry: { type: 'Point', coordinates: [lon, lat] } });
      bounds.push([lat, lon]);
    });
    var layer = L.layerGroup().addTo(map);
    var index = typeof Supercluster === 'function'
      ? new Supercluster({ radius: 44, maxZoom: 17 }).load(points) : null;
    var many = mapEl.getAttribute('data-cluster-label') || '{n}';
    function draw() {
      layer.clearLayers();
      if (!index) { markers.forEach(function (m) { layer.addLayer(m); }); return; }
      var b = map.getBounds().pad(0.2);
      index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
                        Math.round(map.getZoom())).forEach(function (c) {
        if (!c.properties.cluster) { layer.addLayer(markers[c.properties.i]); return; }
        var n = c.properties.point_count;
        var ll = [c.geometry.coordinates[1], c.geometry.coordinates[0]];
        var m = L.marker(ll, { icon: km.clusterIcon(n), keyboard: false,
                               title: many.replace('{n}', n) });
        m.on('click', function () {
          map.setView(ll, Math.min(index.getClusterExpansionZoom(c.properties.cluster_id), 18));
        });
        m.on('add', function () {
          var el = m.getElement();
          if (el) { el.setAttribute('data-count', String(n)); }
        });
        layer.addLayer(m);
      });
    }
    map.on('moveend', draw);
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    } else {
      map.setView([50.80, 6.48], 10);
    }
    draw();
  }

  function detailMap() {
    mapEl.parentNode.hidden = false;
    var lat = parseFloat(mapEl.getAttribute('data-lat'));
    var lon = parseFloat(mapEl.getAttribute('data-lon'));
    var map = km.create(mapEl);
    mapEl.setAttribute('aria-label', mapEl.getAttribute('data-label'));
    L.marker([lat, lon], { icon: km.icon(mapEl.getAttribute('data-icon')), keyboard: false,
                           title: mapEl.getAttribute('data-label'), alt: mapEl.getAttribute('data-label') })
      .addTo(map);
    map.setView([lat, lon], 16);
  }

  /* Great-circle distance in metres (haversine). */
  function distance(lat1, lon1, lat2, lon2) {
    var r = 6371008.8, rad = Math.PI / 180;
    var dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * r * Math.asin(Math.sqrt(a));
  }

  function formatDistance(m) {
    var lang = document.documentElement.lang || 'de';
    var button = document.getElementById('kh-near-button');
    var about = (button && button.getAttribute('data-about')) || 'ca. {distance}';
    var value = m < 1000 ? (Math.round(m / 10) * 10) + ' m'
      : (m / 1000).toLocaleString(lang, { maximumFractionDigits: 1 }) + ' km';
    return about.replace('{distance}', value);
  }

  /* Sorts inside each group ("heute Nacht" stays first); protected offers
     have no position and keep their place at the end of their group. */
  function sortByDistance(lat, lon) {
    var lists = document.querySelectorAll('#kh-list ol.kh-list');
    Array.prototype.forEach.call(lists, function (list) {
      var items = Array.prototype.slice.call(list.children).map(function (li, i) {
        if (!li.hasAttribute('data-lat')) { return { li: li, d: Infinity, i: i }; }
        var d = distance(lat, lon, parseFloat(li.getAttribute('data-lat')),
                         parseFloat(li.getAttribute('data-lon')));
        var out = li.querySelector('.kh-distance');
        out.textContent = '· ' + formatDistance(d);
        out.hidden = false;
        return { li: li, d: d, i: i };
      });
      items.sort(function (a, b) { return (a.d - b.d) || (a.i - b.i); });
      items.forEach(function (it) { list.appendChild(it.li); });
    });
  }

  function near() {
    var boxes = document.querySelectorAll('.kh-near');
    var button = document.getElementById('kh-near-button');
    var status = document.getElementById('kh-near-status');
    if (!boxes.length) { return; }
    if (!document.getElementById('kh-list') || !navigator.geolocation) {
      Array.prototype.forEach.call(boxes, function (box) { box.classList.add('kh-no-geo'); });
      return;
    }
    button.addEventListener('click', function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        sortByDistance(pos.coords.latitude, pos.coords.longitude);
        status.textContent = button.getAttribute('data-done');
      }, function () {
        status.textContent = button.getAttribute('data-fail');
      }, { enableHighAccuracy: false, maximumAge: 300000, timeout: 15000 });
    });
  }

  if (mapEl && typeof L !== 'undefined') {
    if (mapEl.hasAttribute('data-lat')) { detailMap(); } else { listMap(); }
  }
  near();
}());

/* Offline: a service worker keeps the overview and the opened offers on this
   device (assets/finder-sw.js); a page it serves without a connection says so. */
(function () {
  'use strict';
  var main = document.getElementById('kh-main');
  if (document.body.getAttribute('data-kh-offline')) {
    var note = document.querySelector('.kh-offline');
    if (note) { note.hidden = false; }
  }
  if (!main || !('serviceWorker' in navigator) || !main.getAttribute('data-sw')) { return; }
  navigator.serviceWorker.register(main.getAttribute('data-sw'),
                                   { scope: main.getAttribute('data-sw-scope') })
    .catch(function () { /* no offline copy: the page works as before */ });
}());

/* "Drucken" on the detail page (the button needs script, so it starts hidden). */
(function () {
  'use strict';
  var button = document.querySelector('.kh-print');
  if (!button || !window.print) { return; }
  button.hidden = false;
  button.addEventListener('click', function () { window.print(); });
}());
