/* A Jalali calendar beside every date input (input[data-jalali-date]).

   Progressive: the input stays a text box that takes a typed date; this only adds a button that
   opens a month grid and writes the chosen day back as yyyy/mm/dd (Persian digits on Persian
   pages, as the server shows dates). Labels, month and weekday names come from the server in the
   input's data-jalali-date attribute (JSON, translated by Django), so this file holds no words.

   Keyboard: Alt+ArrowDown in the input or the button opens it; arrows move by day (following the
   page's direction) and week, Home/End to the week's ends, PageUp/PageDown by month (with Shift by
   year), Enter or Space picks, Escape closes and returns to the button.

   The calendar arithmetic must agree with taavon/core/jalali.py (jdatetime): the 33-year cycle
   with leap years where year % 33 is 1, 5, 9, 13, 17, 22, 26 or 30, counted from 1 Farvardin 979,
   which was 20 March 1600. */
(function () {
  "use strict";

  var DAY_MS = 86400000;
  var BASE_DAY = Date.UTC(1600, 2, 20) / DAY_MS; // 1 Farvardin 979, in days since 1970-01-01
  var LEAP_REMAINDERS = [1, 5, 9, 13, 17, 22, 26, 30];

  function mod(a, b) { return ((a % b) + b) % b; }

  // Days from 1 Farvardin 979 to 1 Farvardin of year y. The leap years of a 33-year cycle counted
  // from 979 are its years 0, 4, …, 28 (979 % 33 is 22, one of the remainders above).
  function yearStart(y) {
    var n = y - 979;
    return 365 * n + Math.floor(n / 33) * 8 + Math.min(8, Math.ceil(mod(n, 33) / 4));
  }
  function monthStart(m) { return m <= 7 ? 31 * (m - 1) : 186 + 30 * (m - 7); }
  function isLeap(y) { return LEAP_REMAINDERS.indexOf(mod(y, 33)) !== -1; }
  function daysInMonth(y, m) { return m <= 6 ? 31 : (m <= 11 ? 30 : (isLeap(y) ? 30 : 29)); }

  function toGregorian(y, m, d) {
    var date = new Date((BASE_DAY + yearStart(y) + monthStart(m) + d - 1) * DAY_MS);
    return [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  }
  function toJalali(gy, gm, gd) {
    var n = Date.UTC(gy, gm - 1, gd) / DAY_MS - BASE_DAY;
    var y = 979 + Math.floor(n / 365.2425) - 1;
    while (yearStart(y + 1) <= n) { y += 1; }
    var r = n - yearStart(y);
    var m = r < 186 ? Math.floor(r / 31) + 1 : Math.floor((r - 186) / 30) + 7;
    return [y, m, r - monthStart(m) + 1];
  }
  // 0 for Saturday, the first day of the Iranian week, to 6 for Friday.
  function weekColumn(y, m, d) {
    var g = toGregorian(y, m, d);
    return mod(new Date(Date.UTC(g[0], g[1] - 1, g[2])).getUTCDay() + 1, 7);
  }

  var PERSIAN = "۰۱۲۳۴۵۶۷۸۹";
  var ARABIC = "٠١٢٣٤٥٦٧٨٩";
  function asciiDigits(text) {
    return text.replace(/[۰-۹٠-٩]/g, function (c) {
      var i = PERSIAN.indexOf(c);
      return String(i !== -1 ? i : ARABIC.indexOf(c));
    });
  }
  function pad(n, width) { var s = String(n); while (s.length < width) { s = "0" + s; } return s; }

  // What the input holds, as a Jalali [y, m, d], or null: the same shapes the server reads
  // (y/m/d with / - or . and any digits; a year above 1700 is a Gregorian date).
  function parse(text) {
    var match = /(\d{4})\s*([\/\-.])\s*(\d{1,2})\s*\2\s*(\d{1,2})/.exec(asciiDigits(text || ""));
    if (!match) { return null; }
    var y = +match[1], m = +match[3], d = +match[4];
    if (y > 1700) {
      var probe = new Date(Date.UTC(y, m - 1, d));
      if (probe.getUTCMonth() !== m - 1) { return null; }
      return toJalali(y, m, d);
    }
    if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) { return null; }
    return [y, m, d];
  }
  function today() {
    var now = new Date();
    return toJalali(now.getFullYear(), now.getMonth() + 1, now.getDate());
  }

  var counter = 0;

  function Picker(input) {
    var labels = {};
    try { labels = JSON.parse(input.getAttribute("data-jalali-date") || "{}"); } catch (e) { labels = {}; }
    this.input = input;
    this.labels = labels;
    this.persian = labels.digits === "fa";
    // The page's direction, not the input's: dates are typed left to right even on Persian pages.
    this.rtl = document.documentElement.getAttribute("dir") === "rtl";
    counter += 1;
    this.id = "jdp-" + counter;
    this.build();
  }

  Picker.prototype.num = function (n, width) {
    var s = pad(n, width || 1);
    return this.persian ? s.replace(/\d/g, function (c) { return PERSIAN.charAt(+c); }) : s;
  };
  Picker.prototype.monthName = function (m) { return (this.labels.months || [])[m - 1] || String(m); };
  Picker.prototype.dayLabel = function (y, m, d) { return this.num(d) + " " + this.monthName(m) + " " + this.num(y); };

  Picker.prototype.build = function () {
    var self = this, input = this.input;
    var wrap = document.createElement("div");
    wrap.className = "jdp-wrap";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);

    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "btn btn-outline-secondary jdp-toggle";
    toggle.setAttribute("aria-haspopup", "dialog");
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", this.id);
    var fieldLabel = input.labels && input.labels.length ? input.labels[0].textContent.replace(/\*/g, "").trim() : "";
    toggle.setAttribute("aria-label", (this.labels.open || "") + (fieldLabel ? ": " + fieldLabel : ""));
    toggle.title = this.labels.open || "";
    toggle.innerHTML = '<svg aria-hidden="true" focusable="false" width="16" height="16" viewBox="0 0 16 16">' +
      '<rect x="1.5" y="2.5" width="13" height="12" rx="1.5" fill="none" stroke="currentColor"/>' +
      '<path d="M1.5 6h13M4.5 1v3M11.5 1v3" stroke="currentColor"/></svg>';
    wrap.appendChild(toggle);

    var dialog = document.createElement("div");
    dialog.className = "jdp";
    dialog.id = this.id;
    dialog.hidden = true;
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "false");
    dialog.setAttribute("aria-labelledby", this.id + "-title");
    dialog.innerHTML =
      '<div class="jdp-head">' +
      '<button type="button" class="btn btn-sm btn-light jdp-prev"></button>' +
      '<div class="jdp-title" id="' + this.id + '-title" aria-live="polite"></div>' +
      '<button type="button" class="btn btn-sm btn-light jdp-next"></button>' +
      "</div>" +
      '<table class="jdp-grid" role="grid" aria-labelledby="' + this.id + '-title"><thead><tr></tr></thead><tbody></tbody></table>' +
      '<div class="jdp-foot"><button type="button" class="btn btn-sm btn-link jdp-today"></button>' +
      '<button type="button" class="btn btn-sm btn-link jdp-close"></button></div>';
    wrap.appendChild(dialog);

    var prev = dialog.querySelector(".jdp-prev"), next = dialog.querySelector(".jdp-next");
    prev.setAttribute("aria-label", this.labels.prev || "");
    next.setAttribute("aria-label", this.labels.next || "");
    // The arrows point the way the months run on the page: back is right on a right-to-left page.
    prev.textContent = this.rtl ? "›" : "‹";
    next.textContent = this.rtl ? "‹" : "›";
    dialog.querySelector(".jdp-today").textContent = this.labels.today || "";
    dialog.querySelector(".jdp-close").textContent = this.labels.close || "";
    var headRow = dialog.querySelector("thead tr");
    (this.labels.weekdays || []).forEach(function (name) {
      var th = document.createElement("th");
      th.scope = "col";
      th.abbr = name;
      // One letter is the usual heading in Persian (ش ی د …); two in English (Sa Su Mo …).
      th.textContent = self.persian ? name.charAt(0) : name.slice(0, 2);
      headRow.appendChild(th);
    });

    this.wrap = wrap;
    this.toggle = toggle;
    this.dialog = dialog;
    this.title = dialog.querySelector(".jdp-title");
    this.body = dialog.querySelector("tbody");

    toggle.addEventListener("click", function () { if (dialog.hidden) { self.open(); } else { self.close(true); } });
    input.addEventListener("keydown", function (event) {
      if (event.altKey && event.key === "ArrowDown") { event.preventDefault(); self.open(); }
    });
    prev.addEventListener("click", function () { self.moveMonth(-1, false); });
    next.addEventListener("click", function () { self.moveMonth(1, false); });
    dialog.querySelector(".jdp-today").addEventListener("click", function () {
      var t = today();
      self.show(t[0], t[1], t[2], true);
    });
    dialog.querySelector(".jdp-close").addEventListener("click", function () { self.close(true); });
    this.body.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-day]");
      if (button) { self.pick(+button.getAttribute("data-day")); }
    });
    dialog.addEventListener("keydown", function (event) { self.onKey(event); });
    document.addEventListener("mousedown", function (event) {
      if (!dialog.hidden && !wrap.contains(event.target)) { self.close(false); }
    });
    wrap.addEventListener("focusout", function (event) {
      if (!dialog.hidden && event.relatedTarget && !wrap.contains(event.relatedTarget)) { self.close(false); }
    });
  };

  Picker.prototype.open = function () {
    var start = parse(this.input.value) || today();
    this.selected = parse(this.input.value);
    this.dialog.hidden = false;
    this.toggle.setAttribute("aria-expanded", "true");
    this.show(start[0], start[1], start[2], true);
  };

  Picker.prototype.close = function (refocus) {
    this.dialog.hidden = true;
    this.toggle.setAttribute("aria-expanded", "false");
    if (refocus) { this.toggle.focus(); }
  };

  // Draw the month of (y, m) with day d as the one that takes focus.
  Picker.prototype.show = function (y, m, d, focus) {
    this.year = y;
    this.month = m;
    this.day = Math.min(d, daysInMonth(y, m));
    this.title.textContent = this.monthName(m) + " " + this.num(y);
    var first = weekColumn(y, m, 1), count = daysInMonth(y, m);
    var t = today(), sel = this.selected, html = "", cell = 0;
    for (var row = 0; cell < first + count; row += 1) {
      html += "<tr>";
      for (var col = 0; col < 7; col += 1, cell += 1) {
        var day = cell - first + 1;
        if (day < 1 || day > count) { html += "<td></td>"; continue; }
        var isSelected = sel && sel[0] === y && sel[1] === m && sel[2] === day;
        var isToday = t[0] === y && t[1] === m && t[2] === day;
        html += '<td aria-selected="' + (isSelected ? "true" : "false") + '">' +
          '<button type="button" class="jdp-day' + (isSelected ? " jdp-selected" : "") + (isToday ? " jdp-today-mark" : "") +
          '" data-day="' + day + '" tabindex="' + (day === this.day ? "0" : "-1") + '"' +
          (isToday ? ' aria-current="date"' : "") +
          ' aria-label="' + this.dayLabel(y, m, day) + '">' + this.num(day) + "</button></td>";
      }
      html += "</tr>";
    }
    this.body.innerHTML = html;
    if (focus) { this.focusDay(); }
  };

  Picker.prototype.focusDay = function () {
    var button = this.body.querySelector('button[data-day="' + this.day + '"]');
    if (button) { button.focus(); }
  };

  Picker.prototype.moveMonth = function (delta, focus) {
    var index = this.year * 12 + (this.month - 1) + delta;
    this.show(Math.floor(index / 12), mod(index, 12) + 1, this.day, focus);
  };

  Picker.prototype.moveDay = function (delta) {
    var g = toGregorian(this.year, this.month, this.day);
    var when = new Date(Date.UTC(g[0], g[1] - 1, g[2]) + delta * DAY_MS);
    var j = toJalali(when.getUTCFullYear(), when.getUTCMonth() + 1, when.getUTCDate());
    this.show(j[0], j[1], j[2], true);
  };

  Picker.prototype.onKey = function (event) {
    var onDay = event.target.matches && event.target.matches("button[data-day]");
    var forward = this.rtl ? "ArrowLeft" : "ArrowRight", back = this.rtl ? "ArrowRight" : "ArrowLeft";
    var handled = true;
    if (event.key === "Escape") { this.close(true); }
    else if (!onDay) { handled = false; }
    else if (event.key === forward) { this.moveDay(1); }
    else if (event.key === back) { this.moveDay(-1); }
    else if (event.key === "ArrowDown") { this.moveDay(7); }
    else if (event.key === "ArrowUp") { this.moveDay(-7); }
    else if (event.key === "Home") { this.moveDay(-weekColumn(this.year, this.month, this.day)); }
    else if (event.key === "End") { this.moveDay(6 - weekColumn(this.year, this.month, this.day)); }
    else if (event.key === "PageDown") { this.moveMonth(event.shiftKey ? 12 : 1, true); }
    else if (event.key === "PageUp") { this.moveMonth(event.shiftKey ? -12 : -1, true); }
    else { handled = false; }
    if (handled) { event.preventDefault(); }
  };

  Picker.prototype.pick = function (day) {
    this.input.value = this.num(this.year, 4) + "/" + this.num(this.month, 2) + "/" + this.num(day, 2);
    this.input.dispatchEvent(new Event("input", { bubbles: true }));
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
    this.close(false);
    this.input.focus();
  };

  function enhance(root) {
    var inputs = (root || document).querySelectorAll ? (root || document).querySelectorAll("input[data-jalali-date]") : [];
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.hasAttribute("data-jdp-ready")) { return; }
      input.setAttribute("data-jdp-ready", "");
      new Picker(input);
    });
  }

  // The arithmetic is public so the browser tests can hold it against the server's calendar.
  window.TaavonJalali = { toGregorian: toGregorian, toJalali: toJalali, daysInMonth: daysInMonth, isLeap: isLeap, enhance: enhance };
  enhance(document);
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
