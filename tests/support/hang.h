/* hang: the one ceiling for every wait of the suite. Tests wait for the event itself (a
 * screen that shows it, a line seen, a process exited); this bound is only reached when
 * the product hangs, never because the machine is busy. Speed is measured by `make bench`. */
#ifndef MCON_TEST_HANG_H
#define MCON_TEST_HANG_H

/* milliseconds; generous on purpose: a loaded 2-core machine under the sanitizers */
#define T_HANG_MS 60000

#endif
