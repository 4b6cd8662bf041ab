// Cloud Portal: toasts (from HX-Trigger and Django messages), htmx error reporting, nav toggle.
(function () {
  "use strict";
  function toast(message, level) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var el = document.createElement("div");
    el.className = "toast " + (level || "info");
    el.setAttribute("role", level === "error" ? "alert" : "status");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, level === "error" ? 12000 : 6000);
  }
  window.portalToast = toast;
  document.addEventListener("toast", function (e) {
    var d = e.detail || {};
    toast(d.message || d.value, d.level);
  });
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    var msg = xhr.getResponseHeader("X-Portal-Error") ||
      (xhr.status === 403 ? "You are not allowed to do that." :
       xhr.status === 404 ? "Not found (it may have been removed)." :
       "The server could not complete the request (" + xhr.status + ").");
    toast(msg, "error");
  });
  document.addEventListener("htmx:sendError", function () {
    toast("The portal cannot be reached; check your connection.", "error");
  });
  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-toggle-nav]");
    if (t) {
      var nav = document.getElementById("sidenav");
      nav.classList.toggle("open");
      t.setAttribute("aria-expanded", nav.classList.contains("open"));
    }
    var all = e.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll("input[name=pk]").forEach(function (c) { c.checked = all.checked; });
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-message]").forEach(function (m) {
      toast(m.getAttribute("data-message"), m.getAttribute("data-level"));
    });
  });
})();
