/* Upload forms with a progress bar: <form data-upload-progress hx-post hx-encoding="multipart/form-data">
   holding a <progress> and a [data-upload-error] element. htmx reports the upload's progress;
   a refusal htmx does not swap (413 too large, a server or network failure) is shown in the form
   with the message of data-too-large or data-failed. Without JavaScript the form posts as usual. */
(function () {
  "use strict";
  function formOf(event) {
    var target = event.target;
    return target && target.closest ? target.closest("form[data-upload-progress]") : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = formOf(event);
    if (!form) { return; }
    var bar = form.querySelector("progress");
    var error = form.querySelector("[data-upload-error]");
    if (bar) { bar.value = 0; bar.hidden = false; }
    if (error) { error.textContent = ""; }
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = formOf(event);
    var bar = form ? form.querySelector("progress") : null;
    if (!bar || !event.detail || !event.detail.total) { return; }
    bar.value = Math.round(event.detail.loaded * 100 / event.detail.total);
  });
  function failed(event, message) {
    var form = formOf(event);
    if (!form) { return; }
    var bar = form.querySelector("progress");
    var error = form.querySelector("[data-upload-error]");
    if (bar) { bar.hidden = true; }
    if (error) { error.textContent = message(form); }
  }
  document.addEventListener("htmx:responseError", function (event) {
    failed(event, function (form) {
      return event.detail.xhr && event.detail.xhr.status === 413 ? form.dataset.tooLarge : form.dataset.failed;
    });
  });
  document.addEventListener("htmx:sendError", function (event) {
    failed(event, function (form) { return form.dataset.failed; });
  });
})();
