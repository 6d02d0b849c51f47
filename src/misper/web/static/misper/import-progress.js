// The bulk import's progress page (insights/import/job.html): while the job runs, look
// again every 2 seconds. Without JavaScript the page has a link to look again.
const running = document.querySelector("[data-import-running]");
if (running) {
  setTimeout(() => window.location.reload(), 2000);
}
