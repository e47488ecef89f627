/* tu_browser — open a page in a real headless browser (Debian's
 * chromium) and say what a reader would meet: images that did not load,
 * console errors, requests that left the page's files; and keep a
 * screenshot.
 *
 * Chromium is driven over the DevTools protocol on a pipe
 * (--remote-debugging-pipe: it reads requests on descriptor 3 and writes
 * answers and events on descriptor 4, each a JSON text ending with a NUL),
 * started from an argv with a fresh --user-data-dir and the flags that
 * keep it off the network (it must ask nothing of anyone). What is
 * checked comes from the browser itself: Network.requestWillBeSent for
 * every request, Runtime.consoleAPICalled / Runtime.exceptionThrown /
 * Log.entryAdded for errors (a failed load is a Log error), and, after
 * the load event, each <img>'s naturalWidth and each top-level <svg>'s
 * rendered size.
 */
#ifndef TESTS_TU_BROWSER_H
#define TESTS_TU_BROWSER_H

#include <stddef.h>

struct tu_page_check {
	size_t images;          /* <img> and top-level <svg> elements */
	size_t broken;          /* of them, not loaded or of no size */
	size_t errors;          /* console errors, exceptions, failed loads */
	size_t requests;        /* every request the page made */
	size_t external;        /* of them, not file: or data: */
	char *what;             /* what went wrong, one line each (allocated) */
};

/* The browser, or NULL with *WHY a static reason (not installed). */
const char *tu_browser_find(const char **why);

/* Open HTML (an absolute path) in BROWSER and check it into *OUT
 * (tu_page_check_release); write a PNG screenshot of the page (its first
 * 12000 CSS pixels, at half scale beyond 6000) to SCREENSHOT (may be
 * NULL). Returns 0, or -1 with *WHY an allocated reason (the browser
 * failed, timed out after 60 s). */
int tu_browser_check(const char *browser, const char *html,
		     const char *screenshot, struct tu_page_check *out,
		     char **why);
void tu_page_check_release(struct tu_page_check *c);

#endif
