// Tell the server the browser's time zone (a cookie), so pages show times in it; reload once when it changes.
(function () {
  "use strict";
  const name = "mnemo_time_zone";
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) return;
  const current = document.cookie.split("; ").find(function (pair) { return pair.startsWith(name + "="); });
  if (current === name + "=" + encodeURIComponent(zone)) return;
  document.cookie = name + "=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
})();
