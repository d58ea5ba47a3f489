/* Map previews in CKAN pages: one point (data-lat/lon) or the features of a
   GeoJSON URL (data-geojson, e.g. an organisation's offers). */
(function () {
  'use strict';
  var km = window.keckHomelessMap;
  if (!km || typeof L === 'undefined') { return; }
  Array.prototype.forEach.call(document.querySelectorAll('.kh-preview-map'), function (el) {
    if (el.id === 'kh-picker-map') { return; }
    var map = km.create(el);
    if (el.hasAttribute('data-lat')) {
      var ll = [parseFloat(el.getAttribute('data-lat')), parseFloat(el.getAttribute('data-lon'))];
      L.marker(ll, { icon: km.icon('●', el.getAttribute('data-category')), keyboard: false,
                     interactive: false }).addTo(map);
      map.setView(ll, 15);
      return;
    }
    map.setView([50.80, 6.48], 10);
    fetch(el.getAttribute('data-geojson'), { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (fc) {
        var bounds = [];
        fc.features.forEach(function (f) {
          var p = f.properties, c = f.geometry.coordinates;
          L.marker([c[1], c[0]], { icon: km.icon(p.icon, p.category), title: p.title + ' – ' + p.category_label,
                                   alt: p.title })
            .bindPopup(km.popup(p.title, p.category_label, p.url, p.hours_text)).addTo(map);
          bounds.push([c[1], c[0]]);
        });
        if (bounds.length) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 }); }
      });
  });
}());
