/* The attendance panel of a session page, kept current over the assembly's WebSocket.
   The panel (#attendance) names its socket in data-ws. While the socket is down, the panel asks
   for itself every 5 s (an htmx "poll" event sent from here: htmx trigger filters would need eval);
   htmx also refreshes it every 30 s whatever happens. */
(function () {
  "use strict";
  var panel = document.getElementById("attendance");
  if (!panel) { return; }
  var live = false;
  var locale = document.documentElement.lang === "fa" ? "fa-IR" : "en-US";
  var liveState = document.querySelector("[data-live-state]");
  window.setInterval(function () {
    if (!live && window.htmx) { window.htmx.trigger(panel, "poll"); }
  }, 5000);
  if (!window.WebSocket) { return; }
  var delay = 1000;
  function show(payload) {
    ["present", "represented", "votes_present", "required", "roll"].forEach(function (key) {
      var figure = panel.querySelector('[data-figure="' + key + '"]');
      if (figure && key in payload) { figure.textContent = Number(payload[key]).toLocaleString(locale); }
    });
    if ("reached" in payload) {
      panel.querySelectorAll("[data-reached]").forEach(function (el) {
        el.hidden = (el.dataset.reached === "yes") !== payload.reached;
      });
    }
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + panel.dataset.ws);
    socket.onopen = function () {
      live = true;
      delay = 1000;
      if (liveState) { liveState.hidden = false; }
    };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      if (data.event === "attendance") { show(data.payload); }
      if (data.event === "session") { document.querySelector("[data-session-changed]").hidden = false; }
    };
    socket.onclose = function () {
      live = false;
      if (liveState) { liveState.hidden = true; }
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
