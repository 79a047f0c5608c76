// The job page follows its job: polls the JSON status until the job ends, then shows the link or the
// error. Without JavaScript the page says to reload it; nothing here is needed to get the file.
(function () {
  "use strict";
  var root = document.querySelector("[data-job]");
  if (!root || root.getAttribute("data-job-finished") === "1") return;
  var url = root.getAttribute("data-job-status-url");
  var delay = 1000;

  function show(data) {
    var status = root.querySelector("[data-job-status]");
    var bar = root.querySelector("[data-job-bar]");
    var text = root.querySelector("[data-job-text]");
    if (status) status.textContent = data.status_label;
    if (bar) {
      if (data.percent === null) {
        bar.removeAttribute("value");
      } else {
        bar.value = data.percent;
        bar.textContent = data.percent + "%";
      }
    }
    if (text && data.percent !== null) text.textContent = data.percent + "%";
    if (!data.finished) return false;
    if (bar) bar.hidden = true;
    if (text) text.hidden = true;
    var reload = root.querySelector("[data-job-reload]");
    if (reload) reload.hidden = true;
    if (data.download_url) {
      var link = root.querySelector("[data-job-download-link]");
      link.href = data.download_url;
      root.querySelector("[data-job-download]").hidden = false;
      link.focus();
    } else if (data.error) {
      var error = root.querySelector("[data-job-error]");
      error.textContent = data.error;
      error.hidden = false;
    }
    return true;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        if (!show(data)) {
          delay = Math.min(delay * 1.5, 5000);
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, delay);
})();
