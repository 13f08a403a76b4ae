// Draws the portal's networks (Cytoscape.js) and maps (Leaflet, no tile server) from the JSON API.
// Served from /static so the Content-Security-Policy can forbid inline script. Each drawing is
// paired with a text list of the same data, so nothing depends on seeing the picture.
(function () {
  "use strict";

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + " answered " + r.status); }
      return r.json();
    });
  }

  function say(el, text) {
    var p = document.createElement("p");
    p.className = "notice";
    p.textContent = text;
    el.replaceWith(p);
  }

  function linkList(target, data) {
    if (!target) { return; }
    var names = {};
    data.nodes.forEach(function (n) { names[n.data.id] = n.data.label; });
    var list = document.createElement("ul");
    list.className = "link-list";
    data.edges.forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = names[e.data.source] + " — " + names[e.data.target] +
        (e.data.kind ? " (" + e.data.kind + ")" : "") + ", strength " + e.data.weight;
      list.appendChild(li);
    });
    var details = document.createElement("details");
    var summary = document.createElement("summary");
    summary.textContent = "The links as a list (" + data.edges.length + ")";
    details.appendChild(summary);
    details.appendChild(list);
    target.appendChild(details);
  }

  function drawNetwork(el) {
    getJson(el.dataset.src).then(function (data) {
      if (!data.available || data.nodes.length === 0) { say(el, "No network to draw for this view."); return; }
      var cy = cytoscape({
        container: el,
        elements: data.nodes.concat(data.edges),
        style: [
          { selector: "node", style: {
            "label": function (n) { return n.data("label") + (n.data("alerts") ? " (" + n.data("alerts") + ")" : ""); },
            "font-size": 11, "text-valign": "bottom", "text-margin-y": 3, "color": "#0b0c0c",
            "background-color": "#5694ca", "width": 22, "height": 22, "shape": "round-rectangle" } },
          { selector: "node[?child]", style: { "shape": "ellipse", "background-color": "#f47738" } },
          { selector: "node[alerts > 0]", style: { "background-color": "#d4351c" } },
          { selector: "node[?focus]", style: { "border-width": 4, "border-color": "#0b0c0c", "width": 30, "height": 30 } },
          { selector: "edge", style: { "width": "mapData(weight, 1, 10, 1, 6)", "line-color": "#6f777b", "curve-style": "bezier" } }
        ],
        layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: 8000 }
      });
      el.dataset.drawn = String(cy.nodes().length);
      cy.on("tap", "node", function (evt) { window.location.href = "/people/" + encodeURIComponent(evt.target.id()); });
      linkList(document.getElementById(el.id + "-list"), data);
    }).catch(function (err) { say(el, "The network could not be drawn: " + err.message); });
  }

  function shade(value, max) {
    // Five steps of one hue, light to dark; the value is also in each area's label.
    var steps = ["#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"];
    if (!max || value === undefined) { return "#ffffff"; }
    return steps[Math.min(4, Math.floor((value / max) * 5))];
  }

  // Leaflet reads a string tooltip as HTML: place names come from the force's records, so every
  // tooltip is an element whose text is set as text, never parsed (#26 item 4).
  function textTip(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function drawMap(el) {
    var map = L.map(el, { zoomControl: true, attributionControl: true, zoomSnap: 0.25 });
    map.attributionControl.addAttribution("Boundaries: ONS, OGL v3.0; contains OS data © Crown copyright");
    Promise.all([getJson(el.dataset.geojson), getJson(el.dataset.src)]).then(function (both) {
      var geo = both[0], data = both[1];
      var values = (data.lsoa && data.lsoa.values) || {};
      var max = Object.keys(values).reduce(function (m, k) { return Math.max(m, values[k]); }, 0);
      var layer = L.geoJSON(geo, {
        style: function (f) {
          return { color: "#505a5f", weight: 0.6, fillOpacity: 0.7, fillColor: shade(values[f.properties.LSOA11CD], max) };
        },
        onEachFeature: function (f, lyr) {
          var v = values[f.properties.LSOA11CD];
          lyr.bindTooltip(textTip(f.properties.LSOA11NM + (v !== undefined ? ": " + v : "")));
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds());
      (data.places || []).forEach(function (p) {
        if (p.latitude === null || p.longitude === null) { return; }
        L.circleMarker([p.latitude, p.longitude], { radius: 6, color: "#0b0c0c", weight: 2, fillColor: "#d4351c", fillOpacity: 0.9 })
          .bindTooltip(textTip(p.name + (p.place_type ? " (" + p.place_type + ")" : ""))).addTo(map);
      });
      el.dataset.drawn = String(layer.getLayers().length);
    }).catch(function (err) { say(el, "The map could not be drawn: " + err.message); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".graph[data-src]").forEach(drawNetwork);
    document.querySelectorAll(".map[data-geojson]").forEach(drawMap);
  });
})();
