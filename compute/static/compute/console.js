// The instance console page: noVNC's RFB over the console proxy's WebSocket.
import RFB from "../novnc/core/rfb.js";

const box = document.getElementById("console");
const status = document.getElementById("console-status");
const cad = document.getElementById("console-cad");
const again = document.getElementById("console-reconnect"); // none on a token page
if (again) again.style.display = "none"; // shown once the connection ends
let url = `${box.dataset.url}?token=${encodeURIComponent(box.dataset.token)}`;
if (box.dataset.extra) url += `&extra=${encodeURIComponent(box.dataset.extra)}`;
const rfb = new RFB(document.getElementById("console-screen"), url);
rfb.scaleViewport = true;
rfb.addEventListener("connect", () => {
  status.textContent = "Connected";
  box.dataset.state = "connected";
  cad.disabled = false;
});
rfb.addEventListener("disconnect", (e) => {
  status.textContent = e.detail.clean ? "Disconnected" : "The console could not be reached or the link was already used";
  box.dataset.state = "disconnected";
  cad.disabled = true;
  if (again) again.style.display = "";
});
cad.addEventListener("click", () => rfb.sendCtrlAltDel());
again?.addEventListener("click", () => window.location.reload()); // a new page, a new token
