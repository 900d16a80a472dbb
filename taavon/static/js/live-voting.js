/* Live updates of a voting page over the assembly's WebSocket. A hidden marker,
   data-live-refresh, names the element to refresh and (data-ws) the socket; a turnout, item
   opened or item closed message sends that element the htmx "refresh" event, so it fetches
   itself again (it also polls every 3 s, so nothing depends on the socket). */
(function () {
  "use strict";
  var marker = document.querySelector("[data-live-refresh]");
  var box = marker && document.getElementById(marker.dataset.liveRefresh);
  if (!box || !window.WebSocket) { return; }
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var socket = new WebSocket(scheme + location.host + marker.dataset.ws);
  socket.onmessage = function (message) {
    var data = JSON.parse(message.data);
    if (window.htmx && ["turnout", "item_opened", "item_closed"].indexOf(data.event) >= 0) {
      window.htmx.trigger(box, "refresh");
    }
  };
})();
