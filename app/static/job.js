/* Live progress of one job: poll its JSON every 500 ms until it leaves queued/running.
   Every value is written with textContent (never innerHTML). */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var labels = JSON.parse(box.getAttribute("data-labels"));
  var api = box.getAttribute("data-api");
  var active = { queued: true, running: true };

  function show(job) {
    var state = document.getElementById("job-state");
    state.textContent = labels[job.state] || job.state;
    state.setAttribute("data-state", job.state);
    var queue = document.getElementById("job-queue");
    queue.hidden = !job.queue_position;
    queue.textContent = job.queue_position ?
      box.getAttribute("data-queue-label").replace("{n}", String(job.queue_position)) : "";
    document.getElementById("job-progress").value = job.fraction;
    document.getElementById("job-percent").textContent = Math.round(job.fraction * 100) + " %";
    document.getElementById("job-stage").textContent = job.stage_text || job.stage;
    document.getElementById("job-message").textContent = job.message;
    if (job.plan_url) {
      document.getElementById("job-plan-link").setAttribute("href", job.plan_url);
      document.getElementById("job-plan").hidden = false;
    }
    var cancel = document.getElementById("cancel-form");
    if (cancel && !active[job.state]) { cancel.hidden = true; }
    return active[job.state];
  }

  function poll() {
    fetch(api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) { if (show(job)) { setTimeout(poll, 500); } })
      .catch(function () { setTimeout(poll, 2000); });
  }
  if (active[document.getElementById("job-state").getAttribute("data-state")]) { poll(); }
})();
